"""The session facts (``insights.models.SessionFact``): what each appointment counts for in the
reports, worked out once rather than on every report.

``facts_refresh()`` is the only writer. On PostgreSQL it takes the queue that the triggers fill
(``StaleClient``) and recomputes the facts of those clients (every fact for a row without a
client, or when more clients are queued than ``FULL_REBUILD_CLIENTS``), in one transaction under
an advisory lock: two refreshes never interleave, and a report that waited for another's refresh
reads its committed facts. A page waits at most ``PAGE_WAIT_SECONDS`` for the lock (a change of
set-up makes beat work out every fact, minutes on a chain): then it reads the facts as they are
and says they are being brought up to date (``facts_behind()``). On SQLite (``make run``'s embedded default, a demo of a few hundred
sessions) there are no triggers: every refresh recomputes every fact.

The facts are one ``INSERT … SELECT`` of the ORM queryset ``fact_rows()``, so both databases
share one definition; each figure is defined as the reports used to work it out on the fly:

- ``local_day``, ``local_hour``: the arrival on the wall clock of the session's location;
- ``rebooked_same_day`` (completed sessions): a later session of the same client and treatment
  was booked on the session's local day, after its arrival;
- ``rebooked_in_window`` (completed sessions): the next active session of the same client and
  treatment falls, on this session's clock, on or before this session's local day plus the
  treatment's maximum days (so a change of a treatment's window queues every fact);
- ``gap_days``, ``gap_early``, ``gap_late``: local days (the later session's clock) since the
  course's previous completed session, and whether under or over the treatment's window;
- ``last_of_course``, ``course_done`` and ``closes_on``: the course's last active session and, on
  it, how many of the course's sessions are completed and, for an open unfinished course, the day
  its window closes (lapsed courses and the call list).
"""

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
    Window,
    WindowFrameExclusion,
)
from django.db.models.expressions import RowRange

from bookings.models import Appointment, Course

from .models import SessionFact, StaleClient
from .selectors.scope import DatePlusDays, DaysBetween, LocalDate, LocalHour, LocalIsoWeekday, Seconds, location_zone

Status = Appointment.Status
ACTIVE = Appointment.ACTIVE_STATUSES
# A queue longer than this (a bulk import, the chain's load) is cheaper done as one full pass.
FULL_REBUILD_CLIENTS = 20_000
CLIENTS_PER_PASS = 2_000
_LOCK_KEY = 0x1A51_6475  # the advisory lock of the refresh (any constant unique to it)

# How long before the session it was booked: the bands of the attendance report (their upper
# bounds). Changing them needs every fact worked out again (a migration adding a queue row
# without a client).
LEAD_TIMES = (
    ("under_2_days", "Under 2 days", timedelta(days=2)),
    ("2_to_7_days", "2 to 7 days", timedelta(days=7)),
    ("1_to_4_weeks", "1 to 4 weeks", timedelta(days=28)),
    ("over_4_weeks", "Over 4 weeks", None),
)
Outcome = SessionFact.Outcome

COLUMNS = (
    "appointment_id",
    "client_id",
    "treatment_id",
    "course_id",
    "practitioner_id",
    "room_id",
    "location_id",
    "outcome",
    "channel",
    "local_day",
    "local_hour",
    "iso_weekday",
    "lead_band",
    "needling_minutes",
    "held_minutes",
    "rebooked_same_day",
    "rebooked_in_window",
    "gap_days",
    "gap_early",
    "gap_late",
    "last_of_course",
    "course_done",
    "closes_on",
)


def _zone():
    """Each appointment's location's time zone, from the locations read now (not the set-up
    cache: a refresh after a change of location must see it)."""
    from clinic.models import ClinicProfile, Location

    locations = list(Location.objects.order_by("pk").only("pk", "time_zone"))
    single = ClinicProfile.get().time_zone if len(locations) <= 1 else None
    return location_zone("room__location_id", locations, single)


