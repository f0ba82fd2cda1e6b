"""`make run` stops cleanly (issue 10, item 13): bin/serve, the processes `make run` starts (web,
Celery worker, beat), all exit within a few seconds of Ctrl-C, idle or in the middle of a
dispatch. Ctrl-C is SIGINT to the terminal's foreground process group: here, the group of the
script, started in a session of its own so that every process it leaves behind can be found."""

import os
import re
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from clinic.tests.worker_processes import ROOT, dispatch_via, due_messages, free_port, sent_count, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SERVE = ROOT / "bin" / "serve"
# The script's grace before SIGKILL is 3 s; starting the stop and reaping take a little more.
STOPPED_WITHIN = 7.0


def _session(sid: int) -> list[str]:
    """The live processes of session ``sid`` (zombies aside), as "pid command" lines."""
    listing = subprocess.run(["ps", "-eo", "pid=,sid=,stat=,args="], capture_output=True, text=True, check=True)
    alive = []
    for line in listing.stdout.splitlines():
        pid, session, stat, command = line.split(None, 3)
        if int(session) == sid and not stat.startswith("Z"):
            alive.append(f"{pid} {command}")
    return alive


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (a local URL of the test)
            return True
    except urllib.error.HTTPError:
        return True  # it answered (a 503 from /healthz is an answer)
    except OSError:
        return False


def test_the_makefile_runs_web_worker_and_beat_through_bin_serve():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "bin/serve" in recipe
    assert "celery" not in recipe and "runserver" not in recipe, "one place starts the processes"
    assert os.access(SERVE, os.X_OK)


@pytest.mark.parametrize("busy", [False, True], ids=["idle", "mid-dispatch"])
def test_ctrl_c_stops_web_worker_and_beat_within_seconds(tmp_path, redis_server, busy):
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    if busy:
        due_messages(300)  # one every 0.2 s: a minute of work
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "clinic.tests.dispatch_worker_settings",
        "DATABASE_URL": f"postgres:///{connection.settings_dict['NAME']}",
        "REDIS_URL": redis_server.url,
        "OUTBOX_TEST_MAIL_DIR": str(mail_dir),
        "OUTBOX_TEST_SEND_DELAY": "0.2",
        "CLINIC_VAR_DIR": str(tmp_path / "var"),
        "PORT": str(port),
    }
    serve = subprocess.Popen(  # noqa: S603 (our own script)
        [str(SERVE)],
        cwd=ROOT,
        env=env,
        stdout=(tmp_path / "serve.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
        # As in a terminal: SIGINT is not ignored, whatever the shell that started pytest did.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # noqa: PLW1509
    )
    try:
        wait_until(lambda: _answers(f"http://127.0.0.1:{port}/healthz"), timeout=60, what="the web server")
        beat_log = Path(env["CLINIC_VAR_DIR"]) / "beat.log"
        wait_until(lambda: beat_log.exists() and "beat: Starting" in beat_log.read_text(), timeout=60, what="beat")
        if busy:
            # What beat's first tick does a minute after it starts, now.
            dispatch_via(redis_server.url)
            wait_until(lambda: sent_count() >= 5, timeout=60, what="the worker to be sending")
        running = _session(serve.pid)
        assert len(running) >= 5, running  # script, worker, beat, runserver and its child

        started = time.monotonic()
        os.killpg(serve.pid, signal.SIGINT)
        serve.wait(timeout=30)
        wait_until(lambda: not _session(serve.pid), timeout=30, what="every process to exit")
        stopped_in = time.monotonic() - started
    finally:
        for line in _session(serve.pid):
            os.kill(int(line.split()[0]), signal.SIGKILL)
    assert stopped_in < STOPPED_WITHIN, (stopped_in, (tmp_path / "serve.log").read_text()[-2000:])
    assert serve.returncode == 0
    if busy:
        assert 0 < sent_count() < 300, "stopped in the middle of the dispatch"
    assert not re.search(r"Traceback", (tmp_path / "serve.log").read_text())
