"""A Redis restart in the middle of a dispatch, against a real worker (issue 10, item 9).

The test starts its own redis-server on a free port, a real `celery -A clinic worker` (prefork,
two processes, as in production) that uses it as its broker, and restarts that Redis while the
worker is sending. With late acknowledgement the worker's main process died there ("Unrecoverable
error: AttributeError(\"'NoneType' object has no attribute 'hostname'\")", kombu restoring the
unacknowledged dispatch on a connection it had torn down) and nothing more was sent. Now every
message is sent once, and the worker is still alive and consuming: a dispatch queued on the
restarted Redis is processed.
"""

import pytest

from clinic.models import OutboundMessage
from clinic.tests.worker_processes import due_messages, sends_per_message, sent_count, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

Status = OutboundMessage.Status


@pytest.mark.parametrize(
    ("dispatches", "count"),
    [
        pytest.param(1, 60, id="one-dispatch-running"),
        # Two runs busy and a third queued, as when beat ticks during long runs: the worker must
        # not be holding the third, unacknowledged, when Redis goes away.
        pytest.param(3, 250, id="worker-saturated"),
    ],
)
def test_a_redis_restart_during_a_dispatch_loses_nothing_and_the_worker_goes_on_consuming(
    workers, redis_server, dispatches, count
):
    ids = due_messages(count)
    worker = workers(concurrency=2, OUTBOX_TEST_SEND_DELAY="0.1")  # its broker: redis_server
    for _ in range(dispatches):
        workers.dispatch()
    wait_until(lambda: sent_count() >= 15, timeout=60, what="the worker to be sending")

    redis_server.restart(down_for=2.0)
    assert sent_count() < count, "Redis restarted in the middle of the dispatch"

    wait_until(lambda: sent_count() == count, timeout=120, what="every message sent")
    # Still consuming: a message written after the restart goes out through a dispatch that only
    # the restarted Redis carries (its queue was emptied by the restart).
    [late] = due_messages(1, key_prefix="after-restart")
    wait_until(
        lambda: OutboundMessage.objects.filter(pk=late, status=Status.SENT).exists(),
        timeout=60,
        kick=workers.dispatch,
        every=5.0,
        what="a dispatch queued after the restart to be processed",
    )
    assert worker.alive(), worker.log_tail()
    assert "Unrecoverable error" not in worker.log_tail(200_000)
    sends = sends_per_message(workers.mail_dir)
    assert set(sends) == {*ids, late}
    assert set(sends.values()) == {1}, "each message went out once"
