"""The managers' weekly summary: last week's headline figures and the call list's length, e-mailed
on Monday at 08:00 on each manager's local clock (their home location's) through the outbox.

Beat runs the task every 15 minutes (in UTC); the task plans a manager's summary only once Monday
08:00 has come in their zone, so the clock changes move nothing. One per manager per week: the
outbox key holds the ISO week, so a task that runs twice (or on two workers) plans it once.
"""

from datetime import date, datetime, time, timedelta

from django.urls import reverse
from django.utils import timezone

from clinic.composing import absolute_url
from clinic.dates import date_label
from clinic.locations import location_tz
from clinic.models import User
from clinic.outbox import PlannedMessage, outbox_enqueue_many
from clinic.roles import Role

from .messages import WEEKLY_SUMMARY
from .selectors.attendance import attendance, rebooking
from .selectors.call_list import call_list_count
from .selectors.clinical import clinical_flow
from .selectors.courses import lapsed_courses
from .selectors.scope import Scope, report_queries
from .selectors.utilisation import practitioner_utilisation

SEND_AT = time(8, 0)


def _figures(scope: Scope) -> dict:
    with report_queries():  # as the page reads them: the facts refreshed once
        outcomes = attendance(scope)["total"].counts
        practitioners = practitioner_utilisation(scope)
        booked = sum(row.booked_minutes for row in practitioners)
        working = sum(row.available_minutes for row in practitioners)
        return {
            **outcomes,
            "utilisation": round(100 * booked / working, 1) if working else None,
            "same_day_rate": rebooking(scope)["same_day_rate"],
            "lapsed": lapsed_courses(scope, limit=0)["count"],
            "waiting": clinical_flow(scope)["queue"]["waiting"],
            "call_list_count": call_list_count(),
        }


def _due(manager, now: datetime) -> tuple[date, datetime] | None:
    """This week's Monday and 08:00 on it, on the clock of the manager's home location (the
    clinic's first location for a manager without one); None before then."""
    tz = location_tz(manager.home_location_id)
    today = now.astimezone(tz).date()
    monday = today - timedelta(days=today.weekday())
    due_at = datetime.combine(monday, SEND_AT, tzinfo=tz)
    return (monday, due_at) if now >= due_at else None


def _context(monday: date) -> dict:
    scope = Scope(monday - timedelta(days=7), monday - timedelta(days=1))
    return {
        **_figures(scope),
        "week_label": f"{date_label(scope.first_day)} – {date_label(scope.last_day)}",
        "insights_url": absolute_url(reverse("insights:page")),
    }


def weekly_summary_plan(now: datetime | None = None) -> int:
    """Plan this week's summary for every active manager once Monday 08:00 has come on their
    home location's clock, due then. Returns how many new rows were planned (0 before Monday
    08:00, and on every later run of the same week)."""
    from clinic.models import OutboundMessage

    now = now or timezone.now()
    managers = User.objects.filter(groups__name=Role.MANAGER.value, is_active=True).order_by("pk")
    due = {m: when for m in managers if (when := _due(m, now)) is not None}
    if not due:
        return 0
    keys = {}
    for manager, (monday, _at) in due.items():
        year, week, _day = monday.isocalendar()
        keys[manager.pk] = f"insights_weekly:{year}-W{week:02d}:{manager.pk}"
    known = set(
        OutboundMessage.objects.filter(idempotency_key__in=keys.values()).values_list("idempotency_key", flat=True)
    )
    contexts: dict[date, dict] = {}  # one set of figures per Monday (two at most, across the zones)
    planned = []
    for manager, (monday, due_at) in due.items():
        if keys[manager.pk] in known:
            continue
        if monday not in contexts:
            contexts[monday] = _context(monday)
        planned.append(
            PlannedMessage(
                kind=WEEKLY_SUMMARY,
                recipient=manager,
                due_at=due_at,
                key=keys[manager.pk],
                context=contexts[monday],
                channel="email",
            )
        )
    outbox_enqueue_many(planned)
    return len(planned)
