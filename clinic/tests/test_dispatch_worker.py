"""The dispatcher in real Celery worker processes, over real Redis and PostgreSQL (no eager mode):
the worker reads the test database, and writes each e-mail to a file that the test counts
(``worker_processes``; the ``workers`` fixture is in this folder's conftest)."""

import signal

import pytest

from clinic.models import OutboundMessage
from clinic.tests.worker_processes import due_messages, sends_per_message, sent_count, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

Status = OutboundMessage.Status


def test_a_thousand_due_messages_are_each_sent_exactly_once_by_concurrent_workers(workers):
    ids = due_messages(1000)
    workers(concurrency=2)
    workers(concurrency=2)
    # Several dispatcher runs at once, as when beat ticks while a run is going: they share the
    # rows through SKIP LOCKED and leases.
    for _ in range(6):
        workers.dispatch()
    wait_until(lambda: sent_count() == 1000, timeout=180, what="1,000 messages sent")
    sends = sends_per_message(workers.mail_dir)
    assert set(sends) == set(ids)
    assert set(sends.values()) == {1}, [pk for pk, n in sends.items() if n > 1]
    assert set(OutboundMessage.objects.values_list("status", "attempts")) == {(Status.SENT, 1)}


def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_at_most_the_message_in_flight(workers):
    ids = due_messages(300)
    env = {"OUTBOX_TEST_SEND_DELAY": "0.02", "OUTBOX_TEST_LEASE_SECONDS": "20", "OUTBOX_TEST_BATCH_SIZE": "100"}
    first = workers(concurrency=1, **env)
    workers.dispatch()
    wait_until(lambda: sent_count() >= 40, timeout=60, what="the first worker to be sending")
    first.kill(signal.SIGKILL)
    sent_before = sent_count()
    stranded = set(OutboundMessage.objects.filter(status=Status.SENDING).values_list("pk", flat=True))
    assert 0 < sent_before < 300
    assert stranded, "the killed worker held claimed rows"

    workers(concurrency=1, **env)
    # Beat's job, faster: keep starting dispatcher runs until the dead worker's lease runs out.
    wait_until(
        lambda: sent_count() == 300,
        timeout=120,
        kick=workers.dispatch,
        what="every message sent after the restart",
    )
    sends = sends_per_message(workers.mail_dir)
    assert set(sends) == set(ids), "nothing is lost"
    repeated = {pk for pk, n in sends.items() if n > 1}
    assert len(repeated) <= 1 and repeated <= stranded, repeated
    assert max(sends.values()) <= 2
