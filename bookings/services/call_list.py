"""The front desk's call list reminder: one message to a client whose course window is about to
close with nothing booked, or whose clearance is about to end. Once per course or clearance: the
outbox's unique idempotency key holds that, so a second click (or two desks at once) never sends
a second copy. The call list itself is read by ``insights.selectors.call_list``."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from clinic.audit import audit_record
from clinic.dates import datetime_label
from clinic.models import OutboundMessage
from clinic.outbox import outbox_enqueue
from consultations.models import Clearance

from ..messages import BookingKind
from ..models import Course

# insights.selectors.call_list reads these keys to show "reminder sent".
KEYS = {"course": "call_list:course:{pk}", "clearance": "call_list:clearance:{pk}"}


def _subject(about: str, pk):
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = None
    if about == "course" and pk is not None:
        course = Course.objects.select_related("client", "treatment").filter(pk=pk).first()
        if course is not None:
            context = {"about": "course", "treatment_name": course.treatment.name, "book_url": reverse("book_start")}
            return course, course.client, context
    if about == "clearance" and pk is not None:
        clearance = Clearance.objects.select_related("client").filter(pk=pk).first()
        if clearance is not None:
            context = {
                "about": "clearance",
                "valid_until": clearance.valid_until.isoformat(),
                "consultation_url": reverse("consultations:home"),
            }
            return clearance, clearance.client, context
    raise ValidationError("That client is not on the call list any more.")


def call_list_reminder_send(*, about: str, pk, sent_by, request=None) -> str:
    """Plan the reminder now, with an audit entry; returns what happened, in words for the desk.
    Raises ``ValidationError`` for an unknown course or clearance, and when this reminder was sent
    already (saying when)."""
    subject, client, context = _subject(about, pk)
    key = KEYS[about].format(pk=subject.pk)
    name = client.get_full_name() or client.email
    with transaction.atomic():
        earlier = OutboundMessage.objects.filter(idempotency_key=key).first()
        if earlier is not None:
            raise ValidationError(
                f"The reminder to {name} was already sent ({datetime_label(earlier.created_at)}); it goes once."
            )
        message = outbox_enqueue(
            kind=BookingKind.CALL_LIST_REMINDER, recipient=client, due_at=timezone.now(), key=key, context=context
        )
        audit_record(
            actor=sent_by,
            action="call_list.reminder",
            target=message,
            request=request,
            subject=client,
            details={"about": about, "id": subject.pk},
        )
    return f"Reminder to {name} is on its way."
