# ruff: noqa: F811 (pytest fixtures imported from screens_fixtures are redefined as arguments)
"""The proposed dates for the rest of a course, on the client's "My course" page and the desk's
client page: each free now and inside its window, each a link to confirm it."""

import html as html_lib
import re
from datetime import timedelta

import pytest
from django.urls import reverse

from bookings.models import Appointment
from bookings.tests.factories import AppointmentFactory
from bookings.tests.screens_fixtures import (  # noqa: F401 (fixtures)
    MONDAY,
    at,
    cleared_client,
    monday_morning,
    screens_clinic,
)
from clinic.tests.factories import FrontDeskFactory, log_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def first_session(cleared_client, screens_clinic):
    return AppointmentFactory(
        client=cleared_client,
        treatment=screens_clinic.treatment,
        areas=["face"],
        starts_at=at(MONDAY - timedelta(days=7), "10:00"),
        status=Appointment.Status.COMPLETED,
    )


def _proposals(html: str) -> list[str]:
    return [html_lib.unescape(url) for url in re.findall(r'<a href="([^"]+)">Book this', html)]


def test_my_course_proposes_the_rest_of_the_course_inside_each_window(
    client, cleared_client, monday_morning, first_session
):
    log_in(client, cleared_client)
    html = client.get(reverse("my_course")).content.decode()
    assert "Proposed dates for the rest of your course" in html
    assert "Session 2" in html and "Session 3" in html
    urls = _proposals(html)
    assert len(urls) == 2 and all(
        url.startswith(reverse("book_confirm", kwargs={"slug": "microneedling"})) for url in urls
    )
    # Session 2 falls in its window (28 to 42 days after Monday 25 May): 22 June to 6 July.
    assert re.search(r"Session 2</strong>\s*<span>Monday 22 June at", html)
    # The proposal is free: its confirmation page offers it.
    confirm = client.get(urls[0])
    assert confirm.status_code == 200 and "Confirm your session" in confirm.content.decode()


def test_the_desk_sees_the_proposals_with_links_into_its_own_booking_flow(
    client, cleared_client, monday_morning, first_session
):
    log_in(client, FrontDeskFactory())
    html = client.get(reverse("desk_client", kwargs={"client_id": cleared_client.pk})).content.decode()
    assert "Proposed dates for the rest of the course" in html
    urls = _proposals(html)
    desk_confirm = reverse("desk_book_confirm", kwargs={"client_id": cleared_client.pk, "slug": "microneedling"})
    assert urls and all(url.startswith(desk_confirm) for url in urls)


def test_a_finished_or_fully_booked_course_proposes_nothing(client, cleared_client, monday_morning, first_session):
    for number in (2, 3):
        AppointmentFactory(
            client=cleared_client,
            treatment=first_session.treatment,
            course=first_session.course,
            areas=["face"],
            starts_at=at(MONDAY + timedelta(days=28 * (number - 1)), "10:00"),
        )
    log_in(client, cleared_client)
    html = client.get(reverse("my_course")).content.decode()
    assert "Proposed dates" not in html
