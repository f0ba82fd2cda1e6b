"""A stalled dispatcher is not silent (issue 10, item 12): /healthz reports how long the oldest
message ready to send has waited, answers 503 past OUTBOX_DELAY_ALERT_MINUTES (10), and managers
see "Messages are delayed" on every page."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.messages import BookingKind
from clinic.models import OutboundMessage
from clinic.tests.factories import ClientFactory, log_in

Status = OutboundMessage.Status
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _waiting(*, minutes: float, key: str, recipient=None, **fields) -> OutboundMessage:
    return OutboundMessage.objects.create(
        kind=BookingKind.BOOKING_CONFIRMATION,
        recipient=recipient or ClientFactory(),
        due_at=NOW - timedelta(minutes=minutes),
        idempotency_key=key,
        **fields,
    )


@pytest.mark.django_db
def test_healthz_names_a_stalled_dispatcher_and_answers_503(client):
    _waiting(minutes=14.5, key="old")
    _waiting(minutes=3, key="recent")

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["outbox"] == {
        "ok": False,
        "oldest_waiting_seconds": 870,
        "threshold_seconds": 600,
        "error": "Messages are delayed: the oldest has waited 14 minutes.",
    }
    assert body["database"]["ok"] and body["broker"]["ok"] and body["migrations"]["ok"]


@pytest.mark.django_db
def test_healthz_is_200_while_the_oldest_waits_less_than_the_threshold(client, settings):
    _waiting(minutes=9, key="a")
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["outbox"] == {"ok": True, "oldest_waiting_seconds": 540, "threshold_seconds": 600}

    settings.OUTBOX_DELAY_ALERT_MINUTES = 5
    assert client.get(reverse("healthz")).status_code == 503


@pytest.mark.django_db
def test_only_messages_waiting_for_a_dispatcher_count(client):
    # Waiting out its backoff after a failed attempt, due an hour ago: not the dispatcher's delay.
    _waiting(minutes=60, key="backoff", attempts=2, next_attempt_at=NOW + timedelta(minutes=4))
    _waiting(minutes=-30, key="future")  # due in half an hour
    _waiting(minutes=600, key="sent", status=Status.SENT, sent_at=NOW - timedelta(hours=9))
    _waiting(minutes=600, key="failed", status=Status.FAILED, attempts=5)
    # Claimed by a worker whose lease is still good.
    _waiting(minutes=30, key="sending", status=Status.SENDING, lease_expires_at=NOW + timedelta(seconds=60))
    body = client.get(reverse("healthz")).json()
    assert body["outbox"]["ok"] and body["outbox"]["oldest_waiting_seconds"] is None

    # Retry time passed 12 minutes ago; a dead worker's lease ran out 11 minutes ago.
    _waiting(minutes=90, key="retry", attempts=1, next_attempt_at=NOW - timedelta(minutes=12))
    _waiting(minutes=40, key="abandoned", status=Status.SENDING, lease_expires_at=NOW - timedelta(minutes=11))
    body = client.get(reverse("healthz")).json()
    assert body["outbox"]["oldest_waiting_seconds"] == 12 * 60
    assert body["outbox"]["error"] == "Messages are delayed: the oldest has waited 12 minutes."


def _page(client, user):
    log_in(client, user)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("dashboard")).content.decode()
    outbox_queries = [q["sql"] for q in queries.captured_queries if "clinic_outboundmessage" in q["sql"]]
    return html, outbox_queries


BANNER = "Messages are delayed: the oldest has waited 14 minutes."


@pytest.mark.django_db
def test_managers_see_the_delay_on_every_page_in_one_query_however_many_wait(client, manager, clinic_profile):
    _waiting(minutes=14, key="w0")
    html, outbox_queries = _page(client, manager)
    assert BANNER in html and reverse("message_log") in html
    assert len(outbox_queries) == 1

    for n in range(1, 50):
        _waiting(minutes=n % 10, key=f"w{n}")
    html, outbox_queries = _page(client, manager)
    assert BANNER in html and len(outbox_queries) == 1


@pytest.mark.django_db
def test_no_banner_when_messages_flow(client, manager, clinic_profile):
    _waiting(minutes=2, key="fresh")
    html, outbox_queries = _page(client, manager)
    assert "Messages are delayed" not in html and len(outbox_queries) == 1


@pytest.mark.django_db
def test_nobody_else_sees_it_or_pays_a_query_for_it(client, front_desk, practitioner, client_user, clinic_profile):
    _waiting(minutes=14, key="old")
    for user in (front_desk, practitioner, client_user):
        html, outbox_queries = _page(client, user)
        assert "Messages are delayed" not in html, user
        assert outbox_queries == [], user
