# ruff: noqa: F811 (pytest fixtures imported from screens_fixtures are redefined as arguments)
"""Dead ends and wrong words on the booking screens (issue 17, item 4)."""

from datetime import timedelta

import pytest
from django.urls import reverse

from bookings.models import WaitlistEntry
from bookings.tests.screens_fixtures import (  # noqa: F401 (fixtures)
    MONDAY,
    at,
    cleared_client,
    monday_morning,
    screens_clinic,
)
from clinic.tests.factories import ClientFactory, FrontDeskFactory, log_in
from consultations.models import IntakeStatus
from consultations.tests.factories import IntakeFactory

pytestmark = pytest.mark.django_db


def test_after_a_desk_booking_the_desk_reads_that_the_confirmation_goes_to_the_client(
    client, screens_clinic, cleared_client, monday_morning
):
    log_in(client, FrontDeskFactory())
    url = reverse("desk_book_confirm", kwargs={"client_id": cleared_client.pk, "slug": "microneedling"})
    response = client.post(
        url,
        {
            "areas": ["face"],
            "starts_at": at(MONDAY, "15:00").isoformat(),
            "practitioner": screens_clinic.practitioners[1].pk,
        },
        follow=True,
    )
    page = response.content.decode()
    assert "Booked. A confirmation is on its way to Ava Lindqvist." in page
    assert "on its way to you" not in page


@pytest.fixture
def deferred_client(screens_clinic):
    person = ClientFactory(first_name="Dana", last_name="Reid")
    IntakeFactory(
        client=person,
        status=IntakeStatus.DEFERRED,
        deferred_until=MONDAY + timedelta(days=120),
        decided_at=at(MONDAY - timedelta(days=3), "10:00"),
    )
    return person


def test_a_deferred_client_is_told_why_instead_of_an_empty_waitlist_form(client, deferred_client, monday_morning):
    log_in(client, deferred_client)
    response = client.get(reverse("waitlist_join", kwargs={"slug": "microneedling"}))
    page = response.content.decode()
    assert "You cannot join the waitlist yet" in page
    assert "Treatment can be considered again from" in page and "September 2026" in page
    assert "Choose at least one area" not in page and 'name="first_day"' not in page
    assert not WaitlistEntry.objects.exists()


def test_the_desk_sees_why_a_deferred_client_cannot_wait(client, deferred_client, monday_morning):
    log_in(client, FrontDeskFactory())
    page = client.get(reverse("desk_waitlist_join", kwargs={"client_id": deferred_client.pk})).content.decode()
    assert "Dana cannot join the waitlist yet" in page and "considered again from" in page
    assert 'name="first_day"' not in page
