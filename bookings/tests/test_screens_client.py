# ruff: noqa: F811 (pytest fixtures imported from screens_fixtures are redefined as arguments)
"""The client's booking screens through Django's test client: what a client sees and what the
database then holds."""

from datetime import timedelta

import pytest
from django.urls import reverse

from bookings.models import Appointment, WaitlistEntry
from bookings.tests.factories import AppointmentFactory
from bookings.tests.screens_fixtures import (  # noqa: F401 (fixtures)
    MONDAY,
    at,
    cleared_client,
    make_cleared_client,
    monday_morning,
    screens_clinic,
)
from clinic.tests.factories import ClientFactory, log_in

pytestmark = pytest.mark.django_db

WEDNESDAY = MONDAY + timedelta(days=2)


def _calendar(client, query="areas=face"):
    return client.get(f"{reverse('book_calendar', kwargs={'slug': 'microneedling'})}?{query}")


def test_areas_page_offers_only_the_cleared_areas(client, cleared_client, monday_morning):
    log_in(client, cleared_client)
    page = client.get(reverse("book_start"), follow=True)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'value="face"' in html and 'value="neck"' in html
    assert 'value="thighs"' not in html
    assert "Not covered by your clearance" in html


def test_a_client_without_a_consultation_is_told_why_and_where_to_go(client, screens_clinic, monday_morning):
    someone = ClientFactory()
    log_in(client, someone)
    page = client.get(reverse("book_areas", kwargs={"slug": "microneedling"}))
    assert "fill in your consultation form" in page.content.decode()
    assert 'type="checkbox"' not in page.content.decode()


def test_calendar_marks_free_days_and_says_why_others_are_empty(client, cleared_client, monday_morning):
    log_in(client, cleared_client)
    html = _calendar(client, "areas=face&month=2026-06").content.decode()
    # Online bookings need 24 hours' notice: Monday is out, Wednesday has times; Sundays are closed.
    assert 'data-day="2026-06-03"' in html and "day-button" in html
    assert (
        "Sun 7 Jun, Sun 14 Jun, Sun 21 Jun, Sun 28 Jun:</strong>\n          The clinic is closed on this day." in html
    )
    assert "Online bookings need 24 hours" in html


def test_times_come_as_a_fragment_for_htmx(client, cleared_client, monday_morning):
    log_in(client, cleared_client)
    url = reverse("book_times", kwargs={"slug": "microneedling"})
    page = client.get(f"{url}?areas=face&day={WEDNESDAY}", HTTP_HX_REQUEST="true")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<html" not in html
    assert ">09:00<" in html and "Wednesday 3 June 2026" in html


def test_confirmation_shows_arrival_numbing_and_needling_then_books(client, cleared_client, monday_morning):
    log_in(client, cleared_client)
    starts = at(WEDNESDAY, "10:00")
    from bookings.models import Practitioner

    practitioner = Practitioner.objects.order_by("pk").first()
    url = reverse("book_confirm", kwargs={"slug": "microneedling"})
    query = f"areas=face&areas=neck&starts_at={starts.isoformat().replace('+', '%2B')}&practitioner={practitioner.pk}"
    page = client.get(f"{url}?{query}")
    html = page.content.decode()
    # Face 45 + neck 30 = 75, capped at 60 minutes of needling.
    assert "Arrive at <strong>10:00</strong>, numbing starts then, needling <strong>10:30–11:30</strong>" in html
    response = client.post(
        url, {"areas": ["face", "neck"], "starts_at": starts.isoformat(), "practitioner": practitioner.pk}
    )
    appointment = Appointment.objects.get(client=cleared_client)
    assert response.status_code == 302
    assert response["Location"] == reverse("my_appointment", kwargs={"appointment_id": appointment.pk})
    assert appointment.starts_at == starts and appointment.channel == Appointment.Channel.ONLINE
    listing = client.get(reverse("my_appointments")).content.decode()
    assert "Wednesday 3 June 2026" in listing


def test_a_double_submit_books_once_and_shows_the_booking(client, cleared_client, monday_morning):
    from bookings.models import Practitioner

    log_in(client, cleared_client)
    starts = at(WEDNESDAY, "11:00")
    data = {"areas": ["face"], "starts_at": starts.isoformat(), "practitioner": Practitioner.objects.first().pk}
    url = reverse("book_confirm", kwargs={"slug": "microneedling"})
    first = client.post(url, data)
    second = client.post(url, data)
    assert Appointment.objects.filter(client=cleared_client).count() == 1
    assert first["Location"] == second["Location"]
    # The back button after booking: the confirmation page sends the client to the booking.
    back = client.get(url, {**data, "starts_at": starts.isoformat()})
    assert back.status_code == 302 and back["Location"] == first["Location"]


