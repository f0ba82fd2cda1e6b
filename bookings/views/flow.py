"""The booking flow, shared by clients (online) and the front desk (for a client):
treatment -> areas -> a calendar of days -> times (htmx) -> confirmation.

The same views serve both; a ``Booker`` says for whom, whether the online limits apply and
which url names to use. Rules are the engine's and the services': these views only ask and show.
"""

import calendar as month_calendar
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from clinic import roles
from clinic.dates import datetime_label
from clinic.models import User
from consultations.areas import Area, area_labels
from consultations.selectors import clearance_check

from .. import selectors, services
from ..availability import Reason, long_date
from ..client_selectors import course_session_number
from ..forms import AreasForm, SlotForm
from ..models import Appointment, Practitioner, Room, Treatment
from .common import clinic_today, needs, parse_day, parse_int

SHORT_REASONS = {
    Reason.PAST: "",
    Reason.NOTICE: "Too soon",
    Reason.TOO_FAR: "Not open yet",
    Reason.CLOSED: "Closed",
    Reason.CLEARANCE_MISSING: "Not cleared",
    Reason.CLEARANCE_EXPIRED: "Clearance ends",
    Reason.SPACING: "Too close",
    Reason.OUTSIDE_WINDOW: "Outside window",
    Reason.FULLY_BOOKED: "Full",
}
DATE_MOVING_REASONS = {
    Reason.SPACING,
    Reason.OUTSIDE_WINDOW,
    Reason.CLEARANCE_MISSING,
    Reason.CLEARANCE_EXPIRED,
    Reason.FULLY_BOOKED,
}


@dataclass
class Booker:
    """Who books for whom: the client themselves online, or staff for a client."""

    client: User
    by: User
    online: bool

    def url(self, name: str, **kwargs) -> str:
        if self.online:
            return reverse(f"book_{name}", kwargs=kwargs)
        return reverse(f"desk_book_{name}", kwargs={"client_id": self.client.pk, **kwargs})

    def treatments(self):
        rows = Treatment.objects.filter(is_active=True)
        return rows.filter(bookable_online=True) if self.online else rows


def _booker(request, client_id) -> Booker:
    if client_id is None:
        if not roles.can(request.user, roles.Capability.BOOK_OWN):
            raise Http404("No such page.")
        return Booker(client=request.user, by=request.user, online=True)
    roles.require(request.user, roles.Capability.BOOK_FOR_CLIENT)
    client = get_object_or_404(User, pk=client_id, groups__name=roles.Role.CLIENT)
    return Booker(client=client, by=request.user, online=False)


def _treatment(booker: Booker, slug: str) -> Treatment:
    return get_object_or_404(booker.treatments(), slug=slug)


def _moving(booker: Booker, value) -> Appointment | None:
    """The appointment being moved, if any: the client's own, still to come (else 404)."""
    pk = parse_int(value)
    if value in (None, ""):
        return None
    appointment = (
        Appointment.objects.filter(pk=pk, client=booker.client, status=Appointment.Status.BOOKED)
        .select_related("treatment", "practitioner__user", "room")
        .first()
    )
    if appointment is None:
        raise Http404("No such appointment.")
    return appointment


def _area_codes(treatment: Treatment, values) -> list[str]:
    offered = set(treatment.areas.values_list("area", flat=True))
    return [code for code in dict.fromkeys(values) if code in offered]


def _flow_query(areas, **extra) -> str:
    pairs = [("areas", code) for code in areas] + [(k, v) for k, v in extra.items() if v not in (None, "")]
    return urlencode(pairs)


@needs(roles.Capability.BOOK_OWN)
def book_start(request):
    return _start(request, None)


@needs(roles.Capability.BOOK_FOR_CLIENT)
def desk_book_start(request, client_id):
    return _start(request, client_id)


def _start(request, client_id):
    booker = _booker(request, client_id)
    treatments = list(booker.treatments())
    if len(treatments) == 1:
        return redirect(booker.url("areas", slug=treatments[0].slug))
    return render(request, "bookings/book_treatment.html", {"booker": booker, "treatments": treatments})


@needs(roles.Capability.BOOK_OWN)
def book_areas(request, slug):
    return _areas(request, None, slug)


