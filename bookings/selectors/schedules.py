"""Reads for the schedules: the desk's day and a practitioner's week, in a fixed number of queries
whatever the number of appointments."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Q

from clinic.locations import location_tz
from clinic.models import ClinicProfile
from clinic.setup_cache import setup_cached
from consultations.selectors import ClearanceCheck, clearance_statuses, health_update_statuses

from ..availability import (
    local_instant,
)
from ..models import Appointment, Practitioner, Room, TimeOff, WorkingHours, overlapping

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
    rows = (
        Appointment.objects.filter(overlapping(start, end))
        .select_related("client", "treatment", "practitioner__user", "room", "course")
        .order_by("starts_at", "pk")
    )
    if practitioner_id is not None:
        rows = rows.filter(practitioner_id=practitioner_id)
    if location_id is not None:
        rows = rows.filter(room__location_id=location_id)
    return list(rows)


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
    closures = TimeOff.objects.filter(starts_at__lt=end, ends_at__gt=start).select_related("practitioner__user", "room")
    if location_id is not None:
        working_here = {pk for by_day in hours.values() for pk, _, _, at in by_day if at == location_id}
        practitioners = [p for p in practitioners if p.pk in working_here]
        rooms = [room for room in rooms if room.location_id == location_id]
        closures = closures.exclude(Q(location__isnull=False) & ~Q(location_id=location_id))
    closures = list(closures)
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


def practitioner_week_schedule(*, practitioner: Practitioner, week_start: date) -> WeekSchedule:
    """One practitioner's week (seven days from ``week_start``): working blocks and appointments
    with badges, in a fixed number of queries."""
    tz = ClinicProfile.get().tz
    start = local_instant(week_start, time(0), tz)
    end = local_instant(week_start + timedelta(days=7), time(0), tz)
    hours = list(
        WorkingHours.objects.filter(practitioner=practitioner).values_list("weekday", "start_time", "end_time")
    )
    appointments = _appointments_between(start, end, practitioner_id=practitioner.pk)
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
