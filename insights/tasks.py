"""insights' tasks: the managers' weekly summary (``insights.summary``), run by beat every 15
minutes, which plans nothing until Monday 08:00 on the clinic's clock, and once a week; and the
session facts' refresh (``insights.facts``), every minute, so that a page seldom finds more than a
minute of changes to work in before it reads."""

from celery import shared_task


@shared_task(name="insights.weekly_summary", ignore_result=True)
def weekly_summary() -> int:
    from .summary import weekly_summary_plan

    return weekly_summary_plan()


@shared_task(name="insights.facts_refresh", ignore_result=True)
def facts_refresh() -> int:
    from .facts import facts_refresh as refresh

    return refresh()
