"""The managers' weekly summary: last week's headline figures and the call list's length, e-mailed
on Monday at 08:00 on the clinic's clock through the outbox.

Beat runs the task every 15 minutes (in UTC); the task plans the summary only once Monday 08:00
has come in the clinic's zone, so the clock changes move nothing. One per manager per week: the
outbox key holds the ISO week, so a task that runs twice (or on two workers) plans it once.
"""

from datetime import datetime, time, timedelta

from django.urls import reverse
from django.utils import timezone

from clinic.clock import clinic_today
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
from .selectors.scope import Scope
from .selectors.utilisation import practitioner_utilisation

SEND_AT = time(8, 0)


def _figures(scope: Scope) -> dict:
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


def weekly_summary_plan(now: datetime | None = None) -> int:
    """Plan this week's summary for every active manager once Monday 08:00 (clinic time) has
    come, due then. Returns how many new rows were planned (0 before Monday 08:00, and on every
    later run of the same week)."""
    now = now or timezone.now()
    tz = location_tz(None)
    today = clinic_today()
    monday = today - timedelta(days=today.weekday())
    due_at = datetime.combine(monday, SEND_AT, tzinfo=tz)
    if now < due_at:
        return 0
    year, week, _day = monday.isocalendar()
    managers = list(User.objects.filter(groups__name=Role.MANAGER.value, is_active=True).order_by("pk"))
    if not managers:
        return 0
    scope = Scope(monday - timedelta(days=7), monday - timedelta(days=1))
    context = {
        **_figures(scope),
        "week_label": f"{date_label(scope.first_day)} – {date_label(scope.last_day)}",
        "insights_url": absolute_url(reverse("insights:page")),
    }
    keys = {manager.pk: f"insights_weekly:{year}-W{week:02d}:{manager.pk}" for manager in managers}
    from clinic.models import OutboundMessage

    known = set(
        OutboundMessage.objects.filter(idempotency_key__in=keys.values()).values_list("idempotency_key", flat=True)
    )
    planned = [
        PlannedMessage(
            kind=WEEKLY_SUMMARY, recipient=m, due_at=due_at, key=keys[m.pk], context=context, channel="email"
        )
        for m in managers
        if keys[m.pk] not in known
    ]
    outbox_enqueue_many(planned)
    return len(planned)
