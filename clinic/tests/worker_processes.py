"""Real processes for the dispatcher tests: `celery -A clinic worker` process groups that read the
test database (pytest-django's, which these tests commit to) and write each e-mail to a file the
test counts, and a private redis-server on a free port that a test may stop and restart (never the
shared one on 6379)."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone
from kombu import Connection

from bookings.messages import BookingKind
from clinic.models import OutboundMessage
from clinic.tests.factories import ClientFactory

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")
MESSAGE_HEADER = re.compile(rb"^X-Clinic-Message: (\d+)\r?$", re.MULTILINE)


class Worker:
    """A `celery -A clinic worker` process group on its own queue. ``env`` overrides the
    environment (``REDIS_URL`` for another broker, ``OUTBOX_TEST_*`` of dispatch_worker_settings)."""

    def __init__(self, *, mail_dir: Path, queue: str, concurrency: int, env: dict):
        self.queue = queue
        self.log = mail_dir.parent / f"worker-{uuid.uuid4().hex[:6]}.log"
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "clinic.tests.dispatch_worker_settings",
            # pytest-django's database, which the test commits to.
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

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:]

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
        else:
            # The main process is gone; its pool children may not be.
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def dispatch_via(broker_url: str, queue: str | None = None) -> None:
    """Queue one dispatcher run on the broker at ``broker_url`` (``queue``: the workers' queue,
    else the default one), as beat or a commit's kick does."""
    from clinic.tasks import outbox_dispatch

    options = {"queue": queue} if queue else {}
    with Connection(broker_url) as broker:
        outbox_dispatch.apply_async(connection=broker, **options)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A private, throw-away redis-server on a free port: nothing saved, nothing shared. A restart
    empties it, as a Redis restart without persistence does in production."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 (a fixed command line)
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self.answers, timeout=10, what=f"redis-server on port {self.port}")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """Stop it as `systemctl stop` does: SIGTERM, and wait for it to exit."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=10)

    def restart(self, *, down_for: float) -> None:
        self.stop()
        time.sleep(down_for)
        self.start()


def due_messages(count: int, *, key_prefix: str = "load") -> list[int]:
    """``count`` e-mails due now, to ten clients. Returns their ids."""
    people = [ClientFactory() for _ in range(10)]
    now = timezone.now()
    created = OutboundMessage.objects.bulk_create(
        OutboundMessage(
            kind=BookingKind.WAITLIST_OFFER,
            recipient=people[n % len(people)],
            due_at=now,
            idempotency_key=f"{key_prefix}:{n}",
            essential=True,
            context={
                "treatment_name": "Micro-needling",
                "offered_starts_at": (now + timedelta(days=30)).isoformat(),
                "offer_url": "/",
            },
        )
        for n in range(count)
    )
    return [message.pk for message in created]


def sends_per_message(mail_dir: Path) -> Counter:
    """How many times each outbox row was e-mailed, read from the files the workers wrote."""
    counts: Counter = Counter()
    for path in mail_dir.glob("*.log"):
        counts.update(int(found) for found in MESSAGE_HEADER.findall(path.read_bytes()))
    return counts


def wait_until(predicate, *, timeout: float, kick=None, every: float = 2.0, what: str = "") -> None:
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


def sent_count() -> int:
    return OutboundMessage.objects.filter(status=OutboundMessage.Status.SENT).count()
