"""Reads for the availability engine: what it needs (``availability_inputs``, a fixed number of
queries whatever the days, practitioners or appointments) and the days it offers (``availability_days``).
What is busy (appointments and time off, read live) is in ``busy``. Tests in ``tests/test_selectors.py`` hold them to their query budgets."""

from __future__ import annotations

import copy
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import CharField, IntegerField, Value
from django.db.models.functions import Cast
from django.utils import timezone

from clinic.locations import location_tz
from clinic.models import Location, User
from clinic.setup_cache import setup_cached
from consultations.selectors import ClearanceCheck, clearance_check

from ..availability import (
    AvailabilityInputs,
    ClearanceWindow,
    DayAvailability,
    PractitionerDiary,
    RoomDiary,
    SessionTiming,
    SpacingRule,
    find_availability,
    local_instant,
    needling_minutes,
)
from ..models import OpeningHours, Practitioner, Room, Treatment, TreatmentArea, WorkingHours
from .busy import Busy, busy_times
from .schedules import practitioners_giving


def booking_settings() -> dict:
    """Booking limits, read when used (never at import): slot step, online notice, horizon."""
    return {
        "step_minutes": getattr(settings, "BOOKING_SLOT_STEP_MINUTES", 15),
        "online_notice": timedelta(hours=getattr(settings, "BOOKING_ONLINE_NOTICE_HOURS", 24)),
        "online_horizon": timedelta(days=getattr(settings, "BOOKING_ONLINE_HORIZON_DAYS", 90)),
    }


def _day_bounds(first_day: date, last_day: date, tz) -> tuple[datetime, datetime]:
    # A day of margin each side: local days straddle UTC midnight.
    return (
        local_instant(first_day - timedelta(days=1), time(0), tz),
        local_instant(last_day + timedelta(days=2), time(0), tz),
    )


@dataclass(frozen=True)
class Catalogue:
    area_minutes: dict[str, int]
    room_ids: list[int]
    practitioner_ids: frozenset[int] = frozenset()
    room_locations: dict[int, int] = field(default_factory=dict)  # room id -> location id
    location_id: int | None = None  # set: only this location's rooms and working hours


def treatment_catalogue(*, treatment: Treatment, location_id: int | None = None) -> Catalogue:
    """The treatment's area minutes, the rooms equipped for it and the active practitioners who
    give it: one query (a union), read once per process and set-up version (``clinic.setup_cache``:
    a manager's change reaches every process on its next request). With ``location_id``, only the
    rooms at that location (and availability then reads only the working hours there)."""
    everywhere = setup_cached(f"bookings:catalogue:{treatment.pk}", lambda: _catalogue_load(treatment))
    if location_id is None:
        return everywhere
    return replace(
        everywhere,
        room_ids=[pk for pk in everywhere.room_ids if everywhere.room_locations.get(pk) == location_id],
        location_id=location_id,
    )


def active_treatment(slug: str, *, online: bool) -> Treatment | None:
    """The active treatment ``slug`` (only if bookable online, when ``online``) from the set-up
    cache, as a copy of its own: every step of the booking flow reads it, no query."""
    found = setup_cached("bookings:treatments", _treatments_load).get(slug)
    if found is None or (online and not found.bookable_online):
        return None
    return copy.copy(found)


def treatment_practitioners(treatment: Treatment) -> list[Practitioner]:
    """The active practitioners who give ``treatment``, by name, with their users (set-up cache)."""
    return practitioners_giving(treatment_catalogue(treatment=treatment).practitioner_ids)


def treatment_practitioner(treatment: Treatment, pk: int | None) -> Practitioner | None:
    """One of them (None when ``pk`` is None or not one of them)."""
    found = None if pk is None else next((p for p in treatment_practitioners(treatment) if p.pk == pk), None)
    return copy.copy(found)  # the cached one is shared by the process


def _treatments_load() -> dict[str, Treatment]:
    return {treatment.slug: treatment for treatment in Treatment.objects.filter(is_active=True)}


def _catalogue_load(treatment: Treatment) -> Catalogue:
    areas = (
        TreatmentArea.objects.filter(treatment=treatment)
        .annotate(kind=Value("area"), number=Value(0, output_field=IntegerField()))
        .values_list("kind", "area", "needling_minutes")
    )
    rooms = (
        Room.objects.filter(treatments=treatment, is_active=True)
        .annotate(kind=Value("room"), code=Cast("location_id", CharField()))
        .values_list("kind", "code", "pk")
    )
    practitioners = (
        Practitioner.objects.filter(treatments=treatment, is_active=True)
        .annotate(kind=Value("practitioner"), code=Value(""))
        .values_list("kind", "code", "pk")
    )
    area_minutes: dict[str, int] = {}
    ids: dict[str, list[int]] = {"room": [], "practitioner": []}
    room_locations: dict[int, int] = {}
    # Union parts carry no ORDER BY (SQLite refuses it in compound statements).
    for kind, code, number in areas.order_by().union(rooms.order_by(), practitioners.order_by(), all=True):
        if kind == "area":
            area_minutes[code] = number
        else:
            ids[kind].append(number)
            if kind == "room":
                room_locations[number] = int(code)
    return Catalogue(
        area_minutes=area_minutes,
        room_ids=sorted(ids["room"]),
        practitioner_ids=frozenset(ids["practitioner"]),
        room_locations=room_locations,
    )


