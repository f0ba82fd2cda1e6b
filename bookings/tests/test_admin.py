"""The manager's admin pages for the catalogue, staff hours and appointments."""

import pytest
from django.urls import reverse

from bookings.models import Appointment
from bookings.tests.conftest import MONDAY, at, days
from bookings.tests.factories import AppointmentFactory, ClinicClosureFactory, TimeOffFactory

pytestmark = pytest.mark.usefixtures("frozen_monday")


@pytest.fixture
def admin_client(client, manager):
    # As in the demo: the manager runs the admin as a superuser.
    manager.is_staff = manager.is_superuser = True
    manager.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(manager)
    return client


@pytest.fixture
def appointment(clinic):
    ClinicClosureFactory()
    TimeOffFactory(practitioner=clinic.practitioners[0])
    return AppointmentFactory(
        treatment=clinic.treatment,
        practitioner=clinic.practitioners[0],
        room=clinic.rooms[0],
        starts_at=at(MONDAY + days(3), "10:00"),
        areas=["face", "neck"],
    )


@pytest.mark.parametrize(
    "model", ["treatment", "practitioner", "room", "timeoff", "clinicclosure", "appointment", "course"]
)
def test_every_bookings_admin_page_opens(admin_client, appointment, model):
    response = admin_client.get(reverse(f"admin:bookings_{model}_changelist"))
    assert response.status_code == 200
    first = response.context["cl"].result_list[0]
    assert admin_client.get(reverse(f"admin:bookings_{model}_change", args=[first.pk])).status_code == 200


def test_practitioner_page_edits_working_hours_inline(admin_client, clinic):
    response = admin_client.get(reverse("admin:bookings_practitioner_change", args=[clinic.practitioners[0].pk]))
    assert b"Working hours" in response.content
    assert response.content.count(b'name="working_hours-') > 10


def test_the_appointment_list_shows_areas_and_cancels_through_the_service(admin_client, appointment, manager):
    response = admin_client.get(reverse("admin:bookings_appointment_changelist"))
    assert "Face and neck" in response.content.decode()
    admin_client.post(
        reverse("admin:bookings_appointment_changelist"),
        {"action": "cancel_by_clinic", "_selected_action": [appointment.pk]},
    )
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert appointment.cancelled_by == manager
    assert appointment.cancelled_by_party == "clinic"
