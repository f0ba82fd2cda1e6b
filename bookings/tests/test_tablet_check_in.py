# ruff: noqa: F811 (pytest fixtures imported from screens_fixtures are redefined as arguments)
"""Check-in on the clinic's tablet (issue 17, item 9): the desk makes a one-time code for one of
today's sessions; on the tablet, without logging in, the client confirms the health update and
signs the consent if theirs is older; the desk sees it arrive. Codes work once, for minutes, for
that appointment only, and only a keyed hash of them is stored."""

import re
from datetime import timedelta

import pytest
from django.db.models import F
from django.test import Client
from django.urls import reverse

from bookings.models import Appointment, TabletCheckIn
from bookings.services.appointments import appointment_cancel
from bookings.tests.factories import AppointmentFactory
from bookings.tests.screens_fixtures import (  # noqa: F401 (fixtures)
    MONDAY,
    at,
    cleared_client,
    make_cleared_client,
    monday_morning,
    screens_clinic,
)
from bookings.views import tablet as tablet_views
from clinic.models import AuditEntry
from clinic.tests.factories import FrontDeskFactory, log_in
from consultations.models import ConsentRenewal, ConsentText, HealthUpdate
from consultations.services import consent_text_publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, screens_clinic):
    person = FrontDeskFactory(first_name="Rosa", last_name="Bell")
    log_in(client, person)
    client.user = person
    return client


@pytest.fixture
def appointment(screens_clinic, cleared_client, monday_morning):
    return AppointmentFactory(
        client=cleared_client,
        treatment=screens_clinic.treatment,
        practitioner=screens_clinic.practitioners[0],
        room=screens_clinic.rooms[0],
        starts_at=at(MONDAY, "11:00"),
    )


@pytest.fixture
def other_appointment(screens_clinic, monday_morning):
    return AppointmentFactory(
        client=make_cleared_client(first_name="Bruno", last_name="Castell"),
        treatment=screens_clinic.treatment,
        practitioner=screens_clinic.practitioners[1],
        room=screens_clinic.rooms[1],
        starts_at=at(MONDAY, "11:00"),
    )


def _code_from(page) -> str:
    return re.search(r'<p class="tablet-code"><strong>([A-Z0-9]{4}-[A-Z0-9]{4})</strong>', page).group(1)


def _open_code(desk, appointment) -> str:
    response = desk.post(reverse("desk_tablet_open", args=[appointment.pk]))
    assert response.status_code == 200
    return _code_from(response.content.decode())


def _tablet_with(code) -> Client:
    tablet_browser = Client()
    response = tablet_browser.post(reverse("tablet_start"), {"code": code})
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == reverse("tablet_check_in")
    return tablet_browser


def test_the_desk_gets_a_code_shown_once_and_only_its_keyed_hash_is_stored(desk, appointment):
    response = desk.post(reverse("desk_tablet_open", args=[appointment.pk]))
    page = response.content.decode()
    code = _code_from(page)
    assert "no-store" in response["Cache-Control"]
    assert f"{reverse('tablet_start')}?code={code.replace('-', '')}" in page
    assert "It works once, for this session only, until 09:10" in page

    check_in = TabletCheckIn.objects.get(appointment=appointment)
    assert code.replace("-", "") not in check_in.digest and len(check_in.digest) == 64
    assert check_in.opened_by == desk.user
    assert AuditEntry.objects.filter(
        action="tablet_check_in.opened", actor=desk.user, subject=appointment.client
    ).exists()


