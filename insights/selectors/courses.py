"""Course completion: the funnel from consultation to clearance to each session of the course,
the days between sessions against the treatment's window, and the courses whose window closed
without a next booking (lapsed).

The funnel's cohort is the clients who sent a consultation in the period; each step counts those
of them who got that far by now (cleared; a course with at least 1, 2, 3 … completed sessions).
"""

from datetime import date, timedelta

from django.db.models import (
    BooleanField,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, Lag
from django.db.models.lookups import GreaterThanOrEqual

from bookings.models import Appointment, Course
from clinic.clock import clinic_today
from clinic.models import User
from consultations.models import Clearance, Intake

from .scope import DatePlusDays, DaysBetween, LocalDate, Median, Scope, location_zone, treatment_spans
from .sessions import in_scope, sessions_in, with_local_day

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
    the median days between them, and how many fell before, inside and after the treatment's
    window. One query; the gaps are one pass of ``LAG`` over the completed sessions of the
    courses the scope's sessions belong to (the sessions before the period included, not a
    look-up per session), counted over the scope's own."""
    start, end = scope.coarse_bounds()
    courses = sessions_in(scope).filter(status=Status.COMPLETED).values("course_id")
    sessions = with_local_day(
        Appointment.objects.filter(status=Status.COMPLETED, course_id__in=courses, starts_at__lt=end)
    ).annotate(
        counted=ExpressionWrapper(Q(starts_at__gte=start) & in_scope(scope), output_field=BooleanField()),
        previous_start=Window(Lag("starts_at"), partition_by=[F("course_id")], order_by=F("starts_at").asc()),
    )
    # In the later session's zone (a course's sessions keep to a location's clock).
    gaps = sessions.annotate(gap=DaysBetween(F("local_day"), LocalDate(F("previous_start"), F("zone"))))
    counted = Q(counted=True, previous_start__isnull=False)
    figures = gaps.aggregate(
        sessions=Count("pk", filter=counted),
        median_days=Median("gap", filter=counted),
        early=Count("pk", filter=counted & Q(gap__lt=F("treatment__spacing_min_days"))),
        late=Count("pk", filter=counted & Q(gap__gt=F("treatment__spacing_max_days"))),
    )
    figures["in_window"] = figures["sessions"] - figures["early"] - figures["late"]
    spans = treatment_spans()
    figures["window"] = (spans["low"] or 28, spans["high"] or 42)
    return figures


def courses_with_window_closing(first_day: date, last_day: date, scope: Scope | None = None):
    """Unfinished open courses whose last session (booked or done) is behind them and whose window
    closes (last session's local day + the treatment's maximum) between the two days: their
    clients have no next session booked. Annotated with ``last_day``, ``closes_on``, ``done``.

    The candidates are the open courses with a session in the only weeks their last one can fall
    in and none after them (both found on the appointments' time index); only those are looked
    up, each on the course index, rather than grouping every session of the chain by course."""
    spans = treatment_spans()
    earliest = first_day - timedelta(days=(spans["longest"] or 42) + 1)
    latest = last_day - timedelta(days=(spans["shortest"] or 42) - 1)
    start, end = Scope(earliest, latest).coarse_bounds()
    active = Appointment.objects.filter(course_id=OuterRef("pk"), status__in=Appointment.ACTIVE_STATUSES)
    candidates = active.filter(starts_at__gte=start, starts_at__lt=end)
    if scope is not None:
        candidates = candidates.filter(scope.appointment_filter())
    last = (
        active.order_by()
        .values("course_id")
        .annotate(day=Max(LocalDate(F("starts_at"), location_zone())))
        .values("day")
    )
    done = (
        Appointment.objects.filter(course_id=OuterRef("pk"), status=Status.COMPLETED)
        .order_by()
        .values("course_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        # A session after the weeks would be a later last session, its window closing too late.
        Course.objects.filter(Exists(candidates), ~Exists(active.filter(starts_at__gte=end)), status=Course.Status.OPEN)
        .annotate(
            last_day=Subquery(last, output_field=DateField()),
            done=Coalesce(Subquery(done, output_field=IntegerField()), 0),
        )
        .filter(last_day__isnull=False, done__lt=F("planned_sessions"))
        .annotate(closes_on=DatePlusDays(F("last_day"), F("treatment__spacing_max_days")))
        .filter(closes_on__gte=first_day, closes_on__lte=last_day)
    )


def lapsed_courses(scope: Scope, limit: int = 50) -> dict:
    """Courses whose window closed in the period (and before today) without a next booking: the
    count and the first ``limit`` of them (one query: the count rides on the list's rows as a
    window over all of them, not a second pass over the courses)."""
    yesterday = clinic_today().toordinal() - 1
    last_day = min(scope.last_day, date.fromordinal(yesterday))
    rows = courses_with_window_closing(scope.first_day, last_day, scope).annotate(total=Window(Count("pk")))
    listed = list(rows.select_related("client", "treatment").order_by("closes_on", "pk")[:limit])
    return {"count": listed[0].total if listed else 0, "courses": listed}


def course_completion(scope: Scope, practitioner_user_id: int | None = None) -> dict:
    return {
        "funnel": completion_funnel(scope, practitioner_user_id),
        "spacing": session_spacing(scope),
        "lapsed": lapsed_courses(scope),
    }
