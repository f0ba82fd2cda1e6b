"""The front desk: the day (by practitioner or by room), a practitioner's week, the printable
day sheet, finding or creating a client, and one appointment with its actions (the waitlist is ``desk_waitlist``)."""

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic import roles
from clinic.clock import clinic_today
from clinic.dates import date_label
from clinic.errors import error_show
from consultations.areas import area_labels
from consultations.selectors import clearance_check, health_update_status
from consultations.services import health_update_submit

from .. import tablet
from ..course_panels import course_panels
from ..desk_panels import desk_panels
from ..forms import ClientCreateForm, ClientSearchForm, HealthUpdateAtDeskForm, StaffCancelForm
from ..models import Appointment, Practitioner
from ..schedule_grid import Column, grid_for
from ..selectors import desk as desk_selectors
from ..selectors import schedules
from ..services import appointment_status
from ..services import appointments as services
from ..services.clients import client_create_by_staff
from .client import _ics_response
from .common import needs, parse_day, parse_int, safe_next
from .desk_badges import CLEARANCE_BADGES, HEALTH_BADGES, badges
from .flow_location import desk_location


def _appointment_box(grid, item, *, view: str) -> dict:
    a = item.appointment
    box = {
        "appointment": a,
        "badges": badges(item),
        "url": reverse("desk_appointment", kwargs={"appointment_id": a.pk}),
        "status": a.status,
    }
    if view == "rooms":
        box.update(grid.box(a.starts_at, a.ends_at))
        whole = (a.ends_at - a.starts_at).total_seconds() or 1
        box["numbing_pct"] = round((a.needling_starts_at - a.starts_at).total_seconds() * 100 / whole, 1)
        box["needling_pct"] = round((a.needling_ends_at - a.needling_starts_at).total_seconds() * 100 / whole, 1)
        box["turnover_pct"] = round(100 - box["numbing_pct"] - box["needling_pct"], 1)
    else:
        box.update(grid.box(a.needling_starts_at, a.needling_ends_at))
        box["numbing"] = grid.box(a.starts_at, a.needling_starts_at)
    # The box's words, written here once rather than through a dozen template lookups and time
    # filters per box (times in the active zone, as ``|time:"H:i"`` showed them).
    hh_mm = {name: f"{timezone.localtime(getattr(a, name)):%H:%M}" for name in _BOX_TIMES}
    box["name"] = a.client.get_full_name() or a.client.email
    box["numbing_title"] = f"Numbing in {a.room.name} from {hh_mm['starts_at']}"
    if box.get("numbing_pct"):
        box["when"] = f"{hh_mm['starts_at']}–{hh_mm['ends_at']} · {a.practitioner.user.get_short_name()}"
    else:
        box["when"] = (
            f"{hh_mm['needling_starts_at']}–{hh_mm['needling_ends_at']} · arrives {hh_mm['starts_at']}, {a.room.name}"
        )
    box["what"] = f"{a.area_labels} · {a.get_status_display()}"
    return box


_BOX_TIMES = ("starts_at", "ends_at", "needling_starts_at", "needling_ends_at")


def _day_columns(schedule, grid, by_rooms: bool) -> list[Column]:
    active = [item for item in schedule.appointments if item.appointment.status != Appointment.Status.CANCELLED]
    if by_rooms:
        columns = []
        for room in schedule.rooms:
            column = Column(key=f"room-{room.pk}", title=room.name)
            column.items = [_appointment_box(grid, i, view="rooms") for i in active if i.appointment.room_id == room.pk]
            column.off = [grid.box(t.starts_at, t.ends_at) for t in schedule.closures if t.room_id == room.pk]
            column.working = [grid.box(grid.opens, grid.closes)]
            columns.append(column)
        return columns
    columns = []
    for day in schedule.practitioners:
        column = Column(key=f"practitioner-{day.practitioner.pk}", title=day.practitioner.user.get_full_name())
        column.working = [grid.box(start, end) for start, end in day.blocks]
        column.subtitle = "" if day.blocks else "Not working"
        column.off = [
            grid.box(t.starts_at, t.ends_at) for t in schedule.closures if t.practitioner_id == day.practitioner.pk
        ]
        column.items = [
            _appointment_box(grid, i, view="practitioners")
            for i in day.appointments
            if i.appointment.status != Appointment.Status.CANCELLED
        ]
        columns.append(column)
    return columns