def test_the_client_checks_in_on_the_tablet_and_the_desk_sees_it_arrive(desk, appointment, other_appointment):
    consent_text_publish(title="Informed consent", body="A clearer text, version two.", published_by=None)
    code = _open_code(desk, appointment)

    tablet_browser = _tablet_with(code.lower())  # typed in lower case: still the code
    response = tablet_browser.get(reverse("tablet_check_in"))
    assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}
    page = response.content.decode()
    assert "Hello Ava" in page and "11:00" in page and "Maya" in page
    assert "A clearer text, version two." in page
    # No account, no navigation, nobody else's data.
    assert "Castell" not in page and "Bruno" not in page and "Log out" not in page
    assert reverse("desk_day") not in page and reverse("dashboard") not in page

    response = tablet_browser.post(
        reverse("tablet_check_in"),
        {
            "anything_changed": "no",
            "consent_version": ConsentText.objects.order_by("-version").first().version,
            "full_name": "Ava Lindqvist",
            "agreed": "on",
        },
    )
    assert response["Location"] == reverse("tablet_done")
    assert "Thank you, Ava" in tablet_browser.get(reverse("tablet_done")).content.decode()

    update = HealthUpdate.objects.get(appointment_id=appointment.pk)
    assert (update.client, update.submitted_by, update.anything_changed) == (
        appointment.client,
        appointment.client,
        False,
    )
    renewal = ConsentRenewal.objects.get(client=appointment.client)
    assert renewal.appointment_id == appointment.pk and renewal.full_name == "Ava Lindqvist"
    assert not HealthUpdate.objects.filter(appointment_id=other_appointment.pk).exists()
    assert list(
        AuditEntry.objects.filter(action__startswith="tablet_check_in.", subject=appointment.client)
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["tablet_check_in.opened", "tablet_check_in.redeemed", "tablet_check_in.completed"]

    # The desk sees it arrive: on the session (the polled status) and on the day.
    status = desk.get(reverse("desk_tablet_status", args=[appointment.pk])).content.decode()
    assert "Arrived on the tablet 09:00" in status and "hx-trigger" not in status
    assert "Arrived on the tablet 09:00" in desk.get(reverse("desk_day")).content.decode()
    desk.post(reverse("desk_check_in", args=[appointment.pk]))
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CHECKED_IN


def test_while_the_client_fills_it_in_the_desk_page_polls_for_it(desk, appointment):
    code = _open_code(desk, appointment)
    waiting = desk.get(reverse("desk_tablet_status", args=[appointment.pk])).content.decode()
    assert "The code has not been entered yet" in waiting and 'hx-trigger="every 5s"' in waiting
    _tablet_with(code)
    filling = desk.get(reverse("desk_appointment", args=[appointment.pk])).content.decode()
    assert "The client is filling in the check-in" in filling


def test_a_code_works_once(desk, appointment):
    code = _open_code(desk, appointment)
    first = _tablet_with(code)
    second = Client().post(reverse("tablet_start"), {"code": code})
    assert second.status_code == 400
    assert "This code does not work" in second.content.decode()

    first.post(reverse("tablet_check_in"), {"anything_changed": "no"})
    assert first.get(reverse("tablet_check_in")).status_code == 410
    again = first.post(reverse("tablet_check_in"), {"anything_changed": "yes", "details": "A new medicine"})
    assert again.status_code == 410
    assert HealthUpdate.objects.get(appointment_id=appointment.pk).anything_changed is False


def test_a_new_code_revokes_the_one_before(desk, appointment):
    old = _open_code(desk, appointment)
    _open_code(desk, appointment)
    assert Client().post(reverse("tablet_start"), {"code": old}).status_code == 400


def test_a_code_expires_after_ten_minutes_and_a_started_check_in_after_twenty(desk, appointment, monday_morning):
    late = _open_code(desk, appointment)
    monday_morning.shift(timedelta(minutes=10, seconds=1))
    refused = Client().post(reverse("tablet_start"), {"code": late})
    assert refused.status_code == 400 and "This code does not work" in refused.content.decode()

    started = _tablet_with(_open_code(desk, appointment))
    monday_morning.shift(timedelta(minutes=20, seconds=1))
    response = started.post(reverse("tablet_check_in"), {"anything_changed": "no"})
    assert response.status_code == 410
    assert "This check-in has ended" in response.content.decode()
    assert not HealthUpdate.objects.filter(appointment_id=appointment.pk).exists()


def test_a_code_is_for_its_own_appointment_only(desk, appointment, other_appointment):
    code = _open_code(desk, appointment)
    tablet_browser = _tablet_with(code)
    # A tablet session pointed at another appointment's check-in (a tampered session) opens nothing.
    _open_code(desk, other_appointment)
    other = TabletCheckIn.objects.get(appointment=other_appointment)
    session = tablet_browser.session
    session["tablet_check_in"] = {"id": other.pk, "digest": session["tablet_check_in"]["digest"]}
    session.save()
    response = tablet_browser.post(reverse("tablet_check_in"), {"anything_changed": "no"})
    assert response.status_code == 410
    assert "Castell" not in response.content.decode()
    assert not HealthUpdate.objects.exists()


def test_a_code_stops_working_when_its_appointment_is_moved_or_cancelled(desk, appointment, other_appointment):
    code = _open_code(desk, appointment)
    day = timedelta(days=1)
    Appointment.objects.filter(pk=appointment.pk).update(
        starts_at=F("starts_at") + day,
        needling_starts_at=F("needling_starts_at") + day,
        needling_ends_at=F("needling_ends_at") + day,
        ends_at=F("ends_at") + day,
    )
    assert Client().post(reverse("tablet_start"), {"code": code}).status_code == 400

    started = _tablet_with(_open_code(desk, other_appointment))
    appointment_cancel(
        appointment=other_appointment, cancelled_by=desk.user, reason="Client asked: ill", party="client"
    )
    assert started.post(reverse("tablet_check_in"), {"anything_changed": "no"}).status_code == 410
    assert not HealthUpdate.objects.exists()


def test_only_todays_booked_sessions_get_a_code(desk, screens_clinic, cleared_client, monday_morning):
    tomorrow = AppointmentFactory(
        client=cleared_client,
        treatment=screens_clinic.treatment,
        practitioner=screens_clinic.practitioners[0],
        room=screens_clinic.rooms[0],
        starts_at=at(MONDAY + timedelta(days=1), "11:00"),
    )
    response = desk.post(reverse("desk_tablet_open", args=[tomorrow.pk]), follow=True)
    assert "on the day of their session only" in response.content.decode()
    assert not TabletCheckIn.objects.exists()


def test_clients_cannot_make_codes(client, appointment):
    log_in(client, appointment.client)
    assert client.post(reverse("desk_tablet_open", args=[appointment.pk])).status_code == 403
    assert not TabletCheckIn.objects.exists()


def test_entering_a_code_signs_out_whoever_was_logged_in_on_the_tablet(desk, appointment):
    code = _open_code(desk, appointment)
    response = desk.post(reverse("tablet_start"), {"code": code})  # the desk's own browser
    assert response["Location"] == reverse("tablet_check_in")
    assert "_auth_user_id" not in desk.session
    assert desk.get(reverse("desk_day"))["Location"].startswith(reverse("account_login"))


def test_a_reported_change_needs_its_details_and_nothing_is_written_without_them(desk, appointment):
    tablet_browser = _tablet_with(_open_code(desk, appointment))
    blank = tablet_browser.post(reverse("tablet_check_in"), {})
    assert blank.status_code == 400 and "Please answer yes or no." in blank.content.decode()
    vague = tablet_browser.post(reverse("tablet_check_in"), {"anything_changed": "yes", "details": " "})
    assert vague.status_code == 400 and "Please tell us what has changed." in vague.content.decode()
    assert not HealthUpdate.objects.exists()
    assert TabletCheckIn.objects.get(appointment=appointment).completed_at is None

    tablet_browser.post(reverse("tablet_check_in"), {"anything_changed": "yes", "details": "Started a retinoid"})
    update = HealthUpdate.objects.get(appointment_id=appointment.pk)
    assert update.anything_changed and update.details == "Started a retinoid"


def test_an_unsigned_new_consent_keeps_the_check_in_open(desk, appointment):
    consent_text_publish(title="Informed consent", body="Version two.", published_by=None)
    tablet_browser = _tablet_with(_open_code(desk, appointment))
    response = tablet_browser.post(reverse("tablet_check_in"), {"anything_changed": "no", "full_name": "Ava"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Please tick the box" in page and "Please type your full name" in page
    assert not HealthUpdate.objects.exists() and not ConsentRenewal.objects.exists()


def test_guessing_codes_is_cut_short(screens_clinic):
    tablet_browser = Client()
    for _ in range(tablet_views.CODE_TRIES):
        assert tablet_browser.post(reverse("tablet_start"), {"code": "AAAA-AAAA"}).status_code == 400
    response = tablet_browser.post(reverse("tablet_start"), {"code": "AAAA-AAAA"})
    assert response.status_code == 429
    assert "Too many codes" in response.content.decode()


def test_the_client_with_nothing_missing_just_checks_in(desk, appointment):
    HealthUpdate.objects.create(
        client=appointment.client,
        appointment_id=appointment.pk,
        session_date=MONDAY,
        anything_changed=False,
        submitted_by=appointment.client,
    )
    tablet_browser = _tablet_with(_open_code(desk, appointment))
    assert "there is nothing to fill in" in tablet_browser.get(reverse("tablet_check_in")).content.decode()
    assert tablet_browser.post(reverse("tablet_check_in"), {})["Location"] == reverse("tablet_done")
    assert TabletCheckIn.objects.get(appointment=appointment).completed_at is not None
