"""A completed session links to its aftercare plan and no longer offers to add it to a calendar
(issue 17, item 5), for the client and for the practitioner; the link opens the plan for those who
may read it only."""

from datetime import datetime

import pytest
import time_machine
from django.urls import reverse

from aftercare.services import session_complete
from aftercare.tests.conftest import LONDON
from clinic.tests.factories import ClientFactory, FrontDeskFactory, log_in

NOW = datetime(2026, 3, 5, 15, 30, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def _session_day():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def completed(session_setup, record_input):
    appointment = session_setup()
    session_complete(appointment=appointment, recorded_by=appointment.practitioner.user, **record_input)
    appointment.refresh_from_db()
    return appointment


def test_the_clients_completed_session_links_to_its_plan_and_offers_no_calendar(client, completed):
    log_in(client, completed.client)
    page = client.get(reverse("my_appointment", args=[completed.pk])).content.decode()
    plan = completed.aftercare_plan
    assert f'href="{reverse("aftercare_plan", args=[plan.pk])}"' in page and "Your aftercare plan" in page
    assert "Add to my calendar" not in page and reverse("my_appointment_ics", args=[completed.pk]) not in page

    listing = client.get(reverse("my_appointments")).content.decode()
    link = reverse("aftercare_plan_for_appointment", args=[completed.pk])
    assert link in listing
    assert client.get(link)["Location"] == reverse("aftercare_plan", args=[plan.pk])


def test_a_booked_session_still_offers_the_calendar(client, session_setup):
    appointment = session_setup(starts_at=datetime(2026, 3, 20, 10, 0, tzinfo=LONDON))
    appointment.status = appointment.Status.BOOKED
    appointment.save(update_fields=["status"])
    log_in(client, appointment.client)
    page = client.get(reverse("my_appointment", args=[appointment.pk])).content.decode()
    assert "Add to my calendar" in page and "aftercare plan" not in page.lower()


def test_the_practitioners_completed_session_links_to_its_plan(client, completed):
    log_in(client, completed.practitioner.user)
    page = client.get(reverse("desk_appointment", args=[completed.pk])).content.decode()
    assert f'href="{reverse("aftercare_plan", args=[completed.aftercare_plan.pk])}"' in page
    assert "Download .ics" not in page

    day = client.get(reverse("practice_day") + "?day=2026-03-05").content.decode()
    assert reverse("aftercare_plan_for_appointment", args=[completed.pk]) in day


def test_the_plan_link_opens_for_no_one_else(client, completed):
    link = reverse("aftercare_plan_for_appointment", args=[completed.pk])
    log_in(client, ClientFactory())
    assert client.get(link).status_code == 404
    log_in(client, FrontDeskFactory())
    assert client.get(link).status_code == 403
    page = client.get(reverse("desk_appointment", args=[completed.pk])).content.decode()
    assert "Aftercare plan" not in page