@needs(roles.Capability.VIEW_SCHEDULE)
def desk_day(request):
    today = clinic_today()
    day = parse_day(request.GET.get("day"), today)
    by_rooms = request.GET.get("by") == "rooms"
    place = desk_location(request)
    schedule = schedules.day_schedule(day=day, location_id=place["location"].pk if place["several"] else None)
    instants = [b for p in schedule.practitioners for block in p.blocks for b in block]
    instants += [i.appointment.starts_at for i in schedule.appointments] + [
        i.appointment.ends_at for i in schedule.appointments
    ]
    grid = grid_for(day, schedule.tz, instants)
    clinic_closed = [t for t in schedule.closures if t.practitioner_id is None and t.room_id is None]
    cancelled = [i for i in schedule.appointments if i.appointment.status == Appointment.Status.CANCELLED]
    columns = _day_columns(schedule, grid, by_rooms)
    arrivals = tablet.tablet_arrivals(day=day, tz=schedule.tz) if day == today else {}
    for box in (box for column in columns for box in column.items if box["appointment"].pk in arrivals):
        arrived = timezone.localtime(arrivals[box["appointment"].pk], schedule.tz)
        box["badges"] = [*box["badges"], (f"Arrived on the tablet {arrived:%H:%M}", "ok")]
    counts = {}
    for item in schedule.appointments:
        counts[item.appointment.status] = counts.get(item.appointment.status, 0) + 1
    return render(
        request,
        "bookings/desk_day.html",
        {
            "day": day,
            "today": today,
            "now": timezone.now(),
            "by_rooms": by_rooms,
            "place": place,
            "grid": grid,
            "columns": columns,
            "clinic_closed": clinic_closed,
            "cancelled": cancelled,
            "counts": counts,
            "total": sum(v for k, v in counts.items() if k != Appointment.Status.CANCELLED),
            "prev_day": day - timedelta(days=1),
            "next_day": day + timedelta(days=1),
            "practitioners": [p.practitioner for p in schedule.practitioners],
        },
    )


@needs(roles.Capability.VIEW_SCHEDULE)
def desk_day_sheet(request):
    day = parse_day(request.GET.get("day"), clinic_today())
    schedule = schedules.day_schedule(day=day, include_cancelled=False)
    return render(
        request,
        "bookings/desk_day_sheet.html",
        {
            "day": day,
            "columns": [
                {
                    "practitioner": p.practitioner,
                    "blocks": p.blocks,
                    "items": [{"item": i, "badges": badges(i)} for i in p.appointments],
                }
                for p in schedule.practitioners
                if p.appointments or p.blocks
            ],
        },
    )


def _week_view(request, practitioner, template: str, extra: dict, location_id: int | None = None):
    today = clinic_today()
    anchor = parse_day(request.GET.get("week"), today)
    week_start = anchor - timedelta(days=anchor.weekday())
    week = schedules.practitioner_week_schedule(
        practitioner=practitioner, week_start=week_start, location_id=location_id
    )
    # One height for the whole week: from the earliest to the latest local time of any day.
    local_times = []
    for day in week.days:
        moments = [b for block in day.blocks for b in block]
        moments += [i.appointment.starts_at for i in day.appointments] + [
            i.appointment.ends_at for i in day.appointments
        ]
        local_times += [timezone.localtime(moment, week.tz).time() for moment in moments]
    first, last = min(local_times + [time(9)]), max(local_times + [time(18)])
    columns, grids = [], []
    for offset, day in enumerate(week.days):
        the_day = week_start + timedelta(days=offset)
        grid = grid_for(
            the_day,
            week.tz,
            [datetime.combine(the_day, first, tzinfo=week.tz), datetime.combine(the_day, last, tzinfo=week.tz)],
        )
        column = Column(key=f"day-{the_day}", title=date_label(the_day, "short"))
        column.working = [grid.box(s, e) for s, e in day.blocks]
        column.subtitle = "" if day.blocks else "Not working"
        column.items = [
            _appointment_box(grid, i, view="practitioners")
            for i in day.appointments
            if i.appointment.status != Appointment.Status.CANCELLED
        ]
        column.is_today = the_day == today
        columns.append(column)
        grids.append(grid)
    context = {
        "practitioner": practitioner,
        "week_start": week_start,
        "week_end": week_start + timedelta(days=6),
        "columns": columns,
        "grid": grids[0],
        "prev_week": week_start - timedelta(days=7),
        "next_week": week_start + timedelta(days=7),
        "today": today,
        **extra,
    }
    return render(request, template, context)


