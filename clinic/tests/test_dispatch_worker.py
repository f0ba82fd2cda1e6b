"""The dispatcher in real Celery worker processes, over real Redis and PostgreSQL (no eager mode):
the worker reads the test database, and writes each e-mail to a file that the test counts."""

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from clinic.models import OutboundMessage
from clinic.tasks import outbox_dispatch
from clinic.tests.factories import ClientFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")
MESSAGE_HEADER = re.compile(rb"^X-Clinic-Message: (\d+)\r?$", re.MULTILINE)
Status = OutboundMessage.Status


class Worker:
    """A `celery -A clinic worker` process group on its own queue."""

    def __init__(self, *, mail_dir: Path, queue: str, concurrency: int, env: dict):
        self.queue = queue
        self.log = mail_dir.parent / f"worker-{uuid.uuid4().hex[:6]}.log"
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "clinic.tests.dispatch_worker_settings",
            # pytest-django's database, which this test commits to.
            "DATABASE_URL": f"postgres:///{connection.settings_dict['NAME']}",
            "REDIS_URL": settings.REDIS_URL,
            "OUTBOX_TEST_MAIL_DIR": str(mail_dir),
            **env,
        }
        command = [
            str(CELERY),
            "-A",
            "clinic",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            str(concurrency),
            "--queues",
            queue,
            "--hostname",
            f"{queue}-{uuid.uuid4().hex[:6]}@%h",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
        ]
        self.process = subprocess.Popen(  # noqa: S603 (our own command line)
            command,
            cwd=ROOT,
            env=environment,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self, sig=signal.SIGKILL) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def workers(tmp_path):
    started: list[Worker] = []
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    queue = f"outbox-test-{uuid.uuid4().hex[:8]}"

    def start(*, concurrency: int = 2, **env) -> Worker:
        worker = Worker(mail_dir=mail_dir, queue=queue, concurrency=concurrency, env=env)
        started.append(worker)
        return worker

    start.mail_dir = mail_dir
    start.queue = queue
    yield start
    for worker in started:
        worker.stop()


def _due_messages(count: int) -> list[int]:
    people = [ClientFactory() for _ in range(10)]
    now = timezone.now()
    OutboundMessage.objects.bulk_create(
        OutboundMessage(
            kind=OutboundMessage.Kind.WAITLIST_OFFER,
            recipient=people[n % len(people)],
            due_at=now,
            idempotency_key=f"load:{n}",
            essential=True,
            context={"treatment_name": "Micro-needling", "offered_starts_at": now.isoformat(), "offer_url": "/"},
        )
        for n in range(count)
    )
    return list(OutboundMessage.objects.order_by("pk").values_list("pk", flat=True))


def _sends(mail_dir: Path) -> Counter:
    """How many times each outbox row was e-mailed, read from the files the workers wrote."""
    counts: Counter = Counter()
    for path in mail_dir.glob("*.log"):
        counts.update(int(found) for found in MESSAGE_HEADER.findall(path.read_bytes()))
    return counts


def _wait_until(predicate, *, timeout: float, kick=None, every: float = 2.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    next_kick = 0.0
    while time.monotonic() < deadline:
        if predicate():
            return
        if kick and time.monotonic() >= next_kick:
            kick()
            next_kick = time.monotonic() + every
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _sent_count() -> int:
    return OutboundMessage.objects.filter(status=Status.SENT).count()


def test_a_thousand_due_messages_are_each_sent_exactly_once_by_concurrent_workers(workers):
    ids = _due_messages(1000)
    workers(concurrency=2)
    workers(concurrency=2)
    # Several dispatcher runs at once, as when beat ticks while a run is going: they share the
    # rows through SKIP LOCKED and leases.
    for _ in range(6):
        outbox_dispatch.apply_async(queue=workers.queue)
    _wait_until(lambda: _sent_count() == 1000, timeout=180, what="1,000 messages sent")
    sends = _sends(workers.mail_dir)
    assert set(sends) == set(ids)
    assert set(sends.values()) == {1}, [pk for pk, n in sends.items() if n > 1]
    assert set(OutboundMessage.objects.values_list("status", "attempts")) == {(Status.SENT, 1)}


def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_at_most_the_message_in_flight(workers):
    ids = _due_messages(300)
    env = {"OUTBOX_TEST_SEND_DELAY": "0.02", "OUTBOX_TEST_LEASE_SECONDS": "20", "OUTBOX_TEST_BATCH_SIZE": "100"}
    first = workers(concurrency=1, **env)
    outbox_dispatch.apply_async(queue=workers.queue)
    _wait_until(lambda: _sent_count() >= 40, timeout=60, what="the first worker to be sending")
    first.kill(signal.SIGKILL)
    sent_before = _sent_count()
    stranded = set(OutboundMessage.objects.filter(status=Status.SENDING).values_list("pk", flat=True))
    assert 0 < sent_before < 300
    assert stranded, "the killed worker held claimed rows"

    workers(concurrency=1, **env)
    # Beat's job, faster: keep starting dispatcher runs until the dead worker's lease runs out.
    _wait_until(
        lambda: _sent_count() == 300,
        timeout=120,
        kick=lambda: outbox_dispatch.apply_async(queue=workers.queue),
        what="every message sent after the restart",
    )
    sends = _sends(workers.mail_dir)
    assert set(sends) == set(ids), "nothing is lost"
    repeated = {pk for pk, n in sends.items() if n > 1}
    assert len(repeated) <= 1 and repeated <= stranded, repeated
    assert max(sends.values()) <= 2
