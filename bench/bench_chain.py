"""A chain beside a single clinic, in the same run: availability for one location over 60 days,
the desk's day view of one location and a client's "my appointments", on the single clinic of
``bench_availability`` (5 rooms, 10 practitioners, 5,000 sessions) and on the chain database of
``bench.chain`` (200 locations, 1,000 rooms, 2,000 practitioners, 2,000,000 sessions; the
measured location has 5 rooms and 10 practitioners too).

Targets (issue 12): the same number of SQL queries on the chain as on the single clinic, and the
chain's p95 within 1.5 times the single clinic's. The two are measured in alternating rounds so a
change in the machine's load falls on both. The plan of availability's busy-times query on the
chain (``EXPLAIN (ANALYZE, BUFFERS)``) is written to ``bench/results/chain-busy-times-plan.txt``.
"""

import statistics
import time as clock
from datetime import timedelta
from pathlib import Path

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

ROUNDS = 3
RUNS = 10  # per round and place: 30 timings each
P95_FACTOR = 1.5


def _p95(timings: list[float]) -> float:
    ordered = sorted(timings)
    return ordered[int(0.95 * (len(ordered) - 1))]


def _place(*, location_id, desk, client_user, treatment) -> dict:
    """What is measured at one place: three callables (each returns what it made) on the
    database Django's connection points at now."""
    from bookings.selectors.availability import availability_days
    from clinic.clock import clinic_today
    from clinic.tests.factories import log_in

    first_day = clinic_today() + timedelta(days=1)
    last_day = first_day + timedelta(days=59)
    day = first_day if first_day.weekday() != 6 else first_day + timedelta(days=1)

    def availability():
        return availability_days(
            treatment=treatment,
            areas=["face", "neck"],
            client=client_user,
            first_day=first_day,
            last_day=last_day,
            online=True,
            location_id=location_id,
        )

    desk_client, own_client = Client(), Client()
    log_in(desk_client, desk)
    log_in(own_client, client_user)
    desk_url = reverse("desk_day") + f"?day={day.isoformat()}"

    def page(browser, url):
        def get():
            response = browser.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
            return response

        return get

    return {
        "availability 60 days": availability,
        "desk day view": page(desk_client, desk_url),
        "my appointments": page(own_client, reverse("my_appointments")),
    }


def _single_clinic() -> dict:
    from bench.bench_availability import busy_clinic
    from bookings.models import Appointment
    from clinic.models import Location
    from clinic.tests.factories import FrontDeskFactory
    from consultations.tests.factories import ClearanceFactory

    treatment, _, _ = busy_clinic()
    location = Location.default()
    desk = FrontDeskFactory(home_location_id=location.pk)
    client_user = Appointment.objects.order_by("client_id").values_list("client", flat=True).first()
    from clinic.models import User

    client_user = User.objects.get(pk=client_user)
    ClearanceFactory(client=client_user, areas=["face", "neck"], treatment_slug=treatment.slug)
    return {"location_id": location.pk, "desk": desk, "client_user": client_user, "treatment": treatment}


def _chain_people(chain) -> dict:
    from bookings.models import Treatment
    from clinic.models import User

    return {
        "location_id": chain.location_id,
        "desk": User.objects.get(pk=chain.front_desk_id),
        "client_user": User.objects.get(pk=chain.client_id),
        "treatment": Treatment.objects.get(pk=chain.treatment_id),
    }


def _measure(measures: dict, timings: dict, queries: dict, label: str) -> None:
    for name, call in measures.items():
        call()  # warm: the set-up cache, the connection, the page's templates
        with CaptureQueriesContext(connection) as captured:
            call()
        queries.setdefault((label, name), len(captured.captured_queries))
        for _ in range(RUNS):
            started = clock.perf_counter()
            call()
            timings.setdefault((label, name), []).append((clock.perf_counter() - started) * 1000)


def busy_times_plan(measures: dict) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of availability's busy-times query (the union of sessions and
    time off), as run by the availability measure on the current database."""
    with CaptureQueriesContext(connection) as captured:
        measures["availability 60 days"]()
    sql = next(
        q["sql"] for q in captured.captured_queries if "UNION ALL" in q["sql"] and "bookings_appointment" in q["sql"]
    )
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def run() -> list[dict]:
    from bench.chain import CHAIN_DATABASE, chain_database, pointed_at

    single = _single_clinic()
    started = clock.perf_counter()
    with chain_database() as chain:
        ready_seconds = clock.perf_counter() - started
        chain_people = _chain_people(chain)
        sessions = chain.appointments
        plan = busy_times_plan(_place(**chain_people))
    results = Path(__file__).resolve().parent / "results"
    results.mkdir(exist_ok=True)
    (results / "chain-busy-times-plan.txt").write_text(plan + "\n")

    timings: dict = {}
    queries: dict = {}
    for _ in range(ROUNDS):
        _measure(_place(**single), timings, queries, "single clinic")
        with pointed_at(CHAIN_DATABASE):
            _measure(_place(**chain_people), timings, queries, "chain")

    rows = [
        {"name": "chain: sessions in the database", "value": sessions, "unit": "sessions"},
        {"name": "chain: build time (once, kept)", "value": chain.build_seconds, "unit": "s"},
        {"name": "chain: ready in this run", "value": round(ready_seconds, 1), "unit": "s"},
    ]
    for name in ("availability 60 days", "desk day view", "my appointments"):
        one, many = timings[("single clinic", name)], timings[("chain", name)]
        one_p95, many_p95 = _p95(one), _p95(many)
        one_q, many_q = queries[("single clinic", name)], queries[("chain", name)]
        rows += [
            {"name": f"{name}: single clinic p50", "value": round(statistics.median(one), 1), "unit": "ms"},
            {"name": f"{name}: chain p50", "value": round(statistics.median(many), 1), "unit": "ms"},
            {"name": f"{name}: single clinic p95", "value": round(one_p95, 1), "unit": "ms"},
            {
                "name": f"{name}: chain p95",
                "value": round(many_p95, 1),
                "unit": "ms",
                "target": f"<= {P95_FACTOR * one_p95:.1f}",
                "ok": many_p95 <= P95_FACTOR * one_p95,
            },
            {"name": f"{name}: single clinic queries", "value": one_q, "unit": "queries"},
            {
                "name": f"{name}: chain queries",
                "value": many_q,
                "unit": "queries",
                "target": f"== {one_q}",
                "ok": many_q == one_q,
            },
        ]
    return rows


if __name__ == "__main__":
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings.test")
    import django

    django.setup()
    from bench.chain import chain_database

    with chain_database() as chain:
        print(busy_times_plan(_place(**_chain_people(chain))))
