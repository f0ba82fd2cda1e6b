"""Thin Celery tasks: ids in, one service call."""

from celery import shared_task


# Acknowledged early like every task here (clinic/settings/base.py): a render lost with its worker is
# done when the e-mail is sent or the PDF downloaded.
@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def aftercare_pdf_render_task(plan_id: int) -> None:
    """Render a plan's PDF and plan its e-mail (idempotent: a second run does nothing)."""
    from .services import aftercare_pdf_render

    aftercare_pdf_render(plan_id=plan_id)