def session_timing(*, treatment: Treatment, areas, area_minutes: dict[str, int]) -> SessionTiming:
    return SessionTiming(
        numbing=timedelta(minutes=treatment.numbing_minutes),
        needling=timedelta(minutes=needling_minutes(area_minutes, areas, treatment.max_needling_minutes)),
        turnover=timedelta(minutes=treatment.turnover_minutes),
    )


def clearance_window(check: ClearanceCheck) -> ClearanceWindow:
    """The engine's view of consultations' answer for the first day asked about."""
    if check.ok:
        return ClearanceWindow(
            ok=True,
            code=check.code,
            message=check.message,
            valid_until=check.valid_until,
            planned_sessions=check.planned_sessions,
        )
    if check.code == "pending" and check.available_from and check.clearance_id:
        # An approved clearance that starts later: bookable from then.
        return ClearanceWindow(
            ok=True,
            code=check.code,
            message=check.message,
            valid_from=check.available_from,
            valid_until=check.valid_until,
            planned_sessions=check.planned_sessions,
        )
    return ClearanceWindow(ok=False, code=check.code, message=check.message)


def availability_inputs(
    *,
    treatment: Treatment,
    areas,
    client: User | None,
    first_day: date,
    last_day: date,
    online: bool,
    practitioner_id: int | None = None,
    exclude_appointment_id: int | None = None,
    now: datetime | None = None,
    tz=None,
    catalogue: Catalogue | None = None,
) -> AvailabilityInputs:
    """Load what ``find_availability`` needs for these days: the clinic's zone, the catalogue, the
    working hours, everything busy (appointments holding time and time off, one union query),
    and the client's clearance. Six queries at most, whatever the days or practitioners."""
    now = now or timezone.now()
    catalogue = catalogue or treatment_catalogue(treatment=treatment)
    tz = tz or location_tz(catalogue.location_id)
    areas = frozenset(areas)
    limits = booking_settings()
    range_start, range_end = _day_bounds(first_day, last_day, tz)

    hours = treatment_working_hours(treatment=treatment, location_id=catalogue.location_id)
    if catalogue.location_id is not None:
        hours = within_opening_hours(hours, location_opening_hours(catalogue.location_id))
    if practitioner_id is not None:
        hours = {pk: by_day for pk, by_day in hours.items() if pk == practitioner_id}

    busy = busy_times(
        treatment=treatment, client=client, range_start=range_start, range_end=range_end,
        exclude_appointment_id=exclude_appointment_id, tz=tz, location_id=catalogue.location_id,
        room_ids=catalogue.room_ids if catalogue.location_id is not None else None,
        practitioner_ids=sorted(hours) if catalogue.location_id is not None else None,
    )  # fmt: skip
    return inputs_assemble(
        treatment=treatment, areas=areas, catalogue=catalogue, tz=tz, now=now, hours=hours, busy=busy, online=online,
        clearance=_clearance(treatment=treatment, client=client, areas=areas, on=first_day), limits=limits,
    )  # fmt: skip


def inputs_assemble(
    *, treatment, areas: frozenset, catalogue: Catalogue, tz, now, hours, busy: Busy, clearance, online: bool, limits
) -> AvailabilityInputs:
    """The engine's inputs from what was read: here, and in an import's batch booking (``services.appointment_batch``)."""
    return AvailabilityInputs(
        tz=tz,
        now=now,
        timing=session_timing(treatment=treatment, areas=areas, area_minutes=catalogue.area_minutes),
        areas=areas,
        practitioners=_practitioner_diaries(hours, busy),
        rooms=tuple(RoomDiary(room_id=pk, busy=tuple(busy.rooms.get(pk, ()))) for pk in catalogue.room_ids),
        client_busy=tuple(busy.client),
        closures=tuple(busy.closures),
        sessions=tuple(busy.sessions),
        spacing=SpacingRule(min_days=treatment.spacing_min_days, max_days=treatment.spacing_max_days),
        clearance=clearance,
        online=online,
        notice=limits["online_notice"] if online else timedelta(0),
        horizon=limits["online_horizon"] if online else None,
        step_minutes=limits["step_minutes"],
    )


