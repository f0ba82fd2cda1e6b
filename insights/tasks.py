"""insights' one task: the managers' weekly summary (``insights.summary``), run by beat every 15
minutes; it plans nothing until Monday 08:00 on the clinic's clock, and once a week."""

from celery import shared_task


@shared_task(name="insights.weekly_summary", ignore_result=True)
def weekly_summary() -> int:
    from .summary import weekly_summary_plan

    return weekly_summary_plan()
