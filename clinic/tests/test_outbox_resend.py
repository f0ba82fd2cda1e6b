""" "Send again": one copy on its way at a time, whoever clicks how often; the database holds it."""

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from clinic.dispatch import outbox_dispatch_due
from clinic.models import AuditEntry, OutboundMessage
from clinic.tests.factories import log_in
from clinic.tests.test_outbox_log import _offer

pytestmark = pytest.mark.django_db

Status = OutboundMessage.Status


def test_25_clicks_on_send_again_queue_one_copy_and_say_a_copy_is_on_its_way(
    client, front_desk, client_user, clinic_profile
):
    failed = _offer(client_user, "a", status=Status.FAILED, attempts=5, last_error="timeout")
    log_in(client, front_desk)

    first = client.post(reverse("message_resend", args=[failed.pk]), follow=True).content.decode()
    assert "will be sent again" in first
    for _ in range(24):
        page = client.post(reverse("message_resend", args=[failed.pk]), follow=True).content.decode()
        assert "A copy is already on its way." in page
        assert "will be sent again" not in page

    assert OutboundMessage.objects.filter(resend_of=failed).count() == 1
    assert AuditEntry.objects.filter(action="message_resend").count() == 1
    outbox_dispatch_due()
    assert len(mail.outbox) == 1

    # Once that copy has gone, the desk may send it again.
    client.post(reverse("message_resend", args=[failed.pk]))
    assert OutboundMessage.objects.filter(resend_of=failed, status=Status.PENDING).count() == 1


def test_the_database_refuses_a_second_copy_on_its_way(client_user):
    """Whatever writes it (a shell, a script, a service without the check): one copy pending or
    being sent per message."""
    sent = _offer(client_user, "a", status=Status.SENT, sent_at=timezone.now())

    def copy(n, status=Status.PENDING):
        return OutboundMessage.objects.create(
            kind=sent.kind,
            recipient=client_user,
            due_at=timezone.now(),
            idempotency_key=f"resend:{sent.pk}:{n}",
            resend_of=sent,
            status=status,
            lease_expires_at=timezone.now() if status == Status.SENDING else None,
            sent_at=timezone.now() if status == Status.SENT else None,
        )

    first = copy(1, status=Status.SENDING)
    with pytest.raises(IntegrityError), transaction.atomic():
        copy(2)
    OutboundMessage.objects.filter(pk=first.pk).update(status=Status.SENT, sent_at=timezone.now())
    copy(3)  # the first copy went out: a new one may be on its way
    copy(4, status=Status.SENT)  # copies that went out are history, as many as there were
    assert OutboundMessage.objects.filter(resend_of=sent).count() == 3