@needs(roles.Capability.VIEW_SCHEDULE)
def desk_week(request):
    # With several locations: the practitioners working at the one shown (front desk: theirs),
    # and only their hours and sessions there.
    place = desk_location(request)
    location_id = place["location"].pk if place["several"] else None
    if location_id is not None:
        practitioners = schedules.practitioners_at(location_id)
    else:
        practitioners = list(Practitioner.objects.filter(is_active=True).select_related("user"))
    if not practitioners:
        return render(request, "bookings/desk_week.html", {"practitioners": [], "columns": [], "place": place})
    chosen = parse_int(request.GET.get("practitioner"))
    practitioner = next((p for p in practitioners if p.pk == chosen), practitioners[0])
    return _week_view(
        request,
        practitioner,
        "bookings/desk_week.html",
        {"practitioners": practitioners, "place": place},
        location_id=location_id,
    )


@needs(roles.Capability.BOOK_FOR_CLIENT)
def desk_clients(request):
    form = ClientSearchForm(request.GET or None)
    results = None
    if form.is_valid() and form.cleaned_data["q"].strip():
        results = desk_selectors.client_search(query=form.cleaned_data["q"])
    create = ClientCreateForm(request.POST or None)
    if request.method == "POST" and create.is_valid():
        try:
            client = client_create_by_staff(created_by=request.user, request=request, **create.cleaned_data)
        except ValidationError as exc:
            error_show(create, exc)
        else:
            messages.success(request, f"{client.get_full_name()} is now a client.")
            return redirect("desk_client", client_id=client.pk)
    return render(request, "bookings/desk_clients.html", {"form": form, "results": results, "create": create})


@needs(roles.Capability.BOOK_FOR_CLIENT)
def desk_client(request, client_id):
    client = desk_selectors.desk_client(client_id=client_id)
    today = clinic_today()
    check = clearance_check(client=client, areas=(), on=today)
    appointments = desk_selectors.client_appointments_for_desk(client=client)
    panels = course_panels(viewer=request.user, client=client, course_ids=[a.course_id for a in appointments])
    now = timezone.now()
    return render(
        request,
        "bookings/desk_client.html",
        {
            "client": client,
            "check": check,
            "clearance_badge": CLEARANCE_BADGES.get(check.code, (check.code, "info")),
            "cleared_labels": area_labels(check.cleared_areas),
            "upcoming": [a for a in reversed(appointments) if a.starts_at >= now and a.is_active],
            "past": [a for a in appointments if not (a.starts_at >= now and a.is_active)],
            "book_url": reverse("desk_book_start", kwargs={"client_id": client.pk}),
            "course_panels": [panel for course_id in sorted(panels) for panel in panels[course_id]],
            "desk_panels": desk_panels("client", viewer=request.user, client=client, request=request),
        },
    )


def _session_record_url(appointment) -> str | None:
    try:
        return reverse("aftercare_session_record", kwargs={"appointment_id": appointment.pk})
    except NoReverseMatch:
        try:
            return reverse("aftercare:session_record", kwargs={"appointment_id": appointment.pk})
        except NoReverseMatch:
            return None


@needs(roles.Capability.VIEW_SCHEDULE)
def desk_appointment(request, appointment_id):
    appointment = desk_selectors.desk_appointment(appointment_id=appointment_id)
    tz = request.clinic_profile.tz
    day = timezone.localtime(appointment.starts_at, tz).date()
    today = clinic_today()
    health = health_update_status(
        client=appointment.client, appointment_id=appointment.pk, starts_at=appointment.starts_at
    )
    clearance = clearance_check(
        client=appointment.client, treatment_slug=appointment.treatment.slug, areas=appointment.areas, on=day
    )
    status = appointment.status
    can_book = roles.can(request.user, roles.Capability.BOOK_FOR_CLIENT)
    waiting = []
    if status == Appointment.Status.CANCELLED and appointment.starts_at > timezone.now():
        waiting = desk_selectors.waitlist_for_day(
            entries=desk_selectors.open_waitlist(from_day=day, location_id=appointment.room.location_id),
            day=day,
            treatment_id=appointment.treatment_id,
        )
    move_query = "&".join(f"areas={code}" for code in appointment.areas) + f"&moving={appointment.pk}"
    return render(
        request,
        "bookings/desk_appointment.html",
        {
            "appointment": appointment,
            "desk_panels": desk_panels(
                "appointment", viewer=request.user, client=appointment.client, appointment=appointment, request=request
            ),
            "health": health,
            "health_badge": HEALTH_BADGES.get(health.code),
            "clearance": clearance,
            "clearance_badge": CLEARANCE_BADGES.get(clearance.code, (clearance.code, "info")),
            "is_today": day == today,
            "started": appointment.starts_at <= timezone.now(),
            "can_book": can_book,
            "can_record": roles.can(request.user, roles.Capability.RECORD_SESSION),
            # The depth is the practitioner's clinical decision: the front desk sees the status only
            # (as on consultations' clearance page for the desk).
            "max_needle_depth_mm": clearance.max_needle_depth_mm
            if roles.can(request.user, roles.Capability.RECORD_SESSION)
            else None,
            "health_form": HealthUpdateAtDeskForm()
            if status == Appointment.Status.BOOKED and health.code in ("missing", "not_due") and day == today
            else None,
            "cancel_form": StaffCancelForm()
            if status in (Appointment.Status.BOOKED, Appointment.Status.CHECKED_IN)
            else None,
            "move_url": f"{reverse('desk_book_calendar', kwargs={'client_id': appointment.client_id, 'slug': appointment.treatment.slug})}?{move_query}",
            "session_record_url": _session_record_url(appointment),
            "waiting": waiting,
            "tablet_check_in": tablet.tablet_check_in_latest(appointment_id=appointment.pk) if day == today else None,
        },
    )


