# ruff: noqa: F811 (pytest fixtures imported from screens_fixtures are redefined as arguments)
"""Query budgets of the booking writes, through their views (Zulip pins its actions the same way):
a booking, a move, a cancellation and a check-in each run at most a fixed number of queries, and a
booking POST runs the availability engine once."""

from datetime import timedelta

import pytest
from django.urls import reverse

from bookings.availability import engine
from bookings.models import Appointment, Practitioner, Treatment
from bookings.selectors.availability import location_opening_hours, treatment_catalogue, treatment_working_hours
from bookings.services.appointments import appointment_book
from bookings.tests.factories import AppointmentFactory
from bookings.tests.screens_fixtures import (  # noqa: F401 (fixtures)
    MONDAY,
    at,
    cleared_client,
    monday_morning,
    screens_clinic,
)
from clinic.models import ClinicProfile, Location
from clinic.tests.factories import FrontDeskFactory, log_in
from consultations.tests.factories import HealthUpdateFactory

pytestmark = pytest.mark.django_db

WEDNESDAY = MONDAY + timedelta(days=2)
BOOKING_POST_QUERIES = 26  # the desk's: which locations the member of staff may book at
RESCHEDULE_POST_QUERIES = 28
CANCEL_POST_QUERIES = 18
CHECK_IN_POST_QUERIES = 18


@pytest.fixture
def engine_runs(monkeypatch):
    """How many times the availability engine was built (once per question asked of it)."""
    runs = []
    original = engine._Engine.__init__

    def counted(self, inputs):
        runs.append(inputs)
        original(self, inputs)

    monkeypatch.setattr(engine._Engine, "__init__", counted)
    return runs


def _booking(starts_at):
    practitioner = Practitioner.objects.order_by("pk").first()
    return {"areas": ["face"], "starts_at": starts_at.isoformat(), "practitioner": practitioner.pk}


def _warm(client, calendar_url=None):
    """The session's first request and the process's set-up cache (the clinic, the treatment's
    catalogue and working hours, read once per process) are not part of a budget."""
    ClinicProfile.get()
    Location.default()
    client.get(reverse("dashboard"))
    treatment = Treatment.objects.get(slug="microneedling")
    treatment_catalogue(treatment=treatment)
    treatment_working_hours(treatment=treatment)
    location_opening_hours(Location.default().pk)


def test_an_online_booking_post_stays_within_its_budget_and_runs_the_engine_once(
    client, cleared_client, monday_morning, django_assert_max_num_queries, engine_runs
):
    log_in(client, cleared_client)
    _warm(client)
    url, data = reverse("book_confirm", kwargs={"slug": "microneedling"}), _booking(at(WEDNESDAY, "10:00"))
    with django_assert_max_num_queries(BOOKING_POST_QUERIES):
        response = client.post(url, data)
    assert response.status_code == 302
    assert Appointment.objects.filter(client=cleared_client).count() == 1
    assert len(engine_runs) == 1


def test_a_desk_booking_post_stays_within_its_budget_and_runs_the_engine_once(
    client, cleared_client, monday_morning, django_assert_max_num_queries, engine_runs
):
    log_in(client, FrontDeskFactory())
    _warm(client)
    url = reverse("desk_book_confirm", kwargs={"client_id": cleared_client.pk, "slug": "microneedling"})
    data = _booking(at(MONDAY, "15:00"))
    with django_assert_max_num_queries(BOOKING_POST_QUERIES):
        response = client.post(url, data)
    assert response.status_code == 302
    assert Appointment.objects.get(client=cleared_client).channel == Appointment.Channel.STAFF
    assert len(engine_runs) == 1


def test_a_move_post_stays_within_its_budget(
    client, cleared_client, monday_morning, screens_clinic, django_assert_max_num_queries
):
    booked = appointment_book(
        client=cleared_client,
        treatment=screens_clinic.treatment,
        areas=["face"],
        starts_at=at(WEDNESDAY, "10:00"),
        booked_by=cleared_client,
    )
    log_in(client, cleared_client)
    _warm(client)
    url = reverse("book_confirm", kwargs={"slug": "microneedling"})
    data = {**_booking(at(WEDNESDAY + timedelta(days=1), "14:00")), "moving": booked.pk}
    with django_assert_max_num_queries(RESCHEDULE_POST_QUERIES):
        response = client.post(url, data)
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.starts_at == at(WEDNESDAY + timedelta(days=1), "14:00")


def test_a_cancel_post_stays_within_its_budget(
    client, cleared_client, monday_morning, screens_clinic, django_assert_max_num_queries
):
    booked = appointment_book(
        client=cleared_client,
        treatment=screens_clinic.treatment,
        areas=["face"],
        starts_at=at(WEDNESDAY + timedelta(days=7), "10:00"),
        booked_by=cleared_client,
    )
    log_in(client, cleared_client)
    _warm(client)
    url = reverse("my_appointment_cancel", kwargs={"appointment_id": booked.pk})
    with django_assert_max_num_queries(CANCEL_POST_QUERIES):
        response = client.post(url, {"reason": ""})
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CANCELLED


def test_a_check_in_post_stays_within_its_budget(
    client, cleared_client, monday_morning, screens_clinic, django_assert_max_num_queries
):
    appointment = AppointmentFactory(
        client=cleared_client,
        treatment=screens_clinic.treatment,
        practitioner=screens_clinic.practitioners[0],
        room=screens_clinic.rooms[0],
        starts_at=at(MONDAY, "11:00"),
    )
    HealthUpdateFactory(client=cleared_client, appointment_id=appointment.pk, session_date=MONDAY)
    log_in(client, FrontDeskFactory())
    _warm(client)
    with django_assert_max_num_queries(CHECK_IN_POST_QUERIES):
        response = client.post(reverse("desk_check_in", kwargs={"appointment_id": appointment.pk}))
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CHECKED_IN
