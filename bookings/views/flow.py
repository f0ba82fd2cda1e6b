"""The booking flow, shared by clients (online) and the front desk (for a client):
treatment -> areas -> a calendar of days -> times (htmx) -> confirmation.

The same views serve both; a ``Booker`` says for whom, whether the online limits apply and
which url names to use. Rules are the engine's and the services': these views only ask and show.
"""

import calendar as month_calendar
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from clinic import roles
from clinic.clock import clinic_today
from clinic.dates import datetime_label
from clinic.errors import error_show
from clinic.locations import clinic_at
from clinic.models import Location, User
from consultations.areas import Area, area_labels
from consultations.selectors import clearance_check

from ..availability import long_date
from ..forms import AreasForm, SlotForm
from ..models import Appointment, Practitioner, Treatment
from ..selectors.availability import (
    active_treatment,
    availability_days,
    session_timing,
    treatment_catalogue,
    treatment_practitioner,
    treatment_practitioners,
)
from ..selectors.client import course_session_number
from ..services import appointments as services
from . import flow_location as where
from .common import parse_day, parse_int
from .flow_month import calendar_weeks, explanations, month_start


@dataclass
class Booker:
    """Who books for whom: the client themselves online, or staff for a client."""

    client: User
    by: User
    online: bool
    location: Location | None = None  # where the session is (flow_location)
    several_locations: bool = False  # there is a location to pick

    def url(self, name: str, **kwargs) -> str:
        if self.online:
            return reverse(f"book_{name}", kwargs=kwargs)
        return reverse(f"desk_book_{name}", kwargs={"client_id": self.client.pk, **kwargs})

    def treatments(self):
        rows = Treatment.objects.filter(is_active=True)
        return rows.filter(bookable_online=True) if self.online else rows


def booking_step(view):
    """One view for both variants of a booking step: the client's own (no ``client_id``, needs
    BOOK_OWN) and the desk's for a client (``client_id`` in the address, needs BOOK_FOR_CLIENT)."""

    @wraps(view)
    def wrapper(request, *args, client_id=None, **kwargs):
        capability = roles.Capability.BOOK_OWN if client_id is None else roles.Capability.BOOK_FOR_CLIENT
        if not roles.can(request.user, capability):
            raise PermissionDenied("You do not have access to this page.")
        return view(request, *args, client_id=client_id, **kwargs)

    return login_required(wrapper)


def _booker(request, client_id) -> Booker:
    if client_id is None:
        if not roles.can(request.user, roles.Capability.BOOK_OWN):
            raise Http404("No such page.")
        return Booker(client=request.user, by=request.user, online=True, **where.booker_place(request))
    roles.require(request.user, roles.Capability.BOOK_FOR_CLIENT)
    client = get_object_or_404(User, pk=client_id, groups__name=roles.Role.CLIENT)
    return Booker(client=client, by=request.user, online=False, **where.booker_place(request))


def _treatment(booker: Booker, slug: str) -> Treatment:
    if (treatment := active_treatment(slug, online=booker.online)) is None:
        raise Http404("No such treatment.")
    return treatment


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
    offered = treatment_catalogue(treatment=treatment).area_minutes
    return [code for code in dict.fromkeys(values) if code in offered]


def _flow_query(areas, **extra) -> str:
    pairs = [("areas", code) for code in areas] + [(k, v) for k, v in extra.items() if v not in (None, "")]
    return urlencode(pairs)


@booking_step
def book_start(request, client_id=None):
    booker = _booker(request, client_id)
    if (picker := where.location_picker(request, booker)) is not None:
        return picker
    treatments = list(booker.treatments())
    if len(treatments) == 1:
        return redirect(booker.url("areas", slug=treatments[0].slug))
    return render(request, "bookings/book_treatment.html", {"booker": booker, "treatments": treatments})


@booking_step
def book_areas(request, slug, client_id=None):
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


def _flow_context(request, client_id, slug):
    booker = _booker(request, client_id)
    treatment = _treatment(booker, slug)
    moving = _moving(booker, request.GET.get("moving") or request.POST.get("moving"))
    raw_areas = request.GET.getlist("areas") or request.POST.getlist("areas")
    if moving is not None:
        treatment = moving.treatment
        raw_areas = raw_areas or moving.areas
        booker.location = where.booking_location_of(moving, request)  # a move stays at the session's location
    areas = _area_codes(treatment, raw_areas)
    practitioner = treatment_practitioner(treatment, parse_int(request.GET.get("practitioner")))
    return booker, treatment, moving, areas, practitioner


