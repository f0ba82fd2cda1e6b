"""The health-update link in a reminder opens for the appointment's own client only: bookings
tells consultations whose appointment an id is and on which day it falls."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.models import Appointment
from bookings.tests.factories import AppointmentFactory
from clinic.tests.factories import ClientFactory, log_in
from consultations.models import HealthUpdate

pytestmark = pytest.mark.django_db


def test_a_client_answers_for_their_own_session_and_gets_404_for_anyone_elses(client, clinic_profile):
    mine = AppointmentFactory(starts_at=(timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0))
    theirs = AppointmentFactory()
    url = reverse("consultations:health_update", args=[mine.pk])

    log_in(client, mine.client)
    page = client.get(url)
    assert page.status_code == 200
    session_day = timezone.localtime(mine.starts_at, clinic_profile.tz).date()
    assert f"{session_day:%A} {session_day.day} {session_day:%B}" in page.content.decode()
    client.post(url, {"anything_changed": "no"})
    update = HealthUpdate.objects.get()
    assert (update.client, update.appointment_id, update.session_date) == (mine.client, mine.pk, session_day)

    assert client.get(reverse("consultations:health_update", args=[theirs.pk])).status_code == 404
    assert (
        client.post(reverse("consultations:health_update", args=[theirs.pk]), {"anything_changed": "no"}).status_code
        == 404
    )
    assert HealthUpdate.objects.count() == 1


def test_a_cancelled_session_takes_no_health_update(client, clinic_profile):
    cancelled = AppointmentFactory(status=Appointment.Status.CANCELLED)
    log_in(client, cancelled.client)
    assert client.get(reverse("consultations:health_update", args=[cancelled.pk])).status_code == 404
    other_client = ClientFactory()
    log_in(client, other_client)
    assert client.get(reverse("consultations:health_update", args=[999_999])).status_code == 404
