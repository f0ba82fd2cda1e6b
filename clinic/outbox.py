"""Writing to the outbox. Call these inside the transaction of the change that causes them.

The dispatcher (sending, retries, leases) lives beside this module; see issue 6.
"""

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction

from .models import OutboundMessage


def outbox_enqueue(
    *,
    kind: str,
    recipient,
    due_at: datetime,
    key: str,
    appointment_id: int | None = None,
    context: dict | None = None,
    essential: bool = True,
    channel: str | None = None,
) -> OutboundMessage:
    """Plan one message. Idempotent on ``key``: a second call with the same key returns the
    existing row, and moves its due time and context if it is still pending."""
    if due_at.tzinfo is None:
        raise ValueError("due_at must be an aware datetime")
    with transaction.atomic():
        message, created = OutboundMessage.objects.get_or_create(
            idempotency_key=key,
            defaults={
                "kind": kind,
                "recipient": recipient,
                "due_at": due_at,
                "appointment_id": appointment_id,
                "context": context or {},
                "essential": essential,
                "channel": channel or recipient.preferred_channel,
            },
        )
        if not created and message.status == OutboundMessage.Status.PENDING:
            message.due_at = due_at
            message.context = context or message.context
            message.save(update_fields=["due_at", "context", "updated_at"])
        return message


def outbox_cancel_pending(*, appointment_id: int, kinds: Iterable[str] | None = None) -> int:
    """Cancel the appointment's messages that have not gone out yet. Returns how many."""
    rows = OutboundMessage.objects.filter(appointment_id=appointment_id, status=OutboundMessage.Status.PENDING)
    if kinds is not None:
        rows = rows.filter(kind__in=list(kinds))
    return rows.update(status=OutboundMessage.Status.CANCELLED)