def test_a_slot_taken_meanwhile_says_just_taken_with_the_nearest_times(
    client, cleared_client, monday_morning, screens_clinic
):
    starts = at(WEDNESDAY, "10:00")
    # Both practitioners and both rooms are taken at 10:00 by others.
    for practitioner, room in zip(screens_clinic.practitioners, screens_clinic.rooms, strict=True):
        AppointmentFactory(treatment=screens_clinic.treatment, practitioner=practitioner, room=room, starts_at=starts)
    log_in(client, cleared_client)
    url = reverse("book_confirm", kwargs={"slug": "microneedling"})
    page = client.post(
        url, {"areas": ["face"], "starts_at": starts.isoformat(), "practitioner": screens_clinic.practitioners[0].pk}
    )
    html = page.content.decode()
    assert page.status_code == 409
    assert "just taken" in html
    assert "The nearest free times" in html and "time-button" in html
    assert not Appointment.objects.filter(client=cleared_client).exists()


def test_a_practitioner_who_does_not_give_the_treatment_is_refused(client, cleared_client, monday_morning):
    from bookings.tests.factories import WEEKDAY_HOURS, PractitionerFactory

    outsider = PractitionerFactory(hours=WEEKDAY_HOURS)
    log_in(client, cleared_client)
    url = reverse("book_confirm", kwargs={"slug": "microneedling"})
    page = client.post(
        url,
        {"areas": ["face"], "starts_at": at(WEDNESDAY, "10:00").isoformat(), "practitioner": outsider.pk},
        follow=True,
    )
    assert "does not give this treatment" in page.content.decode()
    assert not Appointment.objects.exists()


def test_a_tampered_form_is_read_as_nothing(client, cleared_client, monday_morning):
    log_in(client, cleared_client)
    url = reverse("book_confirm", kwargs={"slug": "microneedling"})
    page = client.post(url, {"areas": ["face"], "starts_at": "yesterday", "practitioner": "x"}, follow=True)
    assert page.status_code == 200
    assert "could not be read" in page.content.decode()
    assert not Appointment.objects.exists()


def test_too_soon_after_a_session_says_why_with_the_first_allowed_date(
    client, cleared_client, monday_morning, screens_clinic
):
    AppointmentFactory(
        client=cleared_client,
        treatment=screens_clinic.treatment,
        practitioner=screens_clinic.practitioners[0],
        room=screens_clinic.rooms[0],
        starts_at=at(MONDAY - timedelta(days=7), "10:00"),
        status=Appointment.Status.COMPLETED,
    )
    log_in(client, cleared_client)
    html = _calendar(client, "areas=face&month=2026-06").content.decode()
    assert "at least 28 days" in html
    assert "First possible date: <strong>Monday 22 June 2026</strong>" in html


def test_another_clients_appointment_is_a_404(client, cleared_client, monday_morning, screens_clinic):
    theirs = AppointmentFactory(treatment=screens_clinic.treatment, starts_at=at(WEDNESDAY, "10:00"))
    log_in(client, cleared_client)
    for name in ("my_appointment", "my_appointment_cancel", "my_appointment_ics"):
        assert client.get(reverse(name, kwargs={"appointment_id": theirs.pk})).status_code == 404
    moving = f"{reverse('book_calendar', kwargs={'slug': 'microneedling'})}?areas=face&moving={theirs.pk}"
    assert client.get(moving).status_code == 404
    assert client.post(reverse("my_appointment_cancel", kwargs={"appointment_id": theirs.pk})).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Appointment.Status.BOOKED


def test_late_cancellation_warns_and_needs_confirming(client, cleared_client, monday_morning, screens_clinic):
    soon = AppointmentFactory(
        client=cleared_client, treatment=screens_clinic.treatment, starts_at=at(MONDAY + timedelta(days=1), "10:00")
    )
    log_in(client, cleared_client)
    url = reverse("my_appointment_cancel", kwargs={"appointment_id": soon.pk})
    assert "This is a late cancellation" in client.get(url).content.decode()
    refused = client.post(url, {"reason": ""})
    assert "Please confirm" in refused.content.decode()
    soon.refresh_from_db()
    assert soon.status == Appointment.Status.BOOKED
    client.post(url, {"reason": "", "confirm_late": "on"})
    soon.refresh_from_db()
    assert soon.status == Appointment.Status.CANCELLED and soon.cancellation_late


