"""The sessions of a scope: the session facts (``insights.facts``) whose local day (at their
location) is in the period, cut by location, practitioner or room. The other selectors start here.

The facts are brought up to date first (``facts_fresh``): a report never reads a change it
cannot see, whoever calls it (the page, the weekly summary, a test, the shell)."""

from django.db.models import Count, Q, QuerySet

from ..facts import facts_fresh, report_memo
from ..models import SessionFact
from .scope import Scope


def sessions_in(scope: Scope) -> QuerySet[SessionFact]:
    facts_fresh()
    rows = SessionFact.objects.filter(local_day__gte=scope.first_day, local_day__lte=scope.last_day)
    return rows.filter(scope.fact_filter()).order_by()


def session_groups(scope: Scope) -> list[dict]:
    """The scope's sessions counted by local weekday and hour, channel, lead time, outcome and gap
    since the course's previous session, with how many
    of each group were rebooked the same day or inside the window and came early or late: one
    query, from which attendance, rebooking, the heat map and the spacing are all added up. Made
    once for a page (``report_memo``), whichever section asks first."""
    memo = report_memo()
    key = ("session_groups", scope)
    if memo is not None and key in memo:
        return memo[key]
    rows = list(
        sessions_in(scope)
        .values("iso_weekday", "local_hour", "channel", "lead_band", "outcome", "gap_days")
        .annotate(
            n=Count("pk"),
            same_day=Count("pk", filter=Q(rebooked_same_day=True)),
            in_window=Count("pk", filter=Q(rebooked_in_window=True)),
            early=Count("pk", filter=Q(gap_early=True)),
            late=Count("pk", filter=Q(gap_late=True)),
        )
    )
    if memo is not None:
        memo[key] = rows
    return rows