def fact_rows(clients: Iterable[int] | None = None) -> QuerySet:
    """The facts of ``clients``' appointments (every appointment's for None), as ``values()``
    rows named ``f_<column>``, in ``COLUMNS`` order. A client's appointments are all in or all
    out, so the figures about a course or a client's next session are windows over the rows in
    hand (one sort), not a look-up per row; only the same-day rebooking is one (an index probe
    per completed session)."""
    rows = Appointment.objects.order_by()
    if clients is not None:
        rows = rows.filter(client_id__in=list(clients))
    rows = rows.annotate(zone=_zone(), day=LocalDate(F("starts_at"), F("zone")))
    by_start = {"order_by": F("starts_at").asc()}
    # Rows after (or before) this one, its equals excluded: "later" is a later arrival.
    after = RowRange(start=0, end=None, exclusion=WindowFrameExclusion.GROUP)
    before = RowRange(start=None, end=0, exclusion=WindowFrameExclusion.GROUP)
    course, series = [F("course_id")], [F("client_id"), F("treatment_id")]
    rows = rows.annotate(
        next_start=Window(Min("starts_at", filter=ACTIVE_Q), partition_by=series, frame=after, **by_start),
        previous_done=Window(Max("starts_at", filter=COMPLETED_Q), partition_by=course, frame=before, **by_start),
        course_last=Window(Max("starts_at", filter=ACTIVE_Q), partition_by=course),
        course_done=Window(Count("pk", filter=COMPLETED_Q), partition_by=course),
    )
    rows = rows.annotate(
        lead=ExpressionWrapper(F("starts_at") - F("created_at"), output_field=DurationField()),
        next_day=LocalDate(F("next_start"), F("zone")),
        gap=DaysBetween(F("day"), LocalDate(F("previous_done"), F("zone"))),
        window_closes=DatePlusDays(F("day"), F("treatment__spacing_max_days")),
    )
    return rows.annotate(**_session_columns(), **_after_columns()).values(*[f"f_{column}" for column in COLUMNS])


COMPLETED_Q, ACTIVE_Q = Q(status=Status.COMPLETED), Q(status__in=ACTIVE)


def _session_columns() -> dict:
    """The facts about the session itself (``fact_rows``' annotations)."""
    return {
        "f_appointment_id": F("pk"),
        "f_client_id": F("client_id"),
        "f_treatment_id": F("treatment_id"),
        "f_course_id": F("course_id"),
        "f_practitioner_id": F("practitioner_id"),
        "f_room_id": F("room_id"),
        "f_location_id": F("room__location_id"),
        "f_outcome": Case(
            When(COMPLETED_Q, then=Value(Outcome.COMPLETED)),
            When(status=Status.CANCELLED, cancellation_late=True, then=Value(Outcome.CANCELLED_LATE)),
            When(status=Status.CANCELLED, then=Value(Outcome.CANCELLED_ON_TIME)),
            When(status=Status.NO_SHOW, then=Value(Outcome.NO_SHOW)),
            default=Value(Outcome.UNDER_WAY),
            output_field=IntegerField(),
        ),
        "f_channel": F("channel"),
        "f_local_day": F("day"),
        "f_local_hour": LocalHour(F("starts_at"), F("zone")),
        "f_iso_weekday": LocalIsoWeekday(F("starts_at"), F("zone")),
        "f_lead_band": Case(
            *[
                When(lead__lt=limit, then=Value(band))
                for band, (_code, _label, limit) in enumerate(LEAD_TIMES)
                if limit is not None
            ],
            default=Value(len(LEAD_TIMES) - 1),
            output_field=IntegerField(),
        ),
        "f_needling_minutes": Seconds(F("needling_ends_at"), F("needling_starts_at")) / 60.0,
        "f_held_minutes": Seconds(F("ends_at"), F("starts_at")) / 60.0,
    }


def _after_columns() -> dict:
    """The facts that depend on the client's other sessions: rebooking, the gap since the
    course's previous session, the course's last session (``fact_rows``' annotations)."""
    later = Appointment.objects.filter(
        client_id=OuterRef("client_id"), treatment_id=OuterRef("treatment_id"), starts_at__gt=OuterRef("starts_at")
    )
    same_day = (
        later.filter(created_at__gte=OuterRef("starts_at"))
        .annotate(created_day=LocalDate(F("created_at"), OuterRef("zone")))
        .filter(created_day=OuterRef("day"))
    )
    last = ACTIVE_Q & Q(starts_at=F("course_last"))
    unfinished = Q(course__status=Course.Status.OPEN, course_done__lt=F("course__planned_sessions"))

    def if_completed(value, field):
        return Case(When(COMPLETED_Q, then=value), default=None, output_field=field)

    return {
        "f_rebooked_same_day": if_completed(Exists(same_day), BooleanField()),
        "f_rebooked_in_window": if_completed(
            Q(next_day__isnull=False, next_day__lte=F("window_closes")), BooleanField()
        ),
        "f_gap_days": if_completed(F("gap"), IntegerField()),
        "f_gap_early": if_completed(Q(gap__lt=F("treatment__spacing_min_days")), BooleanField()),
        "f_gap_late": if_completed(Q(gap__gt=F("treatment__spacing_max_days")), BooleanField()),
        "f_last_of_course": ExpressionWrapper(last, output_field=BooleanField()),
        "f_course_done": Case(When(last, then=F("course_done")), default=None, output_field=IntegerField()),
        "f_closes_on": Case(When(last & unfinished, then=F("window_closes")), default=None, output_field=DateField()),
    }


