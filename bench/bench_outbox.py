"""The outbox dispatcher: messages sent per minute by two real Celery worker processes (the
in-memory e-mail backend, so the figure is the dispatcher's own cost: claim, compose from the
templates, send, mark sent), and the lag between a message's due time and its sending.

- throughput: 3,000 messages due at once, two worker processes each running the dispatcher;
  rate = messages / (last sent_at - first sent_at).
- lag, kicked: 200 messages due "now", each written in its own transaction through
  ``outbox_enqueue`` (as a booking writes its confirmation); the commit kicks the dispatcher.
- lag, scheduled: messages due later are picked up by the beat tick (every 60 s), so their lag is
  at most a minute plus the queue ahead of them; not measured here (it would take minutes).
- single process: the same work in this process, without Celery, for comparison.

Run: ``DATABASE_URL=postgres:///clinic_bench_c REDIS_URL=redis://127.0.0.1:6379/3 .venv/bin/python -m bench outbox``.
"""

import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

THROUGHPUT_MESSAGES = 3000
LAG_MESSAGES = 200
SINGLE_PROCESS_MESSAGES = 1000
ROOT = Path(__file__).resolve().parent.parent


def _people(count: int):
    from clinic.tests.factories import ClientFactory

    return [ClientFactory() for _ in range(count)]


def _bulk_due(count: int, people, tag: str) -> None:
    from django.utils import timezone

    from bookings.messages import BookingKind
    from clinic.models import OutboundMessage

    now = timezone.now()
    OutboundMessage.objects.bulk_create(
        [
            OutboundMessage(
                kind=BookingKind.WAITLIST_OFFER,
                recipient=people[n % len(people)],
                due_at=now,
                idempotency_key=f"bench:{tag}:{n}",
                context={
                    "treatment_name": "Micro-needling",
                    # A time ahead: an offer for a time that has passed is skipped, not sent.
                    "offered_starts_at": (now + timedelta(days=30)).isoformat(),
                    "offer_url": "/bookings/book/",
                },
            )
            for n in range(count)
        ],
        batch_size=1000,
    )


def _start_workers(queue: str, count: int) -> list[subprocess.Popen]:
    from django.conf import settings
    from django.db import connection

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "clinic.settings.test",
        "DATABASE_URL": f"postgres:///{connection.settings_dict['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
    }
    celery = str(Path(sys.executable).with_name("celery"))
    return [
        subprocess.Popen(  # noqa: S603 (our own command line)
            [
                celery,
                "-A",
                "clinic",
                "worker",
                "--pool",
                "solo",
                "--queues",
                queue,
                "--hostname",
                f"{queue}-{n}@%h",
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for n in range(count)
    ]


def _stop(workers) -> None:
    for worker in workers:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)


def _wait_sent(pattern: str, count: int, timeout: float) -> None:
    from clinic.models import OutboundMessage

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = OutboundMessage.objects.filter(idempotency_key__startswith=pattern, status="sent").count()
        if done >= count:
            return
        time.sleep(0.25)
    raise RuntimeError(f"only {done} of {count} {pattern} messages sent in {timeout} s")


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def run() -> list[dict]:
    from django.db import transaction
    from django.db.models import Max, Min
    from django.utils import timezone

    from bookings.messages import BookingKind
    from clinic.celery import app
    from clinic.dispatch import outbox_dispatch_due
    from clinic.models import ClinicProfile, OutboundMessage
    from clinic.outbox import outbox_enqueue
    from clinic.tasks import outbox_dispatch

    ClinicProfile.get()
    people = _people(50)
    rows = []

    # In this process first (no Celery): the floor of what one worker can do.
    _bulk_due(SINGLE_PROCESS_MESSAGES, people, "single")
    started = time.perf_counter()
    outbox_dispatch_due(seconds=600)
    single_rate = SINGLE_PROCESS_MESSAGES / (time.perf_counter() - started) * 60
    rows.append({"name": "sent per minute, 1 process, no Celery", "value": round(single_rate), "unit": "msg/min"})

    queue = f"bench-outbox-{uuid.uuid4().hex[:8]}"
    app.conf.task_default_queue = queue  # the kicks at commit go to our workers only
    workers = _start_workers(queue, 2)
    try:
        _bulk_due(THROUGHPUT_MESSAGES, people, "load")
        for _ in range(2):
            outbox_dispatch.apply_async(queue=queue)
        _wait_sent("bench:load:", THROUGHPUT_MESSAGES, timeout=600)
        span = OutboundMessage.objects.filter(idempotency_key__startswith="bench:load:").aggregate(
            first=Min("sent_at"), last=Max("sent_at")
        )
        seconds = (span["last"] - span["first"]).total_seconds()
        rate = (THROUGHPUT_MESSAGES - 1) / seconds * 60
        rows.append(
            {
                "name": "sent per minute, 2 Celery workers",
                "value": round(rate),
                "unit": "msg/min",
                "target": ">= 2000",
                "ok": rate >= 2000,
            }
        )
        duplicates = OutboundMessage.objects.filter(idempotency_key__startswith="bench:load:", attempts__gt=1).count()
        rows.append(
            {
                "name": "messages claimed more than once",
                "value": duplicates,
                "unit": "msg",
                "target": "0",
                "ok": duplicates == 0,
            }
        )

        for n in range(LAG_MESSAGES):
            with transaction.atomic():
                outbox_enqueue(
                    kind=BookingKind.WAITLIST_OFFER,
                    recipient=people[n % len(people)],
                    due_at=timezone.now(),
                    key=f"bench:lag:{n}",
                    context={
                        "treatment_name": "Micro-needling",
                        "offered_starts_at": (timezone.now() + timedelta(days=30)).isoformat(),
                    },
                )
            time.sleep(0.02)
        _wait_sent("bench:lag:", LAG_MESSAGES, timeout=120)
        lags = [
            (sent - due).total_seconds() * 1000
            for due, sent in OutboundMessage.objects.filter(idempotency_key__startswith="bench:lag:").values_list(
                "due_at", "sent_at"
            )
        ]
        rows.append(
            {"name": "lag due -> sent, kicked at commit, p50", "value": round(statistics.median(lags), 1), "unit": "ms"}
        )
        rows.append(
            {
                "name": "lag due -> sent, kicked at commit, p95",
                "value": round(_percentile(lags, 0.95), 1),
                "unit": "ms",
                "target": "<= 5000",
                "ok": _percentile(lags, 0.95) <= 5000,
            }
        )
        rows.append({"name": "lag due -> sent, kicked at commit, max", "value": round(max(lags), 1), "unit": "ms"})
        rows.append({"name": "lag due -> sent, scheduled (beat tick)", "value": "<= 60 s", "unit": "by design"})
    finally:
        _stop(workers)
    return rows
