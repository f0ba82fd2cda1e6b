"""The badges beside a session on the desk's schedules and pages: the client's clearance and their
health update, each a (words, tone) pair (kept apart from ``desk`` for size)."""

from ..models import Appointment

CLEARANCE_BADGES = {
    "cleared": ("Cleared", "ok"),
    "expired": ("Clearance expired", "bad"),
    "health_review": ("Health review", "warn"),
    "pending": ("Review pending", "warn"),
    "no_intake": ("No consultation", "bad"),
    "declined": ("Declined", "bad"),
    "deferred": ("Deferred", "bad"),
    "area_not_cleared": ("Area not cleared", "bad"),
}
HEALTH_BADGES = {
    "not_due": ("Health update not due yet", "info"),
    "ok": ("Health update in", "ok"),
    "missing": ("Health update due", "warn"),
    "needs_review": ("Health change", "bad"),
}

SCHEDULE_HEALTH_CODES = ("ok", "missing", "needs_review")  # "not due" would only clutter a schedule


def badges(item) -> list[tuple[str, str]]:
    found = []
    if item.clearance is not None:
        found.append(CLEARANCE_BADGES.get(item.clearance.code, (item.clearance.code, "info")))
    # The health update matters until the client is in the chair, not afterwards.
    waiting = item.appointment.status in (Appointment.Status.BOOKED, Appointment.Status.CHECKED_IN)
    if waiting and item.health_update is not None and item.health_update.code in SCHEDULE_HEALTH_CODES:
        found.append(HEALTH_BADGES[item.health_update.code])
    return found
