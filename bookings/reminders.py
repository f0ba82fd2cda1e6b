"""Planning the messages of an appointment: one function, called by the booking services inside
their transaction. (The messages work extends this: reminders, health-update requests, windows.)"""

from django.utils import timezone

from clinic.models import OutboundMessage
from clinic.outbox import outbox_cancel_pending, outbox_enqueue


def appointment_messages_plan(*, appointment, event: str) -> None:
    """Write, move or cancel the appointment's outbox rows for ``event``
    ("booked", "rescheduled", "cancelled", "completed")."""
    Kind = OutboundMessage.Kind
    if event == "booked":
        outbox_enqueue(
            kind=Kind.BOOKING_CONFIRMATION,
            recipient=appointment.client,
            due_at=timezone.now(),
            key=f"appointment:{appointment.pk}:{Kind.BOOKING_CONFIRMATION}",
            appointment_id=appointment.pk,
        )
    elif event == "cancelled":
        outbox_cancel_pending(appointment_id=appointment.pk)
