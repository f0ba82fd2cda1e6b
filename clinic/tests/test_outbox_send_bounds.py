"""Every send is bounded well inside the dispatcher's lease (issue 10, item 10): a mail server or
an SMS gateway that stops answering fails the attempt, which is retried later, instead of holding
the row until the lease runs out and another dispatcher sends it again."""

import socket
import threading
import time
from datetime import timedelta

import pytest
import time_machine
from django.db import connections
from django.utils import timezone

from bookings.messages import BookingKind
from clinic.dispatch import outbox_claim_due, outbox_deliver_claimed, outbox_dispatch_due
from clinic.models import OutboundMessage
from clinic.outbox import outbox_enqueue
from clinic.outbox_checks import outbox_send_bounded_by_lease
from clinic.sms import BaseSMSBackend
from clinic.tests.factories import ClientFactory
from clinic.tests.smtp_server import TinySMTPServer

Status = OutboundMessage.Status


@pytest.fixture
def smtp_server(settings):
    server = TinySMTPServer(mode="silent")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    yield server
    server.close()  # also frees a send still waiting on it


def _offer(recipient, key="offer"):
    return outbox_enqueue(
        kind=BookingKind.WAITLIST_OFFER,
        recipient=recipient,
        due_at=timezone.now(),
        key=key,
        context={
            "treatment_name": "Micro-needling",
            "offered_starts_at": timezone.now() + timedelta(days=30),
            "offer_url": "/",
        },
    )


def _in_thread(work, *, wait: float) -> tuple[bool, float, list]:
    """Run ``work()`` in another thread, as a worker would, for at most ``wait`` seconds (a send
    that hangs must fail the test, not hang it): (finished, seconds, [its result])."""
    result = []

    def run():
        try:
            result.append(work())
        finally:
            connections.close_all()

    started = time.monotonic()
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=wait)
    return not worker.is_alive(), time.monotonic() - started, result


def _dispatch_in_thread(*, wait: float) -> tuple[bool, float]:
    finished, seconds, _ = _in_thread(lambda: outbox_dispatch_due(seconds=0), wait=wait)
    return finished, seconds


@pytest.mark.django_db(transaction=True)
def test_a_mail_server_that_never_answers_fails_the_attempt_within_the_bound_and_the_row_is_sent_once_later(
    smtp_server, settings
):
    settings.OUTBOX_SEND_TIMEOUT_SECONDS = 1
    message = _offer(ClientFactory())

    finished, seconds = _dispatch_in_thread(wait=30)

    assert finished, "the send is still waiting on a server that does not answer"
    # The 1 s timeout, plus composing the message on a busy machine: far inside any lease.
    assert seconds < 10, seconds
    assert smtp_server.connections == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, message.sent_at) == (Status.PENDING, 1, None)
    assert "timed out" in message.last_error
    assert message.next_attempt_at > timezone.now()
    # Nobody sends it meanwhile: it waits for its retry time.
    assert outbox_dispatch_due(seconds=0).claimed == 0

    smtp_server.mode = "answering"
    with time_machine.travel(message.next_attempt_at + timedelta(seconds=1)):
        report = outbox_dispatch_due(seconds=0)
    message.refresh_from_db()
    assert (report.sent, message.status, message.attempts) == (1, Status.SENT, 2)
    assert len(smtp_server.received) == 1
    assert f"X-Clinic-Message: {message.pk}".encode() in smtp_server.received[0]


@pytest.mark.django_db(transaction=True)
def test_after_a_hung_send_the_next_message_of_the_batch_gets_a_new_session(smtp_server, settings):
    settings.OUTBOX_SEND_TIMEOUT_SECONDS = 1
    smtp_server.mode, smtp_server.silent_first = "answering", 1
    first, second = _offer(ClientFactory(), key="first"), _offer(ClientFactory(), key="second")
    token, ids = outbox_claim_due()

    finished, _, result = _in_thread(lambda: outbox_deliver_claimed(token=token, ids=ids), wait=30)

    assert finished, "the batch is still waiting on a server that does not answer"
    [report] = result
    first.refresh_from_db()
    second.refresh_from_db()
    assert (report.retried, report.sent) == (1, 1)
    assert (first.status, second.status) == (Status.PENDING, Status.SENT)
    assert smtp_server.connections == 2
    assert len(smtp_server.received) == 1


class _SilentGatewaySMSBackend(BaseSMSBackend):
    """A gateway client as the interface asks: every request gives up after ``self.timeout``.
    The gateway (a socket that never answers) is at ``GATEWAY``."""

    GATEWAY: tuple[str, int] = ("127.0.0.1", 0)

    def send_messages(self, messages):
        with socket.create_connection(self.GATEWAY, timeout=self.timeout) as gateway:
            gateway.sendall(b"POST /texts HTTP/1.1\r\nHost: gateway\r\nContent-Length: 0\r\n\r\n")
            gateway.recv(1024)
        return len(messages)


@pytest.mark.django_db(transaction=True)
def test_a_text_gateway_that_never_answers_fails_the_attempt_within_the_bound(settings):
    gateway = TinySMTPServer(mode="silent")  # any socket that accepts and never answers
    try:
        _SilentGatewaySMSBackend.GATEWAY = ("127.0.0.1", gateway.port)
        settings.SMS_BACKEND = "clinic.tests.test_outbox_send_bounds._SilentGatewaySMSBackend"
        settings.OUTBOX_SEND_TIMEOUT_SECONDS = 1
        message = _offer(ClientFactory(preferred_channel="sms", phone="+44 7700 900123"))

        finished, seconds = _dispatch_in_thread(wait=30)
    finally:
        gateway.close()
    assert finished and seconds < 10, seconds
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.PENDING, 1)
    assert "timed out" in message.last_error


def test_a_dispatcher_keeps_two_send_timeouts_of_its_lease_in_hand(db, settings):
    settings.OUTBOX_SEND_TIMEOUT_SECONDS = 30
    _offer(ClientFactory())
    token, ids = outbox_claim_due(lease_seconds=50)  # 50 s left: less than 2 x 30 s
    report = outbox_deliver_claimed(token=token, ids=ids)
    assert (report.released, report.sent) == (1, 0)
    assert OutboundMessage.objects.get().status == Status.PENDING


def test_the_settings_bound_every_send_well_inside_the_lease(settings):
    assert outbox_send_bounded_by_lease() == []
    assert settings.EMAIL_TIMEOUT == settings.OUTBOX_SEND_TIMEOUT_SECONDS
    assert 4 * settings.OUTBOX_SEND_TIMEOUT_SECONDS <= settings.OUTBOX_LEASE_SECONDS

    settings.OUTBOX_SEND_TIMEOUT_SECONDS = 45
    assert [error.id for error in outbox_send_bounded_by_lease()] == ["clinic.E102"]
    settings.OUTBOX_LEASE_SECONDS = 300
    assert outbox_send_bounded_by_lease() == []
    settings.OUTBOX_SEND_TIMEOUT_SECONDS = None
    assert [error.id for error in outbox_send_bounded_by_lease()] == ["clinic.E101"]
    settings.OUTBOX_SEND_TIMEOUT_SECONDS = 15
    settings.EMAIL_TIMEOUT = None
    assert [error.id for error in outbox_send_bounded_by_lease()] == ["clinic.E103"]
