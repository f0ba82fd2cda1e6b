"""Celery tasks of the core: thin, idempotent, ids in and a service call.

``outbox_dispatch`` runs every minute from beat (``CELERY_BEAT_SCHEDULE``) and is also kicked
right after a commit that wrote a message due now (``clinic.outbox``), so a booking confirmation
does not wait for the next minute. Running it twice at once is safe: rows are claimed with
SKIP LOCKED under a lease.

Acknowledged early (``acks_late=False``, also the project's default): the outbox is the source of
truth, so a dispatch lost with its worker is redone by the next tick, and a worker holds no
unacknowledged message that kombu would have to restore when Redis restarts.
"""

from celery import shared_task

from .dispatch import outbox_dispatch_due


@shared_task(name="clinic.outbox_dispatch", ignore_result=True, acks_late=False)
def outbox_dispatch() -> dict:
    return outbox_dispatch_due().as_dict()