def booking_location_id(location_id: int | None = None, *, room: Room | None = None) -> int:
    """The location a booking is at: the one asked for, else the room's, else the default one."""
    if location_id is not None:
        return location_id
    if room is not None:
        return room.location_id
    return Location.default().pk


def _practitioner_diaries(hours: dict[int, dict[int, list]], busy: Busy) -> tuple[PractitionerDiary, ...]:
    return tuple(
        PractitionerDiary(
            practitioner_id=pk,
            hours={day: tuple(sorted(blocks)) for day, blocks in by_day.items()},
            busy=tuple(busy.practitioners.get(pk, ())),
        )
        for pk, by_day in hours.items()
    )


def treatment_working_hours(*, treatment: Treatment, location_id: int | None = None) -> dict[int, dict[int, list]]:
    """practitioner id -> weekday -> [(start, end), ...] for the active practitioners who give
    ``treatment`` (at ``location_id`` only, when given), in the order the engine tries them (by
    name). Set-up data, cached per process like the catalogue; appointments and time off are never
    cached."""
    by_location = setup_cached(f"bookings:hours:{treatment.pk}", lambda: _working_hours_load(treatment))
    return by_location.get(location_id, {})


def location_opening_hours(location_id: int) -> dict[int, tuple[time, time]] | None:
    """weekday -> (opens, closes) at a location, local times (set-up cache); ``None`` when it has
    no opening hours set (it is then held to none)."""
    return setup_cached("bookings:opening_hours", _opening_hours_load).get(location_id)


def _opening_hours_load() -> dict[int, dict[int, tuple[time, time]]]:
    spans: dict[int, dict[int, tuple[time, time]]] = {}
    for location_pk, weekday, opens, closes in OpeningHours.objects.values_list(
        "location_id", "weekday", "opens", "closes"
    ):
        spans.setdefault(location_pk, {})[weekday] = (opens, closes)
    return spans


def within_opening_hours(hours: dict[int, dict[int, list]], opening: dict[int, tuple] | None) -> dict:
    """Working hours cut to the location's opening hours (a closed weekday has none left)."""
    if opening is None:
        return hours
    clipped: dict[int, dict[int, list]] = {}
    for pk, by_day in hours.items():
        days: dict[int, list] = {}
        for weekday, blocks in by_day.items():
            span = opening.get(weekday)
            kept = [(max(s, span[0]), min(e, span[1])) for s, e in blocks if span and s < span[1] and e > span[0]]
            if kept:
                days[weekday] = kept
        clipped[pk] = days
    return clipped


def _working_hours_load(treatment: Treatment) -> dict[int | None, dict[int, dict[int, list]]]:
    """location id (None: every location) -> practitioner id -> weekday -> blocks."""
    rows = WorkingHours.objects.filter(practitioner__treatments=treatment, practitioner__is_active=True).order_by(
        "practitioner__user__first_name", "practitioner__user__last_name", "practitioner_id", "weekday", "start_time"
    )
    hours: dict[int | None, dict[int, dict[int, list]]] = {None: {}}
    for practitioner_pk, location_pk, weekday, start, end in rows.values_list(
        "practitioner_id", "location_id", "weekday", "start_time", "end_time"
    ):
        for key in (None, location_pk):
            hours.setdefault(key, {}).setdefault(practitioner_pk, defaultdict(list))[weekday].append((start, end))
    return hours


def _clearance(*, treatment: Treatment, client: User | None, areas, on: date) -> ClearanceWindow | None:
    """The engine's view of the client's clearance (None: the treatment needs none)."""
    if not treatment.needs_clearance:
        return None
    if client is None:
        return ClearanceWindow(ok=False, code="no_intake", message="Choose a client first.")
    return clearance_window(clearance_check(client=client, treatment_slug=treatment.slug, areas=areas, on=on))


def availability_days(
    *,
    treatment: Treatment,
    areas,
    client: User | None,
    first_day: date,
    last_day: date,
    online: bool,
    practitioner: Practitioner | None = None,
    exclude_appointment_id: int | None = None,
    location_id: int | None = None,
) -> list[DayAvailability]:
    """Bookable start times from ``first_day`` to ``last_day`` (local dates at the location), each
    with a practitioner working there and a room there, and for each empty day the reason. Six
    queries at most. Without ``location_id``, the default location."""
    practitioner_id = practitioner.pk if practitioner is not None else None
    inputs = availability_inputs(
        catalogue=treatment_catalogue(treatment=treatment, location_id=booking_location_id(location_id)),
        treatment=treatment,
        areas=areas,
        client=client,
        first_day=first_day,
        last_day=last_day,
        online=online,
        practitioner_id=practitioner_id,
        exclude_appointment_id=exclude_appointment_id,
    )
    return find_availability(inputs, first_day, last_day, practitioner_id=practitioner_id)


# --- Schedules ---------------------------------------------------------------------------------