def test_ics_download_is_in_the_clinics_time_zone(client, cleared_client, monday_morning, screens_clinic):
    mine = AppointmentFactory(
        client=cleared_client, treatment=screens_clinic.treatment, starts_at=at(WEDNESDAY, "10:00")
    )
    log_in(client, cleared_client)
    response = client.get(reverse("my_appointment_ics", kwargs={"appointment_id": mine.pk}))
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/calendar")
    assert "DTSTART;TZID=Europe/London:20260603T100000" in body


def test_my_course_says_which_session_is_next_and_its_window(client, cleared_client, monday_morning, screens_clinic):
    first = AppointmentFactory(
        client=cleared_client,
        treatment=screens_clinic.treatment,
        starts_at=at(MONDAY - timedelta(days=7), "10:00"),
        status=Appointment.Status.COMPLETED,
    )
    log_in(client, cleared_client)
    html = client.get(reverse("my_course")).content.decode()
    assert "Session 2 of 3" in html
    assert "Monday 22 June" in html and "Monday 6 July 2026" in html
    assert "Book session 2" in html
    assert first.course.pk


def test_joining_the_waitlist_for_a_range_of_days(client, cleared_client, monday_morning):
    log_in(client, cleared_client)
    url = reverse("waitlist_join", kwargs={"slug": "microneedling"})
    form = client.get(url).content.decode()
    assert 'type="date" name="first_day" value="2026-06-02"' in form  # tomorrow, ready to pick
    response = client.post(
        url, {"first_day": "2026-06-08", "last_day": "2026-06-12", "areas": ["face"], "note": "mornings"}
    )
    assert response.status_code == 302
    entry = WaitlistEntry.objects.get(client=cleared_client)
    assert (str(entry.first_day), str(entry.last_day), entry.areas) == ("2026-06-08", "2026-06-12", ["face"])
    bad = client.post(url, {"first_day": "2026-06-12", "last_day": "2026-06-08", "areas": ["face"]})
    assert "on or after the first day" in bad.content.decode()
    assert WaitlistEntry.objects.count() == 1


def test_staff_pages_are_closed_to_clients(client, cleared_client, monday_morning):
    log_in(client, cleared_client)
    assert client.get(reverse("desk_day")).status_code == 403
    assert client.get(reverse("desk_clients")).status_code == 403


def test_moving_a_session_keeps_it_and_changes_its_time(client, cleared_client, monday_morning, screens_clinic):
    from bookings.services.appointments import appointment_book

    booked = appointment_book(
        client=cleared_client,
        treatment=screens_clinic.treatment,
        areas=["face"],
        starts_at=at(WEDNESDAY, "10:00"),
        booked_by=cleared_client,
    )
    log_in(client, cleared_client)
    detail = client.get(reverse("my_appointment", kwargs={"appointment_id": booked.pk})).content.decode()
    assert f"moving={booked.pk}" in detail
    calendar = _calendar(client, f"areas=face&moving={booked.pk}").content.decode()
    assert "Move your session" in calendar
    new_time = at(WEDNESDAY + timedelta(days=1), "14:00")
    url = reverse("book_confirm", kwargs={"slug": "microneedling"})
    data = {
        "areas": ["face"],
        "starts_at": new_time.isoformat(),
        "practitioner": booked.practitioner_id,
        "moving": booked.pk,
    }
    assert "Move your session to this time?" in client.get(url, data).content.decode()
    response = client.post(url, data)
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.starts_at == new_time
    assert Appointment.objects.filter(client=cleared_client).count() == 1


def test_the_clients_home_shows_the_next_session_in_the_clinics_time(
    client, cleared_client, monday_morning, screens_clinic
):
    AppointmentFactory(client=cleared_client, treatment=screens_clinic.treatment, starts_at=at(WEDNESDAY, "10:00"))
    log_in(client, cleared_client)
    html = client.get(reverse("dashboard")).content.decode()
    assert "Wednesday 3 June" in html and "Arrive at 10:00" in html


