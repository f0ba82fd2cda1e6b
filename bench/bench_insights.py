"""The insights page (issue 13): its time and its queries.

On this run's own data (a clinic of 20,000 sessions made with bulk_create, one location): the
manager's page for a quarter and for a year. On the chain database of ``bench.chain`` (200
locations, 2,000,000 sessions), when ``INSIGHTS_CHAIN`` is not "0": the page for the measured
location and its last quarter (target p95 under 300 ms) and for the whole chain over the last
year (target under 2 s). Every timing is a full GET of /insights/ through Django's test client:
the selectors, the tables and the template.
"""

import os
import statistics
import time as clock
from datetime import date, timedelta

from django.db import connection
from django.test import Client

OWN_SESSIONS = 20_000
RUNS = 20
CHAIN_RUNS_YEAR = 5


def _p95(timings: list[float]) -> float:
    ordered = sorted(timings)
    return ordered[int(0.95 * (len(ordered) - 1))]


class _Counter:
    """Counts the SQL statements run (Django's own query log is reset by each request)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _measure(browser: Client, query: dict, runs: int, give_up_ms: float | None = None) -> tuple[list[float], int]:
    """``runs`` timings of the page and its number of queries. A first (warming) run slower than
    ``give_up_ms`` is the only timing: repeating a page of minutes tells nothing more."""
    started = clock.perf_counter()
    answer = browser.get("/insights/", query)  # warm: the set-up cache, the connection, templates
    warm_ms = (clock.perf_counter() - started) * 1000
    if answer.status_code != 200:
        raise RuntimeError(f"/insights/ answered {answer.status_code}")
    if give_up_ms is not None and warm_ms > give_up_ms:
        return [warm_ms], -1
    counter = _Counter()
    with connection.execute_wrapper(counter):
        browser.get("/insights/", query)
    timings = []
    for _ in range(runs):
        started = clock.perf_counter()
        browser.get("/insights/", query)
        timings.append((clock.perf_counter() - started) * 1000)
    return timings, counter.count


def _rows(label: str, timings: list[float], queries: int, target_ms: float | None) -> list[dict]:
    p95 = _p95(timings)
    row = {"name": f"{label} p95", "value": round(p95, 1), "unit": "ms"}
    if target_ms is not None:
        row.update(target=f"< {target_ms:g}", ok=p95 < target_ms)
    return [
        row,
        {"name": f"{label} median", "value": round(statistics.median(timings), 1), "unit": "ms"},
        {"name": f"{label} queries", "value": queries, "unit": "queries"},
    ]


def _sections(scope, label: str) -> list[dict]:
    """The median time of each section's selectors for ``scope`` (where the time goes)."""
    from insights.sections import SECTIONS
    from insights.selectors.scope import report_queries

    rows = []
    for section in SECTIONS:
        timings = []
        for _ in range(3):
            started = clock.perf_counter()
            with report_queries():  # as the page runs them
                section.build(scope)
            timings.append((clock.perf_counter() - started) * 1000)
        rows.append({"name": f"{label}: {section.code}", "value": round(statistics.median(timings), 1), "unit": "ms"})
    return rows


def _scope_of(query: dict):
    from clinic.clock import clinic_today
    from insights.periods import period_days
    from insights.selectors.scope import Scope

    first = query.get("first")
    last = query.get("last")
    days = period_days(
        query["period"],
        clinic_today(),
        first and date.fromisoformat(first),
        last and date.fromisoformat(last),
    )
    return Scope(*days, location_id=query.get("location"))


def _own_data() -> list[dict]:
    from bookings.tests.factories import bookable_clinic
    from clinic.clock import clinic_today
    from clinic.tests.factories import ManagerFactory, log_in
    from insights.tests.bulk import bulk_sessions

    clinic = bookable_clinic(practitioners=1, rooms=1)
    today = clinic_today()
    from datetime import UTC, datetime, time

    start = datetime.combine(today - timedelta(days=2 * OWN_SESSIONS // 12), time(8), tzinfo=UTC)
    bulk_sessions(
        OWN_SESSIONS,
        treatment=clinic.treatment,
        practitioner=clinic.practitioners[0],
        room=clinic.rooms[0],
        start=start,
        tag="bench",
    )
    browser = Client()
    log_in(browser, ManagerFactory())
    rows = []
    for label, query in (
        ("own data, last quarter", {"period": "last_quarter"}),
        (
            "own data, a year",
            {"period": "custom", "first": (today - timedelta(days=364)).isoformat(), "last": today.isoformat()},
        ),
    ):
        timings, queries = _measure(browser, query, RUNS)
        rows += _rows(label, timings, queries, None)
        rows += _sections(_scope_of(query), label)
    return rows


def _chain() -> list[dict]:
    from bench.chain import chain_database
    from clinic.clock import clinic_today
    from clinic.models import User
    from clinic.tests.factories import log_in

    rows = []
    with chain_database() as chain:
        browser = Client()
        log_in(browser, User.objects.get(pk=chain.manager_id))
        today = clinic_today()
        one_location = {"period": "last_quarter", "location": chain.location_id}
        timings, queries = _measure(browser, one_location, RUNS)
        rows += _rows("chain, one location, last quarter", timings, queries, 300)
        rows += _sections(_scope_of(one_location), "chain, one location, last quarter")
        year = {"period": "custom", "first": (today - timedelta(days=364)).isoformat(), "last": today.isoformat()}
        if os.environ.get("INSIGHTS_CHAIN_YEAR", "1") != "0":
            timings, queries = _measure(browser, year, CHAIN_RUNS_YEAR, give_up_ms=20_000)
            rows += _rows("chain, every location, a year", timings, queries, 2000)
    return rows


def run() -> list[dict]:
    rows = _own_data()
    if os.environ.get("INSIGHTS_CHAIN", "1") != "0":
        rows += _chain()
    return rows
