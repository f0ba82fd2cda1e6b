"""Changing the clinic's time zone moves the calendar days sessions fall on: the booked
sessions whose days apart would no longer fit their treatment's spacing are shown before the
change is saved (the profile page, the profile service and the admin)."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from bookings.spacing_changes import sessions_not_fitting_time_zone
from bookings.tests.conftest import MONDAY, days
from bookings.tests.test_spacing_changes import session
from clinic.models import AuditEntry, ClinicProfile
from clinic.rule_changes import ChangeNeedsConfirmation
from clinic.services import clinic_profile_update
from clinic.tests.factories import ClientFactory, log_in

pytestmark = pytest.mark.usefixtures("frozen_monday")


@pytest.fixture
def twenty_eight_london_days(clinic):
    """Wednesday 3 June 14:00 and Wednesday 1 July 10:00, London: 28 calendar days. In Auckland
    (UTC+12) the first is already 4 June (01:00) and the second still 1 July (21:00): 27 days."""
    jane = ClientFactory(first_name="Jane", last_name="Doe")
    first = session(clinic, jane, MONDAY + days(2), "14:00")
    second = session(clinic, jane, MONDAY + days(30), "10:00", number=1, course=first.course)
    return first, second


def profile_form(profile: ClinicProfile, **changes) -> dict:
    data = {
        "name": profile.name,
        "address": profile.address,
        "phone": profile.phone,
        "email": profile.email,
        "time_zone": profile.time_zone,
        "late_cancellation_hours": profile.late_cancellation_hours,
        "paper_size": profile.paper_size,
    }
    return {**data, **changes}


def test_a_new_time_zone_lists_the_sessions_whose_days_apart_fall_below_the_minimum(twenty_eight_london_days):
    first, second = twenty_eight_london_days

    [misfit] = sessions_not_fitting_time_zone(old_zone="Europe/London", new_zone="Pacific/Auckland")

    assert (misfit.appointment_id, misfit.gap_days) == (second.pk, 27)
    assert misfit.starts_at == datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
    assert misfit.starts_at.utcoffset().total_seconds() == 12 * 3600  # shown on the new clock
    assert misfit.reason == (
        "27 days after the session on Thursday 4 June 2026, on the same area: closer than the minimum of 28 days."
    )
    assert sessions_not_fitting_time_zone(old_zone="Europe/London", new_zone="Europe/Dublin") == []


def test_the_profile_service_asks_before_a_zone_change_and_saves_when_told(twenty_eight_london_days, manager):
    with pytest.raises(ChangeNeedsConfirmation):
        clinic_profile_update(actor=manager, time_zone="Pacific/Auckland")
    assert ClinicProfile.get().time_zone == "Europe/London"

    clinic_profile_update(actor=manager, time_zone="Pacific/Auckland", save_anyway=True)
    assert ClinicProfile.get().time_zone == "Pacific/Auckland"
    entry = AuditEntry.objects.get(action="clinic_profile.update")
    assert entry.details == {"fields": ["time_zone"], "sessions_not_fitting": [twenty_eight_london_days[1].pk]}


def test_the_profile_page_shows_the_sessions_before_saving_a_new_zone(client, manager, twenty_eight_london_days):
    log_in(client, manager)
    profile = ClinicProfile.get()
    url = reverse("clinic_profile_edit")

    asked = client.post(url, profile_form(profile, time_zone="Pacific/Auckland"))
    page = asked.content.decode()
    assert asked.status_code == 200
    assert "Confirm the new time zone" in page
    assert "Jane Doe" in page and "Wednesday 1 July 2026, 21:00" in page and 'data-label="Days between">27</td>' in page
    assert 'name="save_anyway" value="Pacific/Auckland"' in page
    assert ClinicProfile.get().time_zone == "Europe/London"

    # Confirmed for Auckland, but the form now says Nouméa (UTC+11): Nouméa's list is shown.
    other = client.post(url, profile_form(profile, time_zone="Pacific/Noumea", save_anyway="Pacific/Auckland"))
    assert 'name="save_anyway" value="Pacific/Noumea"' in other.content.decode()
    assert ClinicProfile.get().time_zone == "Europe/London"

    saved = client.post(url, profile_form(profile, time_zone="Pacific/Auckland", save_anyway="Pacific/Auckland"))
    assert saved.status_code == 302
    assert ClinicProfile.get().time_zone == "Pacific/Auckland"


def test_a_zone_change_that_moves_no_session_is_saved_at_once(client, manager, twenty_eight_london_days):
    log_in(client, manager)
    response = client.post(reverse("clinic_profile_edit"), profile_form(ClinicProfile.get(), time_zone="Europe/Lisbon"))
    assert response.status_code == 302
    assert ClinicProfile.get().time_zone == "Europe/Lisbon"


def test_the_clinic_profile_admin_asks_too_and_saves_through_the_service(manager_admin, twenty_eight_london_days):
    profile = ClinicProfile.get()
    url = reverse("admin:clinic_clinicprofile_change", args=[profile.pk])

    asked = manager_admin.post(url, profile_form(profile, time_zone="Pacific/Auckland"))
    page = asked.content.decode()
    assert "Confirm the new time zone" in page and "Jane Doe" in page
    assert 'name="save_anyway" id="id_save_anyway" value="Pacific/Auckland"' in page
    assert ClinicProfile.get().time_zone == "Europe/London"

    saved = manager_admin.post(url, profile_form(profile, time_zone="Pacific/Auckland", save_anyway="Pacific/Auckland"))
    assert saved.status_code == 302
    assert ClinicProfile.get().time_zone == "Pacific/Auckland"
    assert AuditEntry.objects.filter(action="clinic_profile.update").count() == 1


def test_the_time_zone_check_is_registered_at_start_up():
    from clinic.rule_changes import time_zone_change_check_installed

    assert time_zone_change_check_installed() == []
