"""Everything that holds time, for availability: one union query over the appointments that
hold time in a range (and the client's own sessions of the treatment, for spacing) and the time
off in it, read into a ``Busy`` for the engine.

Appointments are read live on every call, never cached: a time a booking took a moment ago is
never offered. What is kept is the query's SQL text: compiling the union (four epoch columns, two
``CASE``s, the union itself) through the ORM cost more CPU than running it, on every calendar
page, and its text depends only on which filters apply (a client or not, an appointment left out
or not, a location or not, and for one location how many rooms and practitioners it reads). So it
is compiled once per process and shape with stand-in values, and each call swaps its own values
for them in the parameters (``_busy_sql``).

For one location (``room_ids`` given) the appointments read are its rooms' sessions, its
practitioners' (wherever they are) and the client's (a client is in one place at a time), each
arm on an index of its own; every overlap search bounds ``starts_at`` from below
(``earliest_start``, see ``models.overlapping``), so a chain's years of history are not read.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NamedTuple

from django.db import connections
from django.db.models import Case, F, FloatField, Func, IntegerField, JSONField, OuterRef, Q, Subquery, Value, When

from clinic.compiled_queries import compiled_sql

from ..availability import Session
from ..models import LONGEST_SESSION, Appointment, Course, TimeOff

ACTIVE = Appointment.ACTIVE_STATUSES


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
    *,
    treatment_id,
    client_id,
    range_start,
    range_end,
    earliest_start,
    exclude_appointment_id,
    room_ids,
    practitioner_ids,
):
    # ``models.overlapping(range_start, range_end)``, with its lower bound on ``starts_at`` passed
    # in (``earliest_start``) so that it is a value of the call, not one computed from a stand-in.
    in_range = Q(starts_at__lt=range_end, starts_at__gt=earliest_start, ends_at__gt=range_start)
    mine = Q(client_id=client_id, treatment_id=treatment_id) if client_id is not None else Q(pk__in=[])
    if room_ids is not None:
        # One location: its rooms' sessions, its practitioners' and the client's.
        wanted = Q(room_id__in=room_ids) & in_range | Q(practitioner_id__in=practitioner_ids or ()) & in_range
        if client_id is not None:
            wanted |= Q(client_id=client_id) & in_range
    else:
        wanted = in_range
    if client_id is not None:
        wanted |= mine
    appointments = Appointment.objects.filter(wanted, status__in=ACTIVE)
    if exclude_appointment_id is not None:
        appointments = appointments.exclude(pk=exclude_appointment_id)
    # Areas and course matter only for the client's own sessions (spacing): other rows leave
    # them empty, which keeps the JSON decoding off hundreds of rows. The course is a subquery,
    # not a join: on a chain's thousand rows a join made the plan a parallel one, slower to start.
    planned = Subquery(Course.objects.filter(pk=OuterRef("course_id")).order_by().values("planned_sessions")[:1])
    return appointments.annotate(
        kind=Value("appointment"),
        own_areas=Case(When(mine, then=F("areas")), default=Value(None), output_field=JSONField()),
        own_planned=Case(When(mine, then=planned), default=None, output_field=IntegerField()),
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


def busy_times(
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
    client_pk = client.pk if client is not None else None
    sql, params = _busy_sql(
        treatment_id=treatment.pk,
        client_id=client_pk,
        range_start=range_start,
        range_end=range_end,
        earliest_start=range_start - LONGEST_SESSION,
        exclude_appointment_id=exclude_appointment_id,
        location_id=location_id,
        room_ids=None if room_ids is None else list(room_ids),
        practitioner_ids=None if room_ids is None else list(practitioner_ids or ()),
    )
    busy = Busy()
    for row in map(BusyRow._make, _raw_rows(sql, params)):
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


def busy_queryset(
    *,
    treatment_id,
    client_id,
    range_start,
    range_end,
    exclude_appointment_id,
    location_id,
    earliest_start=None,
    room_ids=None,
    practitioner_ids=None,
):
    """The busy-times union as a queryset (``_busy_sql`` compiles it). ``earliest_start``
    defaults to ``range_start - LONGEST_SESSION``."""
    appointments = _appointment_rows(
        treatment_id=treatment_id,
        client_id=client_id,
        range_start=range_start,
        range_end=range_end,
        earliest_start=range_start - LONGEST_SESSION if earliest_start is None else earliest_start,
        exclude_appointment_id=exclude_appointment_id,
        room_ids=room_ids,
        practitioner_ids=practitioner_ids,
    )
    time_off = _time_off_rows(range_start=range_start, range_end=range_end, location_id=location_id)
    return appointments.order_by().union(time_off.order_by(), all=True)


def _busy_sql(**values) -> tuple[str, tuple]:
    """The SQL and parameters of ``busy_queryset(**values)``, compiled once per process and shape
    (``clinic.compiled_queries``: which values are given, how many ids each list has)."""
    values.setdefault("earliest_start", values["range_start"] - LONGEST_SESSION)
    return compiled_sql(busy_queryset, **values)


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


def _raw_rows(sql: str, params) -> list[tuple]:
    """The rows straight from the driver, without Django's per-row converters (every column
    here is a plain number, string or JSON)."""
    with connections[Appointment.objects.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _instant(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def _as_list(value) -> list:
    # A JSON column read through a union comes back already decoded on PostgreSQL, as text on SQLite.
    if isinstance(value, str):
        return json.loads(value)
    return list(value or ())