@needs(roles.Capability.BOOK_FOR_CLIENT)
def desk_book_areas(request, client_id, slug):
    return _areas(request, client_id, slug)


def _areas(request, client_id, slug):
    booker = _booker(request, client_id)
    treatment = _treatment(booker, slug)
    offered = [(row.area, row) for row in treatment.areas.all()]
    check = None
    if treatment.needs_clearance:
        check = clearance_check(client=booker.client, treatment_slug=treatment.slug, areas=(), on=clinic_today())
        cleared = check.cleared_areas
    else:
        cleared = {code for code, _ in offered}
    choices = [(code, f"{Area(code).label} · {row.needling_minutes} min") for code, row in offered if code in cleared]
    not_cleared = [Area(code).label for code, _ in offered if code not in cleared]
    form = AreasForm(request.GET or None, choices=choices)
    if request.GET and form.is_valid():
        query = _flow_query(form.cleaned_data["areas"], moving=request.GET.get("moving"))
        return redirect(f"{booker.url('calendar', slug=slug)}?{query}")
    blocked = check is not None and not check.ok and check.code not in ("area_not_cleared", "pending", "expired")
    return render(
        request,
        "bookings/book_areas.html",
        {
            "booker": booker,
            "treatment": treatment,
            "form": form,
            "check": check,
            "blocked": blocked or (check is not None and not choices),
            "not_cleared": not_cleared,
        },
    )


