"""Course completion: the funnel from consultation to clearance to each session of the course,
the days between sessions against the treatment's window, and the courses whose window closed
without a next booking (lapsed).

The funnel's cohort is the clients who sent a consultation in the period; each step counts those
of them who got that far by now (cleared; a course with at least 1, 2, 3 … completed sessions).
"""

from collections import defaultdict
from datetime import date

from django.db.models import Count, Exists, F, FilteredRelation, IntegerField, OuterRef, Q, Subquery, Value, Window
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThanOrEqual

from bookings.models import Appointment, Course
from clinic.clock import clinic_today
from clinic.models import User
from consultations.models import Clearance, Intake

from ..facts import facts_fresh
from ..models import SessionFact
from .scope import LocalDate, Scope, treatment_spans
from .sessions import session_groups

Status = Appointment.Status


def _planned_steps() -> int:
    return treatment_spans()["planned"] or 3


def completion_funnel(scope: Scope, practitioner_user_id: int | None = None) -> list[dict]:
    """Steps with the number of cohort clients who reached each and the drop-off from the step
    before: one query. A practitioner's cohort is the clients they cleared or treated."""
    steps = _planned_steps()
    # A consultation belongs to no location: its day is the clinic's.
    intakes = Intake.objects.filter(client_id=OuterRef("pk"), submitted_at__isnull=False).annotate(
        day=LocalDate(F("submitted_at"), Value(_clinic_zone()))
    )
    sent = intakes.filter(day__gte=scope.first_day, day__lte=scope.last_day)
    done = (
        Course.objects.filter(client_id=OuterRef("pk"))
        .annotate(
            n=Count(
                "appointments",
                filter=Q(appointments__status=Status.COMPLETED) & scope.appointment_filter("appointments__"),
            )
        )
        .order_by("-n")
        .values("n")[:1]
    )
    cohort = User.objects.filter(Exists(sent))
    if practitioner_user_id is not None:
        cohort = cohort.filter(
            Exists(Clearance.objects.filter(client_id=OuterRef("pk"), decided_by_id=practitioner_user_id))
            | Exists(Appointment.objects.filter(client_id=OuterRef("pk"), practitioner__user_id=practitioner_user_id))
        )
    cleared = Exists(Clearance.objects.filter(client_id=OuterRef("pk"), revoked_at__isnull=True))
    most_done = Coalesce(Subquery(done, output_field=IntegerField()), 0)
    figures = cohort.aggregate(
        consulted=Count("pk"),
        cleared=Count("pk", filter=Q(cleared)),
        **{f"session_{k}": Count("pk", filter=Q(GreaterThanOrEqual(most_done, k))) for k in range(1, steps + 1)},
    )
    labels = [("consulted", "Consultation sent"), ("cleared", "Cleared")]
    labels += [(f"session_{k}", f"Session {k}") for k in range(1, steps + 1)]
    funnel, before = [], None
    for code, label in labels:
        reached = figures[code]
        funnel.append({"step": label, "clients": reached, "drop_off": (before - reached) if before is not None else 0})
        before = reached
    return funnel


def _clinic_zone() -> str:
    from clinic.locations import location_tz

    return str(location_tz(None))


def session_spacing(scope: Scope) -> dict:
    """The completed sessions of the scope that follow a completed session of the same course:
    the median days between them (local days, on the later session's clock), and how many fell
    before, inside and after the treatment's window. Added up from the scope's session groups
    (one query, shared with the page's other sections); the median from the count of each gap."""
    gaps: dict[int, int] = defaultdict(int)
    figures = {"sessions": 0, "early": 0, "late": 0}
    for row in session_groups(scope):
        if row["outcome"] == SessionFact.Outcome.COMPLETED and row["gap_days"] is not None:
            gaps[row["gap_days"]] += row["n"]
            figures["sessions"] += row["n"]
            figures["early"] += row["early"]
            figures["late"] += row["late"]
    figures["median_days"] = _median(gaps)
    figures["in_window"] = figures["sessions"] - figures["early"] - figures["late"]
    spans = treatment_spans()
    figures["window"] = (spans["low"] or 28, spans["high"] or 42)
    return figures


def _median(counts: dict[int, int]) -> float | None:
    """The median of values given with how often each occurs (as PostgreSQL's
    ``percentile_cont(0.5)``: the mean of the two middle values of an even number)."""
    total = sum(counts.values())
    if not total:
        return None
    wanted = [(total - 1) // 2, total // 2]  # the 0-based positions of the middle value(s)
    found, seen = [], 0
    for value in sorted(counts):
        while wanted and wanted[0] < seen + counts[value]:
            found.append(value)
            wanted.pop(0)
        seen += counts[value]
    return sum(found) / 2


def courses_with_window_closing(first_day: date, last_day: date, scope: Scope | None = None):
    """Unfinished open courses whose last session (booked or done) is behind them and whose window
    closes (last session's local day + the treatment's maximum) between the two days: their
    clients have no next session booked. Annotated with ``last_day``, ``closes_on``, ``done``.

    Read off the facts of the courses' last sessions (a partial index on the day the window
    closes). A course counts for a scope where its last session is."""
    facts_fresh()
    # Only the last session of an open, unfinished course has the day its window closes.
    last = FilteredRelation("session_facts", condition=Q(session_facts__closes_on__isnull=False))
    courses = Course.objects.annotate(last=last).filter(
        last__closes_on__gte=first_day, last__closes_on__lte=last_day, status=Course.Status.OPEN
    )
    if scope is not None:
        courses = courses.filter(scope.fact_filter("last__"))
    return courses.annotate(
        last_day=F("last__local_day"), closes_on=F("last__closes_on"), done=F("last__course_done")
    ).filter(done__lt=F("planned_sessions"))


def lapsed_courses(scope: Scope, limit: int = 50) -> dict:
    """Courses whose window closed in the period (and before today) without a next booking: the
    count and the first ``limit`` of them (one query: the count rides on the list's rows as a
    window over all of them, not a second pass over the courses; with no rows wanted, a count)."""
    yesterday = clinic_today().toordinal() - 1
    last_day = min(scope.last_day, date.fromordinal(yesterday))
    rows = courses_with_window_closing(scope.first_day, last_day, scope)
    if limit <= 0:
        return {"count": rows.count(), "courses": []}
    rows = rows.annotate(total=Window(Count("pk")))
    listed = list(rows.select_related("client", "treatment").order_by("closes_on", "pk")[:limit])
    return {"count": listed[0].total if listed else 0, "courses": listed}


def course_completion(scope: Scope, practitioner_user_id: int | None = None) -> dict:
    return {
        "funnel": completion_funnel(scope, practitioner_user_id),
        "spacing": session_spacing(scope),
        "lapsed": lapsed_courses(scope),
    }
