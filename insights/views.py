"""The insights page (managers; a practitioner sees their own figures), its tables as CSV, and the
front desk's call list. Thin: parse the filters, ask the sections' selectors, render."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from bookings.models import Practitioner
from clinic import roles
from clinic.clock import clinic_today
from clinic.dates import date_label
from clinic.errors import error_show
from clinic.locations import locations_for, several_locations

from .facts import facts_behind, facts_refreshed
from .forms import InsightsFilterForm
from .periods import PERIODS, period_days
from .sections import SECTIONS
from .selectors.call_list import call_list_clearances, call_list_courses
from .selectors.scope import Scope, report_queries
from .tables import heat_rows


def _viewer(user) -> Practitioner | None:
    """None for a manager (every figure); the practitioner whose own figures these are; 403 for
    everyone else."""
    if roles.can(user, roles.Capability.VIEW_INSIGHTS):
        return None
    if roles.can(user, roles.Capability.VIEW_OWN_FIGURES):
        own = Practitioner.objects.filter(user=user).first()
        if own is not None:
            return own
    raise PermissionDenied("You do not have access to this page.")


def _scope(request, own: Practitioner | None):
    form = InsightsFilterForm(request.GET or None, own_only=own is not None)
    data = form.cleaned_data if form.is_valid() else {}
    period = data.get("period") or "week"
    try:
        first, last = period_days(period, clinic_today(), data.get("first"), data.get("last"))
    except ValidationError as exc:
        form.add_error(None, exc)
        period = "week"
        first, last = period_days(period, clinic_today())
    scope = Scope(
        first,
        last,
        location_id=getattr(data.get("location"), "pk", None),
        practitioner_id=own.pk if own is not None else getattr(data.get("practitioner"), "pk", None),
        room_id=getattr(data.get("room"), "pk", None),
    )
    return form, scope, dict(PERIODS)[period]


def _sections(scope: Scope, own: Practitioner | None, *, tables_only: bool = False):
    for section in SECTIONS:
        if own is not None and not section.own_figures:
            continue
        if tables_only and section.template:
            continue
        yield section, section.build(scope, practitioner_user_id=own.user_id if own else None)


@login_required
def insights_page(request):
    own = _viewer(request.user)
    form, scope, period_label = _scope(request, own)
    with report_queries():
        sections = _shown_sections(scope, own, request)
        behind = facts_behind()
    return render(
        request,
        "insights/page.html",
        {
            "form": form,
            "scope": scope,
            "period_label": period_label,
            "first_label": date_label(scope.first_day),
            "last_label": date_label(scope.last_day),
            "sections": sections,
            "own": own,
            "query": request.GET.urlencode(),
            "several_locations": several_locations(),
            "behind": behind,
        },
    )


def _shown_sections(scope: Scope, own: Practitioner | None, request) -> list[dict]:
    """Each section's tables with their chart data (or another app's partial, rendered)."""
    sections = []
    for section, tables in _sections(scope, own):
        if section.template:
            # Another app's partial (the Money section: payments' reports) with its own context.
            sections.append({"section": section, "html": render_to_string(section.template, tables, request=request)})
            continue
        shown = [
            {
                "table": t,
                "chart": t.chart_data(),
                "heat": heat_rows(t) if t.heat else None,
                "cells": [list(zip(t.columns, row, strict=False)) for row in t.rows],
                "chart_id": f"chart-{t.code}",
                "data_id": f"chart-data-{t.code}",
                # A table of many columns takes the whole row of the grid.
                "wide": len(t.columns) > 4,
            }
            for t in (table.shown() for table in tables)
        ]
        sections.append({"section": section, "tables": shown})
    return sections


@login_required
def insights_csv(request):
    own = _viewer(request.user)
    _form, scope, _label = _scope(request, own)
    wanted = request.GET.get("table", "")
    with report_queries():
        found = next(
            (t for _s, tables in _sections(scope, own, tables_only=True) for t in tables if t.code == wanted), None
        )
    if found is None:
        raise Http404("No such table.")
    response = HttpResponse(found.csv_text(), content_type="text/csv; charset=utf-8")
    name = f"{found.code}-{scope.first_day:%Y%m%d}-{scope.last_day:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _desk_locations(user) -> list[int] | None:
    """The locations whose clients a member of staff rings: theirs (a manager: every one)."""
    if not several_locations() or roles.can(user, roles.Capability.MANAGE_CLINIC):
        return None
    return [location.pk for location in locations_for(user)]


@login_required
def call_list(request):
    roles.require(request.user, roles.Capability.WORK_CALL_LIST)
    locations = _desk_locations(request.user)
    with facts_refreshed():  # the course windows are read off the session facts
        courses = call_list_courses(locations)
        behind = facts_behind()
    return render(
        request,
        "insights/call_list.html",
        {
            "courses": courses,
            "clearances": call_list_clearances(locations),
            "today": clinic_today(),
            "behind": behind,
        },
    )


@login_required
@require_POST
def call_list_remind(request):
    """Send the call list's reminder to one client, once (the outbox's key holds it)."""
    from django.contrib import messages

    from bookings.services.call_list import call_list_reminder_send

    roles.require(request.user, roles.Capability.WORK_CALL_LIST)
    try:
        outcome = call_list_reminder_send(
            about=request.POST.get("about", ""), pk=request.POST.get("pk", ""), sent_by=request.user, request=request
        )
    except ValidationError as exc:
        error_show(request, exc)
    else:
        messages.success(request, outcome)
    return redirect("insights:call_list")