@booking_step
def book_calendar(request, slug, client_id=None):
    booker, treatment, moving, areas, practitioner = _flow_context(request, client_id, slug)
    if not areas:
        messages.info(request, "Choose the areas to treat first.")
        return redirect(booker.url("areas", slug=slug))
    today = clinic_today()
    default_month = parse_day(request.GET["from"], today) if request.GET.get("from") else today
    month = month_start(request.GET.get("month"), default_month)
    weeks_dates = month_calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    first_shown, last_shown = weeks_dates[0][0], weeks_dates[-1][-1]
    days = []
    if last_shown >= today:
        days = availability_days(
            treatment=treatment, areas=areas, client=booker.client, first_day=max(first_shown, today),
            last_day=last_shown, online=booker.online, practitioner=practitioner,
            exclude_appointment_id=moving.pk if moving else None, location_id=booker.location.pk,
        )  # fmt: skip
    by_day = {info.day: info for info in days}
    in_month = [info for info in days if info.day.month == month.month]
    query = {"moving": moving.pk if moving else None, "practitioner": practitioner.pk if practitioner else None}
    prev_month = (month - timedelta(days=1)).replace(day=1)
    next_month = (month + timedelta(days=32)).replace(day=1)
    selected = parse_day(request.GET.get("day"), None) if request.GET.get("day") else None
    base_query = _flow_query(areas, **query)
    times_url = booker.url("times", slug=treatment.slug)

    def month_url(value: str) -> str:
        return f"?{_flow_query(areas, month=value, **query)}"

    context = {
        "booker": booker,
        "treatment": treatment,
        "areas": areas,
        "area_labels": area_labels(areas),
        "moving": moving,
        "practitioner": practitioner,
        "practitioners": treatment_practitioners(treatment),
        "month": month,
        "weeks": calendar_weeks(
            month, by_day, today, base_query=base_query, times_url=times_url, selected_day=selected
        ),
        "explanations": explanations(in_month, month=month, month_url=month_url),
        "open_days": sum(1 for info in in_month if info.slots),
        "prev_url": None if prev_month < today.replace(day=1) else month_url(f"{prev_month:%Y-%m}"),
        "next_url": month_url(f"{next_month:%Y-%m}"),
        "times_url": times_url,
        "base_query": base_query,
        "selected": by_day.get(selected) if selected else None,
    }
    if context["selected"] is not None:
        context.update(_times_context(booker, treatment, areas, moving, context["selected"]))
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


@booking_step
def book_times(request, slug, client_id=None):
    booker, treatment, moving, areas, practitioner = _flow_context(request, client_id, slug)
    day = parse_day(request.GET.get("day"), None) if request.GET.get("day") else None
    if not areas or day is None:
        raise Http404("Choose the areas and a day.")
    if not request.htmx:
        # Without JavaScript the calendar page shows the day's times itself.
        query = _flow_query(areas, day=day.isoformat(), month=f"{day:%Y-%m}", moving=request.GET.get("moving"))
        return redirect(f"{booker.url('calendar', slug=slug)}?{query}")
    days = availability_days(
        treatment=treatment,
        areas=areas,
        client=booker.client,
        first_day=day,
        last_day=day,
        online=booker.online,
        practitioner=practitioner,
        exclude_appointment_id=moving.pk if moving else None,
        location_id=booker.location.pk,
    )
    context = {"booker": booker, "treatment": treatment}
    context.update(_times_context(booker, treatment, areas, moving, days[0]))
    return render(request, "bookings/_times.html", context)


def _nearest_free(booker, treatment, areas, moving, around, practitioner=None, count: int = 6) -> list[dict]:
    """The free times nearest to ``around`` (same day first, then the next days), for the
    "just taken" page."""
    local_day = timezone.localtime(around).date()
    first = max(local_day - timedelta(days=3), clinic_today())
    days = availability_days(
        treatment=treatment,
        areas=areas,
        client=booker.client,
        first_day=first,
        last_day=local_day + timedelta(days=14),
        online=booker.online,
        practitioner=practitioner,
        exclude_appointment_id=moving.pk if moving else None,
        location_id=booker.location.pk,
    )
    choices = []
    for info in days:
        if info.slots:
            choices.extend(_slot_choices(booker, treatment, areas, moving, info))
    choices.sort(key=lambda c: abs((c["slot"].starts_at - around).total_seconds()))
    return sorted(choices[:count], key=lambda c: c["slot"].starts_at)


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


