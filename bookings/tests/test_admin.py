"""The manager's admin pages for the catalogue, staff hours and appointments."""

import pytest
from django.urls import reverse

from bookings.models import Appointment, CalendarFeedToken, WaitlistEntry
from bookings.services.calendar_feed import calendar_feed_practitioner, calendar_feed_token_create
from bookings.tests.conftest import MONDAY, at, days
from bookings.tests.factories import AppointmentFactory, ClinicClosureFactory, TimeOffFactory
from clinic.models import AuditEntry
from clinic.tests.factories import log_in

pytestmark = pytest.mark.usefixtures("frozen_monday")


@pytest.fixture
def admin_client(client, manager):
    # As in the demo: the manager runs the admin as a superuser.
    manager.is_staff = manager.is_superuser = True
    manager.save(update_fields=["is_staff", "is_superuser"])
    log_in(client, manager)
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


@pytest.fixture
def waitlist_entry(appointment):
    return WaitlistEntry.objects.create(
        client=appointment.client,
        treatment=appointment.treatment,
        areas=["face", "neck"],
        first_day=MONDAY + days(7),
        last_day=MONDAY + days(14),
        note="Mornings only",
    )


@pytest.fixture
def feed_token(clinic):
    token = calendar_feed_token_create(practitioner=clinic.practitioners[0])
    return token


@pytest.mark.parametrize(
    "model",
    [
        "treatment",
        "practitioner",
        "room",
        "timeoff",
        "clinicclosure",
        "appointment",
        "course",
        "waitlistentry",
        "calendarfeedtoken",
    ],
)
def test_every_bookings_admin_page_opens(admin_client, appointment, waitlist_entry, feed_token, model):
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


def test_the_waitlist_list_shows_who_waits_for_what_and_withdraws_through_the_service(
    admin_client, waitlist_entry, manager
):
    url = reverse("admin:bookings_waitlistentry_changelist")
    html = admin_client.get(url).content.decode()
    assert "Face and neck" in html and "Mornings only" not in html  # the note is on the entry's page
    assert waitlist_entry.client.email in admin_client.get(url, {"q": waitlist_entry.client.email}).content.decode()
    assert admin_client.get(url, {"status__exact": "withdrawn"}).context["cl"].result_count == 0
    # Entries are made by the client or the desk under the service's rules, not typed in here.
    assert admin_client.get(reverse("admin:bookings_waitlistentry_add")).status_code == 403
    admin_client.post(url, {"action": "withdraw", "_selected_action": [waitlist_entry.pk]})
    waitlist_entry.refresh_from_db()
    assert waitlist_entry.status == WaitlistEntry.Status.WITHDRAWN
    assert admin_client.get(url, {"status__exact": "withdrawn"}).context["cl"].result_count == 1


def test_the_calendar_feed_admin_never_shows_the_secret_and_revokes_through_the_service(
    admin_client, feed_token, clinic, manager
):
    row = CalendarFeedToken.objects.get()
    for page in (
        reverse("admin:bookings_calendarfeedtoken_changelist"),
        reverse("admin:bookings_calendarfeedtoken_change", args=[row.pk]),
    ):
        html = admin_client.get(page).content.decode()
        assert str(clinic.practitioners[0]) in html
        assert feed_token not in html and row.digest not in html
    # No way to type a token in (it would be stored in the clear), nor to delete the record.
    assert admin_client.get(reverse("admin:bookings_calendarfeedtoken_add")).status_code == 403
    assert admin_client.get(reverse("admin:bookings_calendarfeedtoken_delete", args=[row.pk])).status_code == 403

    admin_client.post(
        reverse("admin:bookings_calendarfeedtoken_changelist"),
        {"action": "revoke", "_selected_action": [row.pk]},
    )
    row.refresh_from_db()
    assert row.revoked_at is not None
    assert calendar_feed_practitioner(token=feed_token) is None
    assert admin_client.get(reverse("calendar_feed", kwargs={"token": feed_token})).status_code == 404
    assert AuditEntry.objects.filter(action="calendar_feed.revoked", actor=manager, target_id=str(row.pk)).exists()
    live = admin_client.get(reverse("admin:bookings_calendarfeedtoken_changelist"), {"state": "live"})
    assert live.context["cl"].result_count == 0