def _month_start(value: str | None, default: date) -> date:
    """The first of the month asked for ("2026-07"), kept within two years of ``default``."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        first = date(year, month, 1)
    except ValueError:
        return default.replace(day=1)
    if abs((first - default).days) > 2 * 366:
        return default.replace(day=1)
    return first


def _calendar_weeks(first_of_month: date, days: dict[date, object], today: date) -> list[list[dict]]:
    weeks = []
    for week in month_calendar.Calendar(firstweekday=0).monthdatescalendar(first_of_month.year, first_of_month.month):
        row = []
        for day in week:
            info = days.get(day)
            row.append(
                {
                    "day": day,
                    "in_month": day.month == first_of_month.month,
                    "past": day < today,
                    "info": info,
                    "open": bool(info and info.slots),
                    "short": SHORT_REASONS.get(info.reason, "") if info and not info.slots else "",
                }
            )
        # Weeks entirely past are noise: the calendar starts with the current week.
        if all(cell["past"] for cell in row):
            continue
        weeks.append(row)
    return weeks


def _explanations(days: list) -> list[dict]:
    """Why the empty days are empty, one line per reason: a run of days as a range ("Mon 1 -
    Fri 12 Jun: too close to your last session; first possible date ..."), scattered days as a
    list ("Sun 7, Sun 14: closed")."""
    groups: dict[str, dict] = {}
    for info in days:
        if info.slots or info.reason in (Reason.PAST, "") or not info.message:
            continue
        group = groups.setdefault(
            info.message, {"days": [], "message": info.message, "reason": info.reason, "next_possible": None}
        )
        group["days"].append(info.day)
        group["next_possible"] = group["next_possible"] or info.next_possible
    result = []
    for group in groups.values():
        found = group["days"]
        group["first"], group["last"] = found[0], found[-1]
        group["is_run"] = all((b - a).days <= 2 for a, b in zip(found, found[1:], strict=False))
        # "First possible date" helps where the rule moves the date (spacing, window,
        # clearance), not beside a Sunday or the notice period.
        if group["reason"] not in DATE_MOVING_REASONS or (
            group["next_possible"] and group["next_possible"] <= group["last"]
        ):
            group["next_possible"] = None
        result.append(group)
    return sorted(result, key=lambda g: g["first"])


def _flow_context(request, client_id, slug):
    booker = _booker(request, client_id)
    treatment = _treatment(booker, slug)
    moving = _moving(booker, request.GET.get("moving") or request.POST.get("moving"))
    raw_areas = request.GET.getlist("areas") or request.POST.getlist("areas")
    if moving is not None:
        treatment = moving.treatment
        raw_areas = raw_areas or moving.areas
    areas = _area_codes(treatment, raw_areas)
    practitioner = None
    practitioner_id = parse_int(request.GET.get("practitioner"))
    if practitioner_id is not None:
        practitioner = treatment.practitioners.filter(pk=practitioner_id, is_active=True).select_related("user").first()
    return booker, treatment, moving, areas, practitioner


@needs(roles.Capability.BOOK_OWN)
def book_calendar(request, slug):
    return _calendar(request, None, slug)


@needs(roles.Capability.BOOK_FOR_CLIENT)
def desk_book_calendar(request, client_id, slug):
    return _calendar(request, client_id, slug)


def _calendar(request, client_id, slug):
    booker, treatment, moving, areas, practitioner = _flow_context(request, client_id, slug)
    if not areas:
        messages.info(request, "Choose the areas to treat first.")
        return redirect(booker.url("areas", slug=slug))
    today = clinic_today()
    default_month = today
    next_possible = request.GET.get("from")
    if next_possible:
        default_month = parse_day(next_possible, today)
    month = _month_start(request.GET.get("month"), default_month)
    weeks_dates = month_calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    first_shown, last_shown = weeks_dates[0][0], weeks_dates[-1][-1]
    days = []
    if last_shown >= today:
        days = selectors.availability(
            treatment=treatment,
            areas=areas,
            client=booker.client,
            first_day=max(first_shown, today),
            last_day=last_shown,
            online=booker.online,
            practitioner=practitioner,
            exclude_appointment_id=moving.pk if moving else None,
        )
    by_day = {info.day: info for info in days}
    in_month = [info for info in days if info.day.month == month.month]
    query = {"moving": moving.pk if moving else None, "practitioner": practitioner.pk if practitioner else None}
    prev_month = (month - timedelta(days=1)).replace(day=1)
    next_month = (month + timedelta(days=32)).replace(day=1)
    selected = parse_day(request.GET.get("day"), None) if request.GET.get("day") else None
    context = {
        "booker": booker,
        "treatment": treatment,
        "areas": areas,
        "area_labels": area_labels(areas),
        "moving": moving,
        "practitioner": practitioner,
        "practitioners": treatment.practitioners.filter(is_active=True).select_related("user"),
        "month": month,
        "weeks": _calendar_weeks(month, by_day, today),
        "explanations": _explanations(in_month),
        "open_days": sum(1 for info in in_month if info.slots),
        "prev_url": None
        if prev_month < today.replace(day=1)
        else f"?{_flow_query(areas, month=f'{prev_month:%Y-%m}', **query)}",
        "next_url": f"?{_flow_query(areas, month=f'{next_month:%Y-%m}', **query)}",
        "times_url": booker.url("times", slug=treatment.slug),
        "base_query": _flow_query(areas, **query),
        "month_query": lambda d: _flow_query(areas, month=f"{d:%Y-%m}", **query),
        "selected": by_day.get(selected) if selected else None,
    }
    if context["selected"] is not None:
        context.update(_times_context(booker, treatment, areas, moving, context["selected"]))
    for group in context["explanations"]:
        if group["next_possible"]:
            jump_month = group["next_possible"].strftime("%Y-%m")
            if jump_month != f"{month:%Y-%m}":
                group["jump_url"] = f"?{_flow_query(areas, month=jump_month, **query)}"
    return render(request, "bookings/book_calendar.html", context)


def _slot_choices(booker, treatment, areas, moving, info) -> list[dict]:
    names = {
        p.pk: p
        for p in Practitioner.objects.filter(pk__in={s.practitioner_id for s in info.slots}).select_related("user")
    }
    base = booker.url("confirm", slug=treatment.slug)
    choices = []
    for slot in info.slots:
        local = timezone.localtime(slot.starts_at)
        query = _flow_query(
            areas,
            starts_at=slot.starts_at.isoformat(),
            practitioner=slot.practitioner_id,
            room=slot.room_id,
            moving=moving.pk if moving else None,
        )
        choices.append(
            {
                "slot": slot,
                "local": local,
                "practitioner": names.get(slot.practitioner_id),
                "url": f"{base}?{query}",
                "part": "Morning" if local.hour < 12 else ("Afternoon" if local.hour < 17 else "Evening"),
            }
        )
    return choices


def _times_context(booker, treatment, areas, moving, info) -> dict:
    choices = _slot_choices(booker, treatment, areas, moving, info)
    parts: dict[str, list] = {}
    for choice in choices:
        parts.setdefault(choice["part"], []).append(choice)
    return {"day_info": info, "parts": parts, "day_label": long_date(info.day)}


@needs(roles.Capability.BOOK_OWN)
def book_times(request, slug):
    return _times(request, None, slug)


@needs(roles.Capability.BOOK_FOR_CLIENT)
def desk_book_times(request, client_id, slug):
    return _times(request, client_id, slug)


def _times(request, client_id, slug):
    booker, treatment, moving, areas, practitioner = _flow_context(request, client_id, slug)
    day = parse_day(request.GET.get("day"), None) if request.GET.get("day") else None
    if not areas or day is None:
        raise Http404("Choose the areas and a day.")
    if not request.htmx:
        # Without JavaScript the calendar page shows the day's times itself.
        query = _flow_query(areas, day=day.isoformat(), month=f"{day:%Y-%m}", moving=request.GET.get("moving"))
        return redirect(f"{booker.url('calendar', slug=slug)}?{query}")
    days = selectors.availability(
        treatment=treatment,
        areas=areas,
        client=booker.client,
        first_day=day,
        last_day=day,
        online=booker.online,
        practitioner=practitioner,
        exclude_appointment_id=moving.pk if moving else None,
    )
    context = {"booker": booker, "treatment": treatment}
    context.update(_times_context(booker, treatment, areas, moving, days[0]))
    return render(request, "bookings/_times.html", context)


def _nearest_free(booker, treatment, areas, moving, around, practitioner=None, count: int = 6) -> list[dict]:
    """The free times nearest to ``around`` (same day first, then the next days), for the
    "just taken" page."""
    local_day = timezone.localtime(around).date()
    first = max(local_day - timedelta(days=3), clinic_today())
    days = selectors.availability(
        treatment=treatment,
        areas=areas,
        client=booker.client,
        first_day=first,
        last_day=local_day + timedelta(days=14),
        online=booker.online,
        practitioner=practitioner,
        exclude_appointment_id=moving.pk if moving else None,
    )
    choices = []
    for info in days:
        if info.slots:
            choices.extend(_slot_choices(booker, treatment, areas, moving, info))
    choices.sort(key=lambda c: abs((c["slot"].starts_at - around).total_seconds()))
    return sorted(choices[:count], key=lambda c: c["slot"].starts_at)


@needs(roles.Capability.BOOK_OWN)
def book_confirm(request, slug):
    return _confirm(request, None, slug)


@needs(roles.Capability.BOOK_FOR_CLIENT)
def desk_book_confirm(request, client_id, slug):
    return _confirm(request, client_id, slug)


def _existing_same(booker, treatment, starts_at) -> Appointment | None:
    """The client's own active booking at exactly this time (a double submit, or the back button
    after booking): shown instead of an error."""
    return (
        Appointment.objects.filter(
            client=booker.client, treatment=treatment, starts_at=starts_at, status__in=Appointment.ACTIVE_STATUSES
        )
        .select_related("practitioner__user", "room", "treatment")
        .first()
    )


def _done_url(booker: Booker, appointment: Appointment) -> str:
    if booker.online:
        return reverse("my_appointment", kwargs={"appointment_id": appointment.pk})
    return reverse("desk_appointment", kwargs={"appointment_id": appointment.pk})


def _confirm(request, client_id, slug):
    booker, treatment, moving, areas, _ = _flow_context(request, client_id, slug)
    data = request.POST if request.method == "POST" else request.GET
    form = SlotForm(data)
    # Only a too-long reason wrong: the time is fine, so the page stays with the typed reason
    # and the field's message instead of sending the person back to the calendar.
    reason_only = set(form.errors) == {"late_booking_reason"}
    if (not form.is_valid() and not reason_only) or not areas:
        messages.error(request, "That time could not be read. Please pick a time again.")
        return redirect(f"{booker.url('calendar', slug=treatment.slug)}?{_flow_query(areas)}")
    starts_at = form.cleaned_data["starts_at"]
    same = _existing_same(booker, treatment, starts_at)
    if same is not None and (moving is None or same.pk == moving.pk):
        messages.info(request, "This session is already booked: here it is.")
        return redirect(_done_url(booker, same))
    practitioner = Practitioner.objects.filter(pk=form.cleaned_data["practitioner"]).select_related("user").first()
    room = Room.objects.filter(pk=form.cleaned_data["room"]).first() if form.cleaned_data["room"] else None
    problem = None
    if practitioner is None or not practitioner.treatments.filter(pk=treatment.pk).exists():
        problem = "That practitioner does not give this treatment. Please pick a time again."
    elif room is not None and not room.treatments.filter(pk=treatment.pk).exists():
        problem = "That room is not equipped for this treatment. Please pick a time again."
    if problem:
        messages.error(request, problem)
        return redirect(f"{booker.url('calendar', slug=treatment.slug)}?{_flow_query(areas)}")

    day_info = selectors.availability(
        treatment=treatment,
        areas=areas,
        client=booker.client,
        first_day=timezone.localtime(starts_at).date(),
        last_day=timezone.localtime(starts_at).date(),
        online=booker.online,
        exclude_appointment_id=moving.pk if moving else None,
    )[0]
    if reason_only and (booker.online or not day_info.needs_reason):
        # No reason is asked for here: an overlong one (a tampered form) is simply ignored.
        reason_only = False
        form.cleaned_data["late_booking_reason"] = ""
    still_free = any(s.starts_at == starts_at for s in day_info.slots)
    timing = selectors.session_timing(
        treatment=treatment, areas=areas, area_minutes=dict(treatment.areas.values_list("area", "needling_minutes"))
    )
    arrival, needling_starts, needling_ends, _ = timing.instants(starts_at)
    error = None
    if request.method == "POST" and not reason_only:
        if day_info.needs_reason and not booker.online and not form.cleaned_data["late_booking_reason"].strip():
            form.add_error("late_booking_reason", "Please give the reason for booking after the course's window.")
        else:
            try:
                appointment = _book_or_move(booker, treatment, areas, moving, starts_at, practitioner, room, form)
            except ValidationError as exc:
                same = _existing_same(booker, treatment, starts_at)
                if same is not None and moving is None:
                    messages.info(request, "This session is already booked: here it is.")
                    return redirect(_done_url(booker, same))
                error = " ".join(exc.messages)
                still_free = False
            else:
                if moving:
                    messages.success(
                        request, f"Moved to {datetime_label(timezone.localtime(appointment.starts_at), 'day')}."
                    )
                else:
                    # The desk books for someone else: the confirmation goes to the client, not to them.
                    to = "you" if booker.online else (booker.client.get_full_name() or booker.client.email)
                    messages.success(request, f"Booked. A confirmation is on its way to {to}.")
                return redirect(_done_url(booker, appointment))
    context = {
        "booker": booker,
        "treatment": treatment,
        "areas": areas,
        "area_labels": area_labels(areas),
        "moving": moving,
        "form": form,
        "practitioner": practitioner,
        "room": room,
        "arrival": arrival,
        "needling_starts": needling_starts,
        "needling_ends": needling_ends,
        "day_info": day_info,
        "still_free": still_free,
        "error": error,
        "session_number": course_session_number(course_id=day_info.course_id, before=starts_at),
        "calendar_url": f"{booker.url('calendar', slug=treatment.slug)}?{_flow_query(areas, moving=moving.pk if moving else None, month=f'{timezone.localtime(starts_at):%Y-%m}')}",
    }
    if not still_free:
        context["nearest"] = _nearest_free(booker, treatment, areas, moving, starts_at)
        # Taken by someone else, or never bookable (a rule of the day: spacing, clearance...)?
        why = error or (day_info.message if not day_info.slots else "")
        context["why"] = why
        context["taken"] = not why or "taken" in why
    return render(request, "bookings/book_confirm.html", context, status=409 if error else 200)


def _book_or_move(booker, treatment, areas, moving, starts_at, practitioner, room, form) -> Appointment:
    reason = form.cleaned_data.get("late_booking_reason", "").strip() if not booker.online else ""
    if moving is not None:
        return services.appointment_reschedule(
            appointment=moving,
            starts_at=starts_at,
            changed_by=booker.by,
            practitioner=practitioner,
            room=room,
            late_booking_reason=reason,
        )
    return services.appointment_book(
        client=booker.client,
        treatment=treatment,
        areas=areas,
        starts_at=starts_at,
        booked_by=booker.by,
        practitioner=practitioner,
        room=room,
        late_booking_reason=reason,
    )