def test_booking_a_waited_for_day_takes_the_client_off_the_waitlist(
    client, cleared_client, monday_morning, screens_clinic
):
    entry = WaitlistEntry.objects.create(
        client=cleared_client, treatment=screens_clinic.treatment, areas=["face"], first_day=MONDAY, last_day=WEDNESDAY
    )
    log_in(client, cleared_client)
    client.post(
        reverse("book_confirm", kwargs={"slug": "microneedling"}),
        {
            "areas": ["face"],
            "starts_at": at(WEDNESDAY, "09:00").isoformat(),
            "practitioner": screens_clinic.practitioners[0].pk,
        },
    )
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.BOOKED


@pytest.mark.parametrize(
    "query",
    [
        "areas=face&month=9999-12",
        "areas=face&month=0-0",
        "areas=face&month=2026-13",
        "areas=face&day=not-a-day",
        "areas=face&practitioner=999999",
        "areas=face&from=1-1-1",
    ],
)
def test_garbled_calendar_addresses_show_this_month(client, cleared_client, monday_morning, query):
    """An unreadable month, day, practitioner or start is ignored: the calendar of the current
    month, with its free days, as if it had not been given."""
    log_in(client, cleared_client)
    response = _calendar(client, query)
    html = response.content.decode()
    assert response.status_code == 200
    assert "June 2026" in html and 'data-day="2026-06-03"' in html


def test_a_garbled_session_to_move_is_a_404_and_an_unknown_area_goes_back_to_the_areas(
    client, cleared_client, monday_morning
):
    log_in(client, cleared_client)
    assert _calendar(client, "areas=face&moving=abc").status_code == 404
    response = _calendar(client, "areas=nose")
    assert response.status_code == 302
    assert response["Location"] == reverse("book_areas", kwargs={"slug": "microneedling"})


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2026-02-30", "x"])
def test_garbled_days_on_the_desk_never_fail(client, screens_clinic, monday_morning, day):
    from clinic.tests.factories import FrontDeskFactory

    log_in(client, FrontDeskFactory())
    for name in ("desk_day", "desk_day_sheet", "desk_week"):
        param = "week" if name == "desk_week" else "day"
        assert client.get(f"{reverse(name)}?{param}={day}").status_code == 200


def test_an_area_outside_the_clearance_is_refused_with_the_reason(
    client, cleared_client, monday_morning, screens_clinic
):
    log_in(client, cleared_client)
    url = reverse("book_confirm", kwargs={"slug": "microneedling"})
    data = {
        "areas": ["thighs"],
        "starts_at": at(WEDNESDAY, "10:00").isoformat(),
        "practitioner": screens_clinic.practitioners[0].pk,
    }
    shown = client.get(url, data).content.decode()
    assert "That time can't be booked." in shown and "not thighs" in shown
    posted = client.post(url, data)
    assert posted.status_code == 409 and "not thighs" in posted.content.decode()
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("starts_at", ["9999-12-31T23:00:00+00:00", "0001-01-01T00:00:00+00:00"])
def test_a_time_from_another_millennium_is_read_as_nothing(client, cleared_client, monday_morning, starts_at):
    """A tampered time at the edge of the calendar gets the plain message, not a server error."""
    log_in(client, cleared_client)
    url = reverse("book_confirm", kwargs={"slug": "microneedling"})
    data = {"areas": ["face"], "starts_at": starts_at, "practitioner": 1}
    for response in (client.get(url, data, follow=True), client.post(url, data, follow=True)):
        assert response.status_code == 200
        assert "could not be read" in response.content.decode()
    assert not Appointment.objects.exists()


def test_a_session_that_has_taken_place_offers_no_cancel_form(client, cleared_client, monday_morning, screens_clinic):
    done = AppointmentFactory(
        client=cleared_client,
        treatment=screens_clinic.treatment,
        starts_at=at(MONDAY - timedelta(days=7), "10:00"),
        status=Appointment.Status.COMPLETED,
    )
    log_in(client, cleared_client)
    url = reverse("my_appointment_cancel", kwargs={"appointment_id": done.pk})
    for response in (client.get(url, follow=True), client.post(url, {"confirm_late": "on"}, follow=True)):
        html = response.content.decode()
        assert response.redirect_chain[-1][0] == reverse("my_appointment", kwargs={"appointment_id": done.pk})
        assert "can no longer be cancelled online: please call the clinic" in html
        assert "late cancellation" not in html
    done.refresh_from_db()
    assert done.status == Appointment.Status.COMPLETED