def _insert(rows: QuerySet) -> None:
    sql, params = rows.query.get_compiler(using=rows.db).as_sql()
    names = ", ".join(connection.ops.quote_name(column) for column in COLUMNS)
    chosen = ", ".join(connection.ops.quote_name(f"f_{column}") for column in COLUMNS)
    table = connection.ops.quote_name(SessionFact._meta.db_table)
    with connection.cursor() as cursor:
        # Names from the model and the compiled queryset, never from input.
        # ON CONFLICT: an appointment moved to one of the pass's clients after its DELETE is
        # written over, not refused ("WHERE true": SQLite's parser needs it before ON CONFLICT).
        update = ", ".join(f"{name} = EXCLUDED.{name}" for name in (connection.ops.quote_name(c) for c in COLUMNS[1:]))
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {chosen} FROM ({sql}) AS facts WHERE true "  # noqa: S608
            f"ON CONFLICT (appointment_id) DO UPDATE SET {update}",
            params,
        )


def facts_rebuild() -> None:
    """Every fact worked out again (a bulk load, the SQLite demo, a change of set-up)."""
    with transaction.atomic():
        _lock()
        StaleClient.objects.all().delete()
        _rebuild_all()


def _rebuild_all() -> None:
    SessionFact.objects.all().delete()
    # In the order of the local day: a report's period is then one stretch of the table.
    _insert(fact_rows().order_by("day"))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(SessionFact._meta.db_table)}")


def _lock(wait: float | None = None) -> bool:
    """The refresh's lock (held to the end of the transaction): waits for it, or at most ``wait``
    seconds; False when it did not get it."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        if wait is None:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
            return True
        give_up = time.monotonic() + wait
        while True:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_LOCK_KEY])
            if cursor.fetchone()[0]:
                return True
            if time.monotonic() >= give_up:
                return False
            time.sleep(0.05)


def facts_refresh(wait: float | None = None) -> int | None:
    """Bring the facts up to date with every change committed so far; the number of clients whose
    facts were worked out again (-1: every client). Two queries when nothing changed. With
    ``wait``, None when another refresh held the lock for longer than that many seconds (the
    facts are then those of the last refresh)."""
    if connection.vendor != "postgresql":
        facts_rebuild()
        return -1
    table = connection.ops.quote_name(StaleClient._meta.db_table)
    with transaction.atomic():
        if not _lock(wait):
            return None
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} RETURNING client_id")  # noqa: S608 (the model's table)
            queued = {client for (client,) in cursor.fetchall()}
        if not queued:
            return 0
        if None in queued or len(queued) > FULL_REBUILD_CLIENTS:
            _rebuild_all()
            return -1
        clients = sorted(queued)
        for first in range(0, len(clients), CLIENTS_PER_PASS):
            part = clients[first : first + CLIENTS_PER_PASS]
            SessionFact.objects.filter(client_id__in=part).delete()
            _insert(fact_rows(part))
        return len(clients)


_refreshed: ContextVar[bool] = ContextVar("insights_facts_refreshed", default=False)
_memo: ContextVar[dict | None] = ContextVar("insights_report_memo", default=None)


# How long a page waits for another refresh to end before it reads the facts as they are.
PAGE_WAIT_SECONDS = 3.0


def facts_fresh() -> None:
    """Facts up to date for a report about to read them: refreshed now, unless the report runs
    inside ``facts_refreshed()`` (the page's ``report_queries``), which did it once for all."""
    if not _refreshed.get():
        facts_refresh(wait=PAGE_WAIT_SECONDS)


@contextmanager
def facts_refreshed() -> Iterator[None]:
    """One refresh for every report read in the block."""
    done = facts_refresh(wait=PAGE_WAIT_SECONDS)
    token, memo = _refreshed.set(True), _memo.set({"behind": done is None})
    try:
        yield
    finally:
        _refreshed.reset(token)
        _memo.reset(memo)


def report_memo() -> dict | None:
    """A dict that lives as long as the ``facts_refreshed()`` block (a page): reads shared by
    several sections are made once. None outside one."""
    return _memo.get()


def facts_behind() -> bool:
    """Whether the report in progress reads facts that another refresh (a long one: every fact,
    after a change of set-up) is still bringing up to date."""
    memo = _memo.get()
    return bool(memo and memo.get("behind"))
