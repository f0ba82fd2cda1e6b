"""Fixtures of the core's tests: real worker processes and a private Redis server."""

import uuid

import pytest

from clinic.tests.worker_processes import RedisServer, Worker, dispatch_via


@pytest.fixture
def workers(tmp_path, redis_server):
    """``workers(concurrency=2, **env)`` starts a real Celery worker on a queue of this test, with
    the test's private Redis as its broker; ``workers.dispatch()`` queues one dispatcher run there,
    as beat does. (A private broker: nothing another xdist process queues reaches these workers,
    and a test may restart it.) ``workers.mail_dir`` holds what they e-mailed. Every worker is
    stopped at the end."""
    started: list[Worker] = []
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    queue = f"outbox-test-{uuid.uuid4().hex[:8]}"

    def start(*, concurrency: int = 2, **env) -> Worker:
        worker = Worker(
            mail_dir=mail_dir, queue=queue, concurrency=concurrency, env={"REDIS_URL": redis_server.url, **env}
        )
        started.append(worker)
        return worker

    start.mail_dir = mail_dir
    start.queue = queue
    start.dispatch = lambda: dispatch_via(redis_server.url, queue)
    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def redis_server(tmp_path):
    """A private redis-server on a free port, stopped at the end."""
    workdir = tmp_path / "redis"
    workdir.mkdir()
    server = RedisServer(workdir)
    server.start()
    yield server
    server.stop()