def _act(request, appointment_id, action, success: str):
    appointment = desk_selectors.desk_appointment(appointment_id=appointment_id)
    try:
        action(appointment)
    except ValidationError as exc:
        error_show(request, exc)
    else:
        messages.success(request, success)
    return redirect(safe_next(request, reverse("desk_appointment", kwargs={"appointment_id": appointment_id})))


@require_POST
@needs(roles.Capability.BOOK_FOR_CLIENT)
def desk_check_in(request, appointment_id):
    return _act(
        request,
        appointment_id,
        lambda a: appointment_status.appointment_check_in(appointment=a, checked_in_by=request.user),
        "Checked in.",
    )


@require_POST
@needs(roles.Capability.BOOK_FOR_CLIENT)
def desk_no_show(request, appointment_id):
    return _act(
        request,
        appointment_id,
        lambda a: appointment_status.appointment_no_show(appointment=a, recorded_by=request.user),
        "Marked as a no-show.",
    )


@require_POST
@needs(roles.Capability.RECORD_SESSION)
def desk_start(request, appointment_id):
    return _act(
        request,
        appointment_id,
        lambda a: appointment_status.appointment_start(appointment=a, started_by=request.user),
        "Session started.",
    )


@require_POST
@needs(roles.Capability.BOOK_FOR_CLIENT)
def desk_cancel(request, appointment_id):
    form = StaffCancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Please give the reason for cancelling.")
        return redirect("desk_appointment", appointment_id=appointment_id)
    reason = form.cleaned_data["reason"]
    party = form.cleaned_data["cancelled_by_party"]
    return _act(
        request,
        appointment_id,
        lambda a: services.appointment_cancel(
            appointment=a,
            cancelled_by=request.user,
            reason=f"{'Client asked' if party == 'client' else 'Clinic'}: {reason}",
            party=party,
            request=request,
        ),
        "Cancelled. The time is free again.",
    )


@require_POST
@needs(roles.Capability.BOOK_FOR_CLIENT)
def desk_health_update(request, appointment_id):
    appointment = desk_selectors.desk_appointment(appointment_id=appointment_id)
    form = HealthUpdateAtDeskForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Please answer whether anything has changed.")
        return redirect("desk_appointment", appointment_id=appointment_id)
    try:
        health_update_submit(
            client=appointment.client,
            appointment_id=appointment.pk,
            session_date=timezone.localtime(appointment.starts_at, request.clinic_profile.tz).date(),
            anything_changed=form.cleaned_data["anything_changed"],
            details=form.cleaned_data["details"],
            submitted_by=request.user,
            request=request,
        )
    except ValidationError as exc:
        error_show(request, exc)
    else:
        if form.cleaned_data["anything_changed"]:
            messages.warning(request, "Noted. A practitioner must review the change before the session.")
        else:
            messages.success(request, "Health update recorded: nothing has changed.")
    return redirect("desk_appointment", appointment_id=appointment_id)


@needs(roles.Capability.VIEW_SCHEDULE)
def desk_appointment_ics(request, appointment_id):
    appointment = desk_selectors.desk_appointment(appointment_id=appointment_id)
    return _ics_response(appointment, request.clinic_profile)