@booking_step
def book_confirm(request, slug, client_id=None):
    """Confirm a time and book it (or move the session being moved). A GET shows the time with
    what the engine says about its day; a POST calls one service, whose refusal goes onto the
    form (the late-booking reason) or above it (the time itself) through ``error_show``."""
    booker, treatment, moving, areas, _ = _flow_context(request, client_id, slug)
    form = SlotForm(request.POST if request.method == "POST" else request.GET, treatment=treatment)
    if not form.is_valid() or not areas:
        problem = form.choice_problem() or "That time could not be read."
        messages.error(request, f"{problem} Please pick a time again.")
        return redirect(f"{booker.url('calendar', slug=treatment.slug)}?{_flow_query(areas)}")
    chosen = dict(form.cleaned_data)  # kept: an error put on a field takes it out of cleaned_data
    if request.method == "POST":
        try:
            appointment = _book_or_move(booker, treatment, areas, moving, chosen)
        except ValidationError as exc:
            error_show(form, exc)
        else:
            messages.success(request, _done_message(booker, moving, appointment))
            return redirect(_done_url(booker, appointment))
    # A double submit, or the back button after booking: show the booking, not an error.
    same = _existing_same(booker, treatment, chosen["starts_at"])
    if same is not None and (moving is None or same.pk == moving.pk):
        messages.info(request, "This session is already booked: here it is.")
        return redirect(_done_url(booker, same))
    return _confirm_page(request, booker, treatment, areas, moving, form, chosen)


def _done_message(booker, moving, appointment) -> str:
    if moving:
        return f"Moved to {datetime_label(timezone.localtime(appointment.starts_at), 'day')}."
    # The desk books for someone else: the confirmation goes to the client, not to them.
    to = "you" if booker.online else (booker.client.get_full_name() or booker.client.email)
    return f"Booked. A confirmation is on its way to {to}."


def _refusal(form) -> str:
    """What the service said about the time itself (not about the reason field), in words."""
    return " ".join([*form.errors.get("starts_at", []), *form.non_field_errors()])


def _confirm_page(request, booker, treatment, areas, moving, form, chosen: dict):
    starts_at = chosen["starts_at"]
    local_day = timezone.localtime(starts_at).date()
    (day_info,) = availability_days(
        treatment=treatment,
        areas=areas,
        client=booker.client,
        first_day=local_day,
        last_day=local_day,
        online=booker.online,
        exclude_appointment_id=moving.pk if moving else None,
        location_id=booker.location.pk,
    )
    error = _refusal(form)
    still_free = not error and any(slot.starts_at == starts_at for slot in day_info.slots)
    timing = session_timing(
        treatment=treatment, areas=areas, area_minutes=treatment_catalogue(treatment=treatment).area_minutes
    )
    arrival, needling_starts, needling_ends, _ = timing.instants(starts_at)
    month = f"{timezone.localtime(starts_at):%Y-%m}"
    context = {
        "booker": booker,
        "treatment": treatment,
        "areas": areas,
        "area_labels": area_labels(areas),
        "moving": moving,
        "form": form,
        "practitioner": chosen["practitioner"],
        "room": chosen["room"],
        "arrival": arrival,
        "needling_starts": needling_starts,
        "needling_ends": needling_ends,
        "day_info": day_info,
        "still_free": still_free,
        "error": error,
        "session_number": course_session_number(course_id=day_info.course_id, before=starts_at),
        "place": clinic_at(booker.location),
        "calendar_url": f"{booker.url('calendar', slug=treatment.slug)}?"
        f"{_flow_query(areas, moving=moving.pk if moving else None, month=month)}",
    }
    if not still_free:
        context["nearest"] = _nearest_free(booker, treatment, areas, moving, starts_at)
        # Taken by someone else, or never bookable (a rule of the day: spacing, clearance...)?
        why = error or (day_info.message if not day_info.slots else "")
        context["why"] = why
        context["taken"] = not why or "taken" in why
    return render(request, "bookings/book_confirm.html", context, status=409 if error else 200)


def _book_or_move(booker, treatment, areas, moving, data) -> Appointment:
    reason = data.get("late_booking_reason", "") if not booker.online else ""
    if moving is not None:
        return services.appointment_reschedule(
            appointment=moving,
            starts_at=data["starts_at"],
            changed_by=booker.by,
            practitioner=data["practitioner"],
            room=data["room"],
            late_booking_reason=reason,
        )
    return services.appointment_book(
        client=booker.client,
        treatment=treatment,
        areas=areas,
        starts_at=data["starts_at"],
        booked_by=booker.by,
        practitioner=data["practitioner"],
        room=data["room"],
        late_booking_reason=reason,
    )
