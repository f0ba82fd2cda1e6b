"""Pages under load: gunicorn with 3 sync workers on the bench's PostgreSQL database (the demo
data), driven by a Python load script with 8 connections for ~10 s per page, one page after the
other in the same run: the anonymous home page (the floor: the shell and nothing else), the
client's month calendar and the desk's day view (logged-in sessions; the desk's has passed MFA).

For each page: requests per second, p50 and p99 latency, and the workers' CPU per request (user +
system time of the gunicorn processes, from /proc, divided by the requests served), which is the
figure that does not depend on how many cores the load script itself takes.

gunicorn runs the test settings with production's persistent database connections
(``DB_CONN_MAX_AGE``, 60 s as in production.py; ``DB_CONN_MAX_AGE=0`` measures a new connection
per request, as the bench did before).

Run: ``.venv/bin/python -m bench load`` (``make bench`` runs it with the others).
``BENCH_LOAD_SECONDS`` changes the time per page; ``BENCH_LOAD_CONNECTIONS`` the connections.
"""

import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

WORKERS = 3
CONNECTIONS = int(os.environ.get("BENCH_LOAD_CONNECTIONS", "8"))
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "10"))
WARM_UP_SECONDS = 2.0
# The goal: the month calendar and the desk day view cost a third of the 50 ms of CPU a
# calendar request took before, or less.
CPU_TARGET_MS = 17


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    found = [int(pid) for pid in children.read_text().split()] if children.exists() else []
    return [master, *found]


def _start_gunicorn(port: int, database: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "clinic.settings.test"),
        "DATABASE_URL": database,
        # Served as production serves (clinic/settings/production.py): each worker keeps its
        # database connection between requests instead of opening one per request.
        "DB_CONN_MAX_AGE": os.environ.get("DB_CONN_MAX_AGE", "60"),
    }
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "clinic.wsgi",
        "--workers",
        str(WORKERS),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--access-logfile",
        "/dev/null",
    ]
    process = subprocess.Popen(command, env=env, start_new_session=True)  # noqa: S603 (our own command)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            return process
        except OSError:
            time.sleep(0.2)
    _stop(process)
    raise RuntimeError("gunicorn did not start")


def _stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


def _get(port: int, path: str, cookie: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _drive(port: int, path: str, cookie: str, seconds: float) -> tuple[list[float], int]:
    """``CONNECTIONS`` threads requesting ``path`` for ``seconds``: latencies (s) and errors."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def loop():
        mine, bad = [], 0
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            status = _get(port, path, cookie)
            mine.append(time.perf_counter() - started)
            bad += status != 200
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=loop) for _ in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors[0]


def _session_cookie(user) -> str:
    from django.conf import settings
    from django.test import Client

    from clinic.tests.factories import log_in

    client = Client()
    log_in(client, user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def _pages() -> list[tuple[str, str, str]]:
    """(label, path, cookie) for the three pages, on the demo data."""
    from django.core.management import call_command
    from django.urls import reverse

    from bench.bench_screens import _only_the_demo_schedule
    from bookings.models import Appointment
    from clinic import roles
    from clinic.models import User

    _only_the_demo_schedule()
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115 (closed with the process)
    client_user = (
        User.objects.filter(groups__name=roles.Role.CLIENT, appointments__status=Appointment.Status.BOOKED)
        .distinct()
        .first()
    )
    appointment = Appointment.objects.filter(client=client_user).order_by("-starts_at").first()
    desk = User.objects.filter(groups__name=roles.Role.FRONT_DESK).first()
    calendar = (
        reverse("book_calendar", kwargs={"slug": appointment.treatment.slug})
        + "?"
        + "&".join(f"areas={area}" for area in appointment.areas)
    )
    return [
        ("home page (anonymous)", "/", ""),
        ("client: month calendar", calendar, _session_cookie(client_user)),
        ("desk: day view", reverse("desk_day"), _session_cookie(desk)),
    ]


def run() -> list[dict]:
    from django.db import connection

    pages = _pages()
    settings_dict = connection.settings_dict
    database = f"postgres://{settings_dict.get('USER') or ''}@{settings_dict.get('HOST') or ''}/{settings_dict['NAME']}"
    if not settings_dict.get("HOST") and not settings_dict.get("USER"):
        database = f"postgres:///{settings_dict['NAME']}"
    port = _free_port()
    server = _start_gunicorn(port, database)
    rows = []
    try:
        for label, path, cookie in pages:
            status = _get(port, path, cookie)
            if status != 200:
                raise RuntimeError(f"{label} answered {status}")
            _drive(port, path, cookie, WARM_UP_SECONDS)
            pids = _worker_pids(server.pid)
            cpu_before, started = _cpu_seconds(pids), time.monotonic()
            latencies, errors = _drive(port, path, cookie, SECONDS)
            elapsed, cpu = time.monotonic() - started, _cpu_seconds(pids) - cpu_before
            latencies.sort()
            count = len(latencies)
            p99 = latencies[min(count - 1, int(count * 0.99))]
            cpu_ms = 1000 * cpu / count
            measured_page = label != "home page (anonymous)"
            rows += [
                {"name": f"{label}: requests/s", "value": round(count / elapsed, 1), "unit": "req/s"},
                {"name": f"{label}: p50", "value": round(1000 * statistics.median(latencies), 1), "unit": "ms"},
                {"name": f"{label}: p99", "value": round(1000 * p99, 1), "unit": "ms"},
                {
                    "name": f"{label}: CPU per request",
                    "value": round(cpu_ms, 1),
                    "unit": "ms",
                    **({"target": f"<= {CPU_TARGET_MS}", "ok": cpu_ms <= CPU_TARGET_MS} if measured_page else {}),
                },
                {"name": f"{label}: errors", "value": errors, "unit": "responses", "ok": errors == 0},
            ]
    finally:
        _stop(server)
    return rows
