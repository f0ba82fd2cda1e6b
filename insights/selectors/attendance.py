"""Attendance (how sessions ended, by channel and lead time) and rebooking (after a completed
session, was the next one booked before the client left, and inside the course window)."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, Value, When

from bookings.models import Appointment

from .scope import DatePlusDays, LocalDate, Scope, treatment_spans
from .sessions import sessions_in

Status = Appointment.Status

OUTCOMES = (
    ("completed", "Completed"),
    ("cancelled_on_time", "Cancelled on time"),
    ("cancelled_late", "Cancelled late"),
    ("no_show", "No-show"),
)
OUTCOME_FILTERS = {
    "completed": Q(status=Status.COMPLETED),
    "cancelled_on_time": Q(status=Status.CANCELLED, cancellation_late=False),
    "cancelled_late": Q(status=Status.CANCELLED, cancellation_late=True),
    "no_show": Q(status=Status.NO_SHOW),
}
# How long before the session it was booked.
LEAD_TIMES = (
    ("under_2_days", "Under 2 days", timedelta(days=2)),
    ("2_to_7_days", "2 to 7 days", timedelta(days=7)),
    ("1_to_4_weeks", "1 to 4 weeks", timedelta(days=28)),
    ("over_4_weeks", "Over 4 weeks", None),
)


@dataclass
class OutcomeCounts:
    label: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def rate(self, outcome: str) -> float | None:
        return round(100 * self.counts.get(outcome, 0) / self.total, 1) if self.total else None

    def add(self, other: dict) -> None:
        for code, _label in OUTCOMES:
            self.counts[code] = self.counts.get(code, 0) + (other.get(code) or 0)


def _lead_time():
    whens = [When(Q(lead__lt=limit), then=Value(code)) for code, _label, limit in LEAD_TIMES if limit]
    return Case(*whens, default=Value(LEAD_TIMES[-1][0]), output_field=CharField())


def attendance(scope: Scope) -> dict:
    """Counts of each outcome, in all, by channel and by lead time: one query (grouped by channel
    and lead time; the totals are sums of the groups)."""
    rows = (
        sessions_in(scope)
        .annotate(lead=F("starts_at") - F("created_at"))
        .annotate(lead_time=_lead_time())
        .values("channel", "lead_time")
        .annotate(**{code: Count("pk", filter=OUTCOME_FILTERS[code]) for code, _label in OUTCOMES})
    )
    total = OutcomeCounts("All sessions")
    channels = {code: OutcomeCounts(str(label)) for code, label in Appointment.Channel.choices}
    leads = {code: OutcomeCounts(label) for code, label, _limit in LEAD_TIMES}
    for row in rows:
        total.add(row)
        channels[row["channel"]].add(row)
        leads[row["lead_time"]].add(row)
    return {"total": total, "by_channel": list(channels.values()), "by_lead_time": list(leads.values())}


def rebooking(scope: Scope, completed_count: int | None = None) -> dict:
    """Of the completed sessions of the scope: how many had the client's next session (same
    treatment) booked on the session's own local day, before they left, and how many have a next
    session (booked, checked in or completed) inside the course window. Three queries (two when
    the caller has counted the completed sessions already, as ``attendance`` does): each
    figure a count whose ``EXISTS`` sits in the ``WHERE``, which PostgreSQL runs as a semi-join
    (hashed over a year of the chain, an index probe per session for one location) rather than
    as a sub-plan per completed session."""
    start, end = scope.coarse_bounds()
    # The longest window of any treatment: with it, a later session too far off to count is
    # ruled out by comparing two instants, before its local day is worked out (the costly part).
    longest = timedelta(days=(treatment_spans()["longest"] or 0) + 2)
    later = Appointment.objects.filter(
        client_id=OuterRef("client_id"), treatment_id=OuterRef("treatment_id"), starts_at__gt=OuterRef("starts_at")
    ).filter(starts_at__gt=start)  # a bound of the period's own (no session before it can match)
    same_day = (
        # A local day lasts 25 hours at most: the instants first, the local day after.
        later.filter(created_at__gte=OuterRef("starts_at"), created_at__lt=OuterRef("starts_at") + timedelta(hours=26))
        .filter(created_at__gte=start, created_at__lt=end + timedelta(days=1))
        .annotate(created_day=LocalDate(F("created_at"), OuterRef("zone")))
        .filter(created_day=OuterRef("local_day"))
    )
    in_window = (
        later.filter(status__in=Appointment.ACTIVE_STATUSES)
        .filter(starts_at__lt=OuterRef("starts_at") + longest)
        .filter(starts_at__lt=end + longest)
        # In the completed session's zone: a next session's own location would cost a join per row.
        .annotate(day=LocalDate(F("starts_at"), OuterRef("zone")))
        .filter(day__lte=OuterRef("window_closes"))
    )
    completed = sessions_in(scope).filter(status=Status.COMPLETED)
    figures = {
        "completed": completed.count() if completed_count is None else completed_count,
        "same_day": completed.filter(Exists(same_day)).count(),
        "in_window": completed.annotate(window_closes=DatePlusDays(F("local_day"), F("treatment__spacing_max_days")))
        .filter(Exists(in_window))
        .count(),
    }
    completed = figures["completed"]
    figures["same_day_rate"] = round(100 * figures["same_day"] / completed, 1) if completed else None
    figures["in_window_rate"] = round(100 * figures["in_window"] / completed, 1) if completed else None
    return figures
