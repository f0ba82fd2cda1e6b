"""Refreshes running while appointments change, each on its own connection: no change is lost.
Whatever the interleaving, once the writers stop, one more refresh leaves the facts a rebuild
from nothing would make."""

import random
import threading

import pytest
from django.db import connection, connections, transaction

from bookings.models import Appointment
from bookings.tests.factories import RoomFactory, bookable_clinic
from bookings.tests.test_concurrency import run_in_threads
from clinic.models import Location
from clinic.tests.factories import ManagerFactory, log_in
from insights.facts import COLUMNS, facts_rebuild, facts_refresh
from insights.models import SessionFact, StaleClient

from .bulk import bulk_sessions

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="triggers and advisory locks"),
]

S = Appointment.Status


def _facts() -> list[tuple]:
    return list(SessionFact.objects.order_by("appointment_id").values_list(*COLUMNS))


def test_refreshes_racing_writers_lose_no_change():
    clinic = bookable_clinic(practitioners=1, rooms=1)
    Location.objects.create(name="Second", time_zone="America/New_York")
    elsewhere = RoomFactory(name="Over there", location=Location.objects.get(name="Second"))
    sessions = bulk_sessions(80, treatment=clinic.treatment, practitioner=clinic.practitioners[0], room=clinic.rooms[0])
    ids = list(Appointment.objects.filter(pk__in=[s.pk for s in sessions]).values_list("pk", flat=True))
    facts_refresh()

    def writer(seed: int):
        def run():
            pick = random.Random(seed)
            for _ in range(25):
                with transaction.atomic():
                    pk = pick.choice(ids)
                    change = pick.choice(("status", "room", "both"))
                    rows = Appointment.objects.filter(pk=pk).exclude(status=S.CANCELLED)
                    if change in ("status", "both"):
                        rows.update(status=pick.choice((S.COMPLETED, S.NO_SHOW, S.BOOKED)))
                    if change in ("room", "both"):
                        rows.update(room=pick.choice((clinic.rooms[0], elsewhere)))
            return "wrote"

        return run

    def refresher():
        done = 0
        for _ in range(15):
            done += max(facts_refresh(), 0)
        return done

    results = run_in_threads([writer(1), writer(2), writer(3), refresher, refresher])
    assert results[:3] == ["wrote"] * 3, results
    assert all(isinstance(result, int) for result in results[3:]), results
    facts_refresh()
    assert not StaleClient.objects.exists()
    refreshed = _facts()
    facts_rebuild()
    assert _facts() == refreshed
    moved = Appointment.objects.filter(room=elsewhere).values_list("pk", flat=True)
    assert set(SessionFact.objects.filter(location__name="Second").values_list("pk", flat=True)) == set(moved)


def test_a_page_does_not_wait_for_a_long_refresh_and_says_its_figures_are_behind(client, clinic_profile, monkeypatch):
    """While another refresh holds the lock (beat working out every fact after a change of
    set-up), the page waits a moment, then shows the facts as they are and says so."""
    from insights import facts

    monkeypatch.setattr(facts, "PAGE_WAIT_SECONDS", 0.2)
    log_in(client, ManagerFactory())
    holding, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [facts._LOCK_KEY])
                holding.set()
                release.wait(10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(10)
    try:
        page = client.get("/insights/")
        calls = client.get("/insights/call-list/")
    finally:
        release.set()
        holder.join(10)
    assert page.status_code == 200
    assert "The figures are being brought up to date" in page.content.decode()
    assert "The figures are being brought up to date" not in client.get("/insights/").content.decode()
    assert calls.status_code == 200
    assert "The course windows are being brought up to date" in calls.content.decode()
    assert "being brought up to date" not in client.get("/insights/call-list/").content.decode()
