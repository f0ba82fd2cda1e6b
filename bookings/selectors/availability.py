"""Reads for the availability engine: what it needs (``availability_inputs``, a fixed number of
queries whatever the days, practitioners or appointments) and the days it offers (``availability_days``).
Tests in ``tests/test_selectors.py`` hold them to their query budgets."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import connections
from django.db.models import Case, CharField, F, FloatField, Func, IntegerField, JSONField, Q, Value, When
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
    Session,
    SessionTiming,
    SpacingRule,
    find_availability,
    local_instant,
    needling_minutes,
)
from ..models import Appointment, Practitioner, Room, TimeOff, Treatment, TreatmentArea, WorkingHours, overlapping

ACTIVE = Appointment.ACTIVE_STATUSES


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
    if practitioner_id is not None:
        hours = {pk: by_day for pk, by_day in hours.items() if pk == practitioner_id}

    busy = _busy_times(
        treatment=treatment, client=client, range_start=range_start, range_end=range_end,
        exclude_appointment_id=exclude_appointment_id, tz=tz, location_id=catalogue.location_id,
        room_ids=catalogue.room_ids if catalogue.location_id is not None else None,
        practitioner_ids=sorted(hours) if catalogue.location_id is not None else None,
    )  # fmt: skip
    clearance = _clearance(treatment=treatment, client=client, areas=areas, on=first_day)
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


class BusyRow(NamedTuple):
    """One row of the busy-times union: an appointment holding time, or time off (a practitioner's,
    a room's, or the clinic's closure when neither is set). Instants are epoch seconds (see
    ``EpochSeconds``); areas and the course's planned sessions only on the client's own sessions."""

    kind: str  # "appointment" or "time_off"
    practitioner_id: int | None
    room_id: int | None
    client_id: int | None
    treatment_id: int | None
    course_id: int | None
    course_planned_sessions: int | None
    areas: object  # a JSON list (or its text), or None
    starts_s: float
    needling_starts_s: float
    needling_ends_s: float
    ends_s: float


@dataclass
class Busy:
    """What the busy rows mean for the engine."""

    practitioners: dict[int, list] = field(default_factory=lambda: defaultdict(list))
    rooms: dict[int, list] = field(default_factory=lambda: defaultdict(list))
    client: list = field(default_factory=list)
    closures: list = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)


def _appointment_rows(
    *, treatment, client, range_start, range_end, exclude_appointment_id, room_ids=None, practitioner_ids=None
):
    in_range = overlapping(range_start, range_end)
    if room_ids is not None:
        # One location: its rooms' sessions, its practitioners' (wherever they are) and the
        # client's (a client is in one place at a time). Each arm uses an index of its own.
        parts = [Q(room_id__in=room_ids) & in_range, Q(practitioner_id__in=practitioner_ids or ()) & in_range]
        if client is not None:
            parts.append(Q(client=client) & in_range)
        wanted = parts.pop(0)
        for part in parts:
            wanted |= part
    else:
        wanted = in_range
    if client is not None:
        wanted |= Q(client=client, treatment=treatment)
    appointments = Appointment.objects.filter(wanted, status__in=ACTIVE)
    if exclude_appointment_id is not None:
        appointments = appointments.exclude(pk=exclude_appointment_id)
    # Areas and course matter only for the client's own sessions (spacing): other rows leave
    # them empty, which keeps the JSON decoding off hundreds of rows.
    mine = Q(client=client, treatment=treatment) if client is not None else Q(pk__in=[])
    return appointments.annotate(
        kind=Value("appointment"),
        own_areas=Case(When(mine, then=F("areas")), default=Value(None), output_field=JSONField()),
        own_planned=Case(When(mine, then=F("course__planned_sessions")), default=None, output_field=IntegerField()),
        **{
            f"{name}_s": EpochSeconds(name)
            for name in ("starts_at", "needling_starts_at", "needling_ends_at", "ends_at")
        },
    ).values_list(*_APPOINTMENT_COLUMNS)


_APPOINTMENT_COLUMNS = (
    "kind", "practitioner_id", "room_id", "client_id", "treatment_id", "course_id", "own_planned", "own_areas",
    "starts_at_s", "needling_starts_at_s", "needling_ends_at_s", "ends_at_s",
)  # fmt: skip
# Time off has no needling: its start and end stand in for the needling columns.
_TIME_OFF_COLUMNS = (
    "kind", "practitioner_id", "room_id", "client_pk", "treatment_pk", "course_pk", "planned", "no_areas",
    "starts_s", "starts_s", "ends_s", "ends_s",
)  # fmt: skip


def _time_off_rows(*, range_start, range_end, location_id=None):
    none_int = Value(None, output_field=IntegerField())
    time_off = TimeOff.objects.filter(starts_at__lt=range_end, ends_at__gt=range_start)
    if location_id is not None:
        # A closure of another location does not close this one; a practitioner's time off
        # follows them everywhere.
        time_off = time_off.filter(Q(location__isnull=True) | Q(location_id=location_id))
    return time_off.annotate(
        kind=Value("time_off"),
        client_pk=none_int,
        treatment_pk=none_int,
        course_pk=none_int,
        planned=none_int,
        no_areas=Value(None, output_field=JSONField()),
        starts_s=EpochSeconds("starts_at"),
        ends_s=EpochSeconds("ends_at"),
    ).values_list(*_TIME_OFF_COLUMNS)


def _busy_times(
    *,
    treatment,
    client,
    range_start,
    range_end,
    exclude_appointment_id,
    tz,
    location_id=None,
    room_ids=None,
    practitioner_ids=None,
) -> Busy:
    """One union query: appointments holding time in the range (and all the client's sessions
    of this treatment, for spacing), and time off in the range. With ``room_ids``, only the
    sessions in those rooms, of ``practitioner_ids`` and of the client (one location's)."""
    appointments = _appointment_rows(
        treatment=treatment,
        client=client,
        range_start=range_start,
        range_end=range_end,
        exclude_appointment_id=exclude_appointment_id,
        room_ids=room_ids,
        practitioner_ids=practitioner_ids,
    )
    time_off = _time_off_rows(range_start=range_start, range_end=range_end, location_id=location_id)
    busy = Busy()
    client_pk = client.pk if client is not None else None
    for row in map(BusyRow._make, _raw_rows(appointments.order_by().union(time_off.order_by(), all=True))):
        starts_at, ends_at = _instant(row.starts_s), _instant(row.ends_s)
        if row.kind == "time_off":
            if row.practitioner_id is not None:
                busy.practitioners[row.practitioner_id].append((starts_at, ends_at))
            elif row.room_id is not None:
                busy.rooms[row.room_id].append((starts_at, ends_at))
            else:
                busy.closures.append((starts_at, ends_at))
            continue
        needling_starts_at, needling_ends_at = _instant(row.needling_starts_s), _instant(row.needling_ends_s)
        if starts_at < range_end and ends_at > range_start:
            busy.practitioners[row.practitioner_id].append((needling_starts_at, needling_ends_at))
            busy.rooms[row.room_id].append((starts_at, ends_at))
            if row.client_id == client_pk:
                busy.client.append((starts_at, needling_ends_at))
        if row.client_id == client_pk and row.treatment_id == treatment.pk:
            session = Session(
                day=starts_at.astimezone(tz).date(),
                areas=frozenset(_as_list(row.areas)),
                course_id=row.course_id,
                course_planned_sessions=row.course_planned_sessions,
            )
            busy.sessions.append(session)
    return busy


class EpochSeconds(Func):
    """A timestamp as seconds since 1970. Availability reads hundreds of rows of four instants
    each; numbers load several times faster than timestamps through the driver, which kept the
    engine's loader inside its time budget."""

    output_field = FloatField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)::float8", **extra_context
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, template="CAST(strftime('%%%%s', %(expressions)s) AS REAL)", **extra_context
        )


def _raw_rows(queryset) -> list[tuple]:
    """The rows of a values_list queryset straight from the driver, without Django's per-row
    converters (every column here is a plain number, string or JSON)."""
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _instant(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def _as_list(value) -> list:
    # A JSON column read through a union comes back already decoded on PostgreSQL, as text on SQLite.
    if isinstance(value, str):
        return json.loads(value)
    return list(value or ())


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
