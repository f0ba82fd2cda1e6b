"""Reads for the schedules: the desk's day and a practitioner's week, in a fixed number of queries
whatever the number of appointments."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Q

from clinic.compiled_queries import compiled_list
from clinic.locations import location_tz
from clinic.models import ClinicProfile
from clinic.setup_cache import setup_cached
from consultations.selectors import ClearanceCheck, clearance_statuses, health_update_statuses

from ..availability import (
    local_instant,
)
from ..models import LONGEST_SESSION, Appointment, Practitioner, Room, TimeOff, WorkingHours

ACTIVE = Appointment.ACTIVE_STATUSES


@dataclass
class ScheduledAppointment:
    appointment: Appointment
    clearance: ClearanceCheck | None
    health_update: object | None  # consultations.selectors.HealthUpdateStatus


@dataclass
class PractitionerDay:
    practitioner: Practitioner
    blocks: list[tuple[datetime, datetime]]  # working blocks as aware instants
    appointments: list[ScheduledAppointment] = field(default_factory=list)


@dataclass
class DaySchedule:
    day: date
    tz: object
    practitioners: list[PractitionerDay]
    rooms: list[Room]
    appointments: list[ScheduledAppointment]
    closures: list[TimeOff]

    def for_room(self, room: Room) -> list[ScheduledAppointment]:
        return [item for item in self.appointments if item.appointment.room_id == room.pk]


def _scheduled(appointments: list[Appointment], on: date) -> list[ScheduledAppointment]:
    """Attach clearance and health-update badges with consultations' bulk selectors: a fixed
    number of queries per treatment, none per appointment."""
    clearances: dict[tuple[str, int], ClearanceCheck] = {}
    by_slug: dict[str, set[int]] = defaultdict(set)
    for appointment in appointments:
        if appointment.treatment.needs_clearance:
            by_slug[appointment.treatment.slug].add(appointment.client_id)
    for slug, client_ids in by_slug.items():
        for client_id, check in clearance_statuses(client_ids=client_ids, treatment_slug=slug, on=on).items():
            clearances[(slug, client_id)] = check
    health = health_update_statuses(
        appointments=[(a.client_id, a.pk, a.starts_at) for a in appointments if a.status in ACTIVE]
    )
    return [
        ScheduledAppointment(
            appointment=a,
            clearance=clearances.get((a.treatment.slug, a.client_id)),
            health_update=health.get(a.pk),
        )
        for a in appointments
    ]


def _appointments_between(start: datetime, end: datetime, *, practitioner_id=None, location_id=None):
    # Compiled once per shape (``clinic.compiled_queries``): with its five joins, compiling this
    # read cost three times running it on a day's rows.
    return compiled_list(
        _appointments_query,
        range_start=start,
        range_end=end,
        earliest_start=start - LONGEST_SESSION,
        practitioner_id=practitioner_id,
        location_id=location_id,
    )


def _appointments_query(*, range_start, range_end, earliest_start, practitioner_id, location_id):
    # ``overlapping(range_start, range_end)`` with its lower bound on ``starts_at`` passed in, so
    # that it is a value of the call (see ``busy``).
    rows = (
        Appointment.objects.filter(starts_at__lt=range_end, starts_at__gt=earliest_start, ends_at__gt=range_start)
        .select_related("client", "treatment", "practitioner__user", "room", "course")
        .order_by("starts_at", "pk")
    )
    if practitioner_id is not None:
        rows = rows.filter(practitioner_id=practitioner_id)
    if location_id is not None:
        rows = rows.filter(room__location_id=location_id)
    return rows


def _time_off_query(*, range_start, range_end, location_id):
    rows = TimeOff.objects.filter(starts_at__lt=range_end, ends_at__gt=range_start)
    if location_id is not None:  # another location's closure does not close this one
        rows = rows.exclude(Q(location__isnull=False) & ~Q(location_id=location_id))
    return rows.select_related("practitioner__user", "room")


def practitioners_giving(practitioner_ids) -> list[Practitioner]:
    """The active practitioners among ``practitioner_ids`` (a treatment's, from its catalogue),
    by name, with their users: from the set-up cache, no query."""
    return [p for p in setup_cached("bookings:schedule_setup", _schedule_setup)[0] if p.pk in practitioner_ids]


def practitioners_at(location_id: int) -> list[Practitioner]:
    """The active practitioners with working hours at a location (from the set-up cache)."""
    practitioners, hours, _ = setup_cached("bookings:schedule_setup", _schedule_setup)
    here = {pk for by_day in hours.values() for pk, _, _, at in by_day if at == location_id}
    return [p for p in practitioners if p.pk in here]


def _schedule_setup() -> tuple[list[Practitioner], dict[int, list], list[Room]]:
    """The active practitioners (with their users), their working hours by weekday and the
    active rooms: set-up, read once per process and set-up change (``clinic.setup_cache``)."""
    practitioners = list(Practitioner.objects.filter(is_active=True).select_related("user"))
    hours: dict[int, list] = defaultdict(list)
    for weekday, practitioner_pk, start_time, end_time, location_pk in WorkingHours.objects.filter(
        practitioner__is_active=True
    ).values_list("weekday", "practitioner_id", "start_time", "end_time", "location_id"):
        hours[weekday].append((practitioner_pk, start_time, end_time, location_pk))
    return practitioners, dict(hours), list(Room.objects.filter(is_active=True))


def day_schedule(*, day: date, include_cancelled: bool = True, location_id: int | None = None) -> DaySchedule:
    """The day across all practitioners and rooms (of one location, when given, in its time zone:
    the practitioners who work there, its rooms, the sessions in its rooms): working blocks,
    appointments with client, treatment, clearance and health-update badges. Fixed queries (about
    nine) whatever the number of appointments."""
    tz = location_tz(location_id) if location_id is not None else ClinicProfile.get().tz
    start, end = local_instant(day, time(0), tz), local_instant(day + timedelta(days=1), time(0), tz)
    practitioners, hours, rooms = setup_cached("bookings:schedule_setup", _schedule_setup)
    blocks: dict[int, list] = defaultdict(list)
    for practitioner_pk, start_time, end_time, at in hours.get(day.weekday(), ()):
        if location_id is None or at == location_id:
            blocks[practitioner_pk].append((local_instant(day, start_time, tz), local_instant(day, end_time, tz)))
    appointments = _appointments_between(start, end, location_id=location_id)
    if not include_cancelled:
        appointments = [a for a in appointments if a.status in ACTIVE]
    closures = compiled_list(_time_off_query, range_start=start, range_end=end, location_id=location_id)
    if location_id is not None:
        working_here = {pk for by_day in hours.values() for pk, _, _, at in by_day if at == location_id}
        practitioners = [p for p in practitioners if p.pk in working_here]
        rooms = [room for room in rooms if room.location_id == location_id]
    scheduled = _scheduled(appointments, day)
    columns = []
    for practitioner in practitioners:
        columns.append(
            PractitionerDay(
                practitioner=practitioner,
                blocks=sorted(blocks.get(practitioner.pk, [])),
                appointments=[s for s in scheduled if s.appointment.practitioner_id == practitioner.pk],
            )
        )
    return DaySchedule(day=day, tz=tz, practitioners=columns, rooms=rooms, appointments=scheduled, closures=closures)


@dataclass
class WeekSchedule:
    practitioner: Practitioner
    week_start: date
    tz: object
    days: list[PractitionerDay]  # seven, Monday first


def practitioner_week_schedule(
    *, practitioner: Practitioner, week_start: date, location_id: int | None = None
) -> WeekSchedule:
    """One practitioner's week (seven days from ``week_start``): working blocks and appointments
    with badges, in a fixed number of queries. With ``location_id``, only their hours and sessions
    at that location, in its time zone."""
    tz = location_tz(location_id) if location_id is not None else ClinicProfile.get().tz
    start = local_instant(week_start, time(0), tz)
    end = local_instant(week_start + timedelta(days=7), time(0), tz)
    hours = WorkingHours.objects.filter(practitioner=practitioner)
    if location_id is not None:
        hours = hours.filter(location_id=location_id)
    hours = list(hours.values_list("weekday", "start_time", "end_time"))
    appointments = _appointments_between(start, end, practitioner_id=practitioner.pk, location_id=location_id)
    scheduled = _scheduled(appointments, week_start)
    days = []
    for offset in range(7):
        day = week_start + timedelta(days=offset)
        days.append(
            PractitionerDay(
                practitioner=practitioner,
                blocks=sorted(
                    (local_instant(day, s, tz), local_instant(day, e, tz)) for w, s, e in hours if w == day.weekday()
                ),
                appointments=[s for s in scheduled if s.appointment.starts_at.astimezone(tz).date() == day],
            )
        )
    return WeekSchedule(practitioner=practitioner, week_start=week_start, tz=tz, days=days)
