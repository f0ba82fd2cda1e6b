"""Attendance (how sessions ended, by channel and lead time) and rebooking (after a completed
session, was the next one booked before the client left, and inside the course window)."""

from dataclasses import dataclass, field

from bookings.models import Appointment

from ..facts import LEAD_TIMES
from ..models import SessionFact
from .scope import Scope
from .sessions import session_groups

Outcome = SessionFact.Outcome

Status = Appointment.Status

OUTCOMES = (
    ("completed", "Completed"),
    ("cancelled_on_time", "Cancelled on time"),
    ("cancelled_late", "Cancelled late"),
    ("no_show", "No-show"),
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


# The facts' outcomes as the report's codes (a session not over yet is none of them).
_OUTCOME_CODES = {
    Outcome.COMPLETED: "completed",
    Outcome.CANCELLED_ON_TIME: "cancelled_on_time",
    Outcome.CANCELLED_LATE: "cancelled_late",
    Outcome.NO_SHOW: "no_show",
}


def attendance(scope: Scope) -> dict:
    """Counts of each outcome, in all, by channel and by lead time: added up from the scope's
    session groups (one query, shared with the page's other sections)."""
    total = OutcomeCounts("All sessions")
    channels = {code: OutcomeCounts(str(label)) for code, label in Appointment.Channel.choices}
    leads = {code: OutcomeCounts(label) for code, label, _limit in LEAD_TIMES}
    for row in session_groups(scope):
        outcome = _OUTCOME_CODES.get(row["outcome"])
        counts = {outcome: row["n"]} if outcome else {}
        total.add(counts)
        channels[row["channel"]].add(counts)
        leads[LEAD_TIMES[row["lead_band"]][0]].add(counts)
    return {"total": total, "by_channel": list(channels.values()), "by_lead_time": list(leads.values())}


def rebooking(scope: Scope) -> dict:
    """Of the completed sessions of the scope: how many had the client's next session (same
    treatment) booked on the session's own local day, before they left, and how many have a next
    session (booked, checked in or completed) inside the course window. Added up from the
    scope's session groups (the facts hold both answers per session)."""
    figures = {"completed": 0, "same_day": 0, "in_window": 0}
    for row in session_groups(scope):
        if row["outcome"] == Outcome.COMPLETED:
            figures["completed"] += row["n"]
            figures["same_day"] += row["same_day"]
            figures["in_window"] += row["in_window"]
    completed = figures["completed"]
    figures["same_day_rate"] = round(100 * figures["same_day"] / completed, 1) if completed else None
    figures["in_window_rate"] = round(100 * figures["in_window"] / completed, 1) if completed else None
    return figures
