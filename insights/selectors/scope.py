"""What a report covers (a period of local days, optionally one location, practitioner or room)
and the SQL pieces every selector shares: the local day, hour and weekday of an instant in the
time zone of the location it happened at.

Why a zone per row: with several locations in different zones, a session at 23:30 on the last
day of a month in Bristol and one at 00:30 the next morning in Dubai fall in different months.
``location_zone`` is a CASE over the clinic's locations, so every figure stays one query however
many zones there are. The session facts (``insights.facts``) hold each session's local day and
hour worked out this way once; the reports on consultations, check-ins and messages convert as
they read, inside the coarse instant bounds around the local days (which keep an index in use).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import Aggregate, Case, CharField, DateField, FloatField, Func, IntegerField, Q, Value, When

from clinic.locations import all_locations, location_tz
from clinic.setup_cache import setup_cached

# No zone is further than this from UTC: instants this far around the local days hold every
# session of those days, wherever it happened.
ZONE_SPAN = timedelta(hours=15)


@dataclass(frozen=True)
class Scope:
    """Local days ``first_day`` to ``last_day`` (both included), cut by location, practitioner or
    room when given (ids)."""

    first_day: date
    last_day: date
    location_id: int | None = None
    practitioner_id: int | None = None
    room_id: int | None = None

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def coarse_bounds(self) -> tuple[datetime, datetime]:
        from datetime import UTC

        start = datetime.combine(self.first_day, time(0), tzinfo=UTC) - ZONE_SPAN
        end = datetime.combine(self.last_day + timedelta(days=1), time(0), tzinfo=UTC) + ZONE_SPAN
        return start, end

    def fact_filter(self, prefix: str = "") -> Q:
        """The location, practitioner and room cut, for session facts reached through ``prefix``."""
        q = Q()
        for field, value in (
            ("location_id", self.location_id),
            ("practitioner_id", self.practitioner_id),
            ("room_id", self.room_id),
        ):
            if value is not None:
                q &= Q(**{f"{prefix}{field}": value})
        return q

    def appointment_filter(self, prefix: str = "") -> Q:
        """The location, practitioner and room cut, for appointments reached through ``prefix``."""
        q = Q()
        if self.location_id is not None:
            q &= Q(**{f"{prefix}room__location_id": self.location_id})
        if self.practitioner_id is not None:
            q &= Q(**{f"{prefix}practitioner_id": self.practitioner_id})
        if self.room_id is not None:
            q &= Q(**{f"{prefix}room_id": self.room_id})
        return q


def treatment_spans() -> dict:
    """Every treatment's ``longest`` and ``shortest`` window (maximum days), and the active ones'
    ``low`` (minimum days), ``high`` and ``planned`` sessions: the bounds the reports' queries
    start from. Set-up rows, read through the set-up cache (no query once loaded)."""
    return setup_cached("insights:treatment_spans", _treatment_spans)


def _treatment_spans() -> dict:
    from django.db.models import Max, Min

    from bookings.models import Treatment

    every = Treatment.objects.aggregate(longest=Max("spacing_max_days"), shortest=Min("spacing_max_days"))
    active = Treatment.objects.filter(is_active=True).aggregate(
        low=Max("spacing_min_days"), high=Max("spacing_max_days"), planned=Max("planned_sessions")
    )
    return {**every, **active}


@contextmanager
def report_queries() -> Iterator[None]:
    """The block's reports read facts brought up to date once, at its start (``insights.facts``),
    and run without PostgreSQL's JIT compilation: a report over a chain's year is planned at a
    cost that switches JIT on, and compiling took longer than running it (EXPLAIN ANALYZE on the
    chain: 1.5 s of JIT for a 0.7 s query); ``SET LOCAL`` keeps the setting to this transaction.
    The refresh commits before the block's transaction opens: its lock is never held while the
    page is drawn."""
    from ..facts import facts_refreshed

    with facts_refreshed():
        if connection.vendor != "postgresql":
            yield
            return
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
            yield


def location_zone(location_field: str = "room__location_id", locations=None, single_zone: str | None = None):
    """The time zone name of the location each row belongs to, as an SQL expression: one branch
    per zone (a chain of 200 locations in four zones is a CASE of three ``IN`` lists and a
    default), nothing at all when every location keeps the same time. ``locations`` (rows with
    ``pk`` and ``time_zone``) and ``single_zone`` (a one-site clinic's zone) default to the
    set-up cache's."""
    if locations is None:
        locations = all_locations()
        default_zone = str(location_tz(None))
    else:
        default_zone = single_zone if len(locations) <= 1 else locations[0].time_zone
    if len(locations) <= 1:
        return Value(default_zone, output_field=CharField())
    # Each location's own zone (what location_tz answers with several locations), read off the
    # rows in hand: asking location_tz 200 times would read the set-up cache's token 200 times.
    by_zone: dict[str, list[int]] = {}
    for loc in locations:
        by_zone.setdefault(loc.time_zone, []).append(loc.pk)
    whens = [
        When(**{f"{location_field}__in": ids}, then=Value(zone))
        for zone, ids in by_zone.items()
        if zone != default_zone
    ]
    if not whens:
        return Value(default_zone, output_field=CharField())
    return Case(*whens, default=Value(default_zone), output_field=CharField())


class _Local(Func):
    """``instant`` on the wall clock of ``zone`` (a name per row). PostgreSQL's ``timezone(zone,
    instant)``; SQLite (``make run``'s embedded default) through the functions Django registers
    on every SQLite connection, which take the zone per row too."""

    pg_template = ""
    sqlite_template = ""

    def __init__(self, instant, zone, **extra):
        super().__init__(instant, zone, **extra)

    def _parts(self, compiler, connection):
        instant_sql, instant_params = compiler.compile(self.source_expressions[0])
        zone_sql, zone_params = compiler.compile(self.source_expressions[1])
        return instant_sql, instant_params, zone_sql, zone_params

    def as_postgresql(self, compiler, connection, **extra_context):
        instant_sql, instant_params, zone_sql, zone_params = self._parts(compiler, connection)
        local = f"timezone({zone_sql}, {instant_sql})"
        return self.pg_template % {"local": local}, (*zone_params, *instant_params)

    def as_sqlite(self, compiler, connection, **extra_context):
        instant_sql, instant_params, zone_sql, zone_params = self._parts(compiler, connection)
        sql = self.sqlite_template % {"instant": instant_sql, "zone": zone_sql}
        return sql, (*instant_params, *zone_params)


class LocalDate(_Local):
    output_field = DateField()
    pg_template = "(%(local)s)::date"
    sqlite_template = "django_datetime_cast_date(%(instant)s, %(zone)s, 'UTC')"


class LocalHour(_Local):
    output_field = IntegerField()
    pg_template = "EXTRACT(HOUR FROM %(local)s)::integer"
    sqlite_template = "django_datetime_extract('hour', %(instant)s, %(zone)s, 'UTC')"


class LocalIsoWeekday(_Local):
    """1 Monday .. 7 Sunday."""

    output_field = IntegerField()
    pg_template = "EXTRACT(ISODOW FROM %(local)s)::integer"
    sqlite_template = "django_datetime_extract('iso_week_day', %(instant)s, %(zone)s, 'UTC')"


class DaysBetween(Func):
    """Whole days from ``earlier`` to ``later`` (two dates)."""

    output_field = IntegerField()
    template = "(%(expressions)s)"
    arg_joiner = " - "

    def __init__(self, later, earlier, **extra):
        super().__init__(later, earlier, **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS integer)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


class DatePlusDays(Func):
    """``day`` plus a whole number of days."""

    output_field = DateField()
    template = "(%(expressions)s)"
    arg_joiner = " + "

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, template="date(%(expressions)s || ' days')", arg_joiner=", '+' || ", **extra_context
        )


class Seconds(Func):
    """The length of an interval (``later - earlier``) in seconds."""

    output_field = FloatField()
    template = "EXTRACT(EPOCH FROM (%(expressions)s))"
    arg_joiner = " - "

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


class Median(Aggregate):
    """The median (PostgreSQL's ``percentile_cont(0.5)``); None on SQLite, which has none."""

    function = "PERCENTILE_CONT"
    name = "Median"
    output_field = FloatField()
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"

    def as_sqlite(self, compiler, connection, **extra_context):
        return "NULL", ()
