# ruff: noqa: F811 (pytest fixtures imported from screens_fixtures are redefined as arguments)
"""The front desk's and the practitioners' screens: what staff see, what their actions write,
and who may open them."""

from datetime import timedelta

import pytest
from django.urls import reverse

from bookings.messages import BookingKind
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
from clinic.models import OutboundMessage, User
from clinic.tests.factories import ClientFactory, FrontDeskFactory, log_in
from consultations.models import HealthUpdate
from consultations.tests.factories import HealthUpdateFactory

pytestmark = pytest.mark.django_db

WEDNESDAY = MONDAY + timedelta(days=2)


@pytest.fixture
def desk(client, screens_clinic):
    person = FrontDeskFactory(first_name="Rosa", last_name="Bell")
    log_in(client, person)
    client.user = person
    return client


def _today_appointment(screens_clinic, client_user, hhmm="11:00", index=0, **kwargs):
    return AppointmentFactory(
        client=client_user,
        treatment=screens_clinic.treatment,
        practitioner=screens_clinic.practitioners[index],
        room=screens_clinic.rooms[index],
        starts_at=at(MONDAY, hhmm),
        **kwargs,
    )


def test_day_view_has_a_column_per_practitioner_with_badges(desk, screens_clinic, cleared_client, monday_morning):
    _today_appointment(screens_clinic, cleared_client)
    html = desk.get(reverse("desk_day")).content.decode()
    assert "Maya Okafor" in html and "Tom Reyes" in html
    assert "Ava Lindqvist" in html
    assert "Cleared" in html and "Health update due" in html
    assert "arrives 11:00" in html and "11:30–12:15" in html
    rooms = desk.get(reverse("desk_day") + "?by=rooms").content.decode()
    assert "seg-numbing" in rooms and "11:00–12:30" in rooms


def test_week_view_shows_one_practitioners_week(desk, screens_clinic, cleared_client, monday_morning):
    _today_appointment(screens_clinic, cleared_client)
    page = desk.get(reverse("desk_week") + f"?practitioner={screens_clinic.practitioners[0].pk}")
    html = page.content.decode()
    assert "Mon 1 Jun" in html and "Sun 7 Jun" in html and "Ava Lindqvist" in html


def test_find_a_client_and_create_one(desk, screens_clinic, cleared_client, monday_morning):
    found = desk.get(reverse("desk_clients") + "?q=lindq").content.decode()
    assert "Ava Lindqvist" in found
    response = desk.post(
        reverse("desk_clients"),
        {"first_name": "Nina", "last_name": "Park", "email": "nina@example.com", "phone": "+44 7700 900111"},
    )
    nina = User.objects.get(email="nina@example.com")
    assert response["Location"] == reverse("desk_client", kwargs={"client_id": nina.pk})
    again = desk.post(
        reverse("desk_clients"),
        {"first_name": "Nina", "last_name": "Park", "email": "NINA@example.com", "phone": "+44 7700 900111"},
    )
    assert "already has an account" in again.content.decode()
    assert User.objects.filter(email="nina@example.com").count() == 1


def test_desk_books_for_a_client_on_the_phone(desk, screens_clinic, cleared_client, monday_morning):
    url = reverse("desk_book_confirm", kwargs={"client_id": cleared_client.pk, "slug": "microneedling"})
    starts = at(MONDAY, "15:00")  # staff need no notice
    response = desk.post(
        url, {"areas": ["face"], "starts_at": starts.isoformat(), "practitioner": screens_clinic.practitioners[1].pk}
    )
    appointment = Appointment.objects.get(client=cleared_client)
    assert response["Location"] == reverse("desk_appointment", kwargs={"appointment_id": appointment.pk})
    assert appointment.channel == Appointment.Channel.STAFF and appointment.booked_by == desk.user


def test_desk_booking_for_someone_who_is_not_a_client_is_a_404(desk, screens_clinic, monday_morning):
    url = reverse("desk_book_calendar", kwargs={"client_id": desk.user.pk, "slug": "microneedling"})
    assert desk.get(url + "?areas=face").status_code == 404


def test_a_new_course_after_the_window_needs_a_reason_from_staff(desk, screens_clinic, cleared_client, monday_morning):
    AppointmentFactory(
        client=cleared_client,
        treatment=screens_clinic.treatment,
        starts_at=at(MONDAY - timedelta(days=30), "10:00"),
        status=Appointment.Status.COMPLETED,
    )
    starts = at(MONDAY + timedelta(days=15), "10:00")  # 45 days after, the window is still open
    url = reverse("desk_book_confirm", kwargs={"client_id": cleared_client.pk, "slug": "microneedling"})
    data = {"areas": ["face"], "starts_at": starts.isoformat(), "practitioner": screens_clinic.practitioners[0].pk}
    page = desk.get(url, data)
    assert "Reason for booking after the course" in page.content.decode()
    refused = desk.post(url, data)
    assert "Please give the reason" in refused.content.decode()
    assert Appointment.objects.filter(client=cleared_client).count() == 1
    # A reason longer than the field takes keeps the page and what was typed, with the field's message.
    long = desk.post(url, {**data, "late_booking_reason": "Travelling. " * 50})
    html = long.content.decode()
    assert long.status_code == 200 and "at most 500 characters" in html and "Travelling. Travelling." in html
    assert 'aria-invalid="true"' in html
    assert Appointment.objects.filter(client=cleared_client).count() == 1
    desk.post(url, {**data, "late_booking_reason": "Client was travelling"})
    booked = Appointment.objects.get(client=cleared_client, starts_at=starts)
    assert booked.late_booking_reason == "Client was travelling" and booked.starts_new_course


def test_check_in_needs_the_health_update_which_the_desk_can_take(desk, screens_clinic, cleared_client, monday_morning):
    appointment = _today_appointment(screens_clinic, cleared_client)
    desk.post(reverse("desk_check_in", kwargs={"appointment_id": appointment.pk}))
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED
    page = desk.get(reverse("desk_appointment", kwargs={"appointment_id": appointment.pk}), follow=True)
    assert "Health update at the desk" in page.content.decode()
    desk.post(reverse("desk_health_update", kwargs={"appointment_id": appointment.pk}), {"anything_changed": "no"})
    assert HealthUpdate.objects.filter(appointment_id=appointment.pk, anything_changed=False).exists()
    desk.post(reverse("desk_check_in", kwargs={"appointment_id": appointment.pk}))
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CHECKED_IN


def test_no_show_and_cancel_from_the_desk(desk, screens_clinic, cleared_client, monday_morning):
    early = _today_appointment(screens_clinic, cleared_client, hhmm="08:00")
    other = _today_appointment(screens_clinic, make_cleared_client(), hhmm="14:00", index=1)
    desk.post(reverse("desk_no_show", kwargs={"appointment_id": early.pk}))
    desk.post(
        reverse("desk_cancel", kwargs={"appointment_id": other.pk}), {"cancelled_by_party": "client", "reason": "Ill"}
    )
    early.refresh_from_db()
    other.refresh_from_db()
    assert early.status == Appointment.Status.NO_SHOW
    assert other.status == Appointment.Status.CANCELLED and "Ill" in other.cancellation_reason
    # The client phoned to cancel: recorded as the client's cancellation, not the clinic's.
    assert (other.cancelled_by_party, other.cancelled_by) == ("client", desk.user)


def test_offer_a_freed_slot_to_the_waitlist(desk, screens_clinic, cleared_client, monday_morning):
    freed = AppointmentFactory(
        treatment=screens_clinic.treatment, starts_at=at(WEDNESDAY, "10:00"), status=Appointment.Status.CANCELLED
    )
    entry = WaitlistEntry.objects.create(
        client=cleared_client,
        treatment=screens_clinic.treatment,
        areas=["face"],
        first_day=MONDAY,
        last_day=WEDNESDAY + timedelta(days=2),
    )
    page = desk.get(reverse("desk_appointment", kwargs={"appointment_id": freed.pk})).content.decode()
    assert "Ava Lindqvist" in page and "Offer this slot" in page
    for _ in range(2):  # a double click sends one message
        desk.post(
            reverse("desk_waitlist_offer", kwargs={"entry_id": entry.pk}), {"starts_at": freed.starts_at.isoformat()}
        )
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.OFFERED
    offers = OutboundMessage.objects.filter(kind=BookingKind.WAITLIST_OFFER, recipient=cleared_client)
    assert offers.count() == 1
    assert "/bookings/book/microneedling/calendar/" in offers.get().context["offer_url"]


def test_offering_a_time_from_another_millennium_says_it_is_outside_the_range(
    desk, screens_clinic, cleared_client, monday_morning
):
    from clinic.models import ClinicProfile

    profile = ClinicProfile.get()
    profile.time_zone = "Australia/Sydney"  # east of UTC: year 9999's last evening is year 10000 there
    profile.save()
    entry = WaitlistEntry.objects.create(
        client=cleared_client, treatment=screens_clinic.treatment, areas=["face"], first_day=MONDAY, last_day=WEDNESDAY
    )
    page = desk.post(
        reverse("desk_waitlist_offer", kwargs={"entry_id": entry.pk}),
        {"starts_at": "9999-12-31T23:00:00+00:00"},
        follow=True,
    )
    assert page.status_code == 200 and "outside the days the client asked for" in page.content.decode()
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.WAITING
    assert not OutboundMessage.objects.filter(kind=BookingKind.WAITLIST_OFFER).exists()


def test_practitioner_day_shows_clearance_and_needle_depth(client, screens_clinic, cleared_client, monday_morning):
    _today_appointment(screens_clinic, cleared_client)
    log_in(client, screens_clinic.practitioners[0].user)
    html = client.get(reverse("practice_day")).content.decode()
    assert "Ava Lindqvist" in html and "Max needle depth <strong>1.50 mm</strong>" in html
    assert reverse("consultations:review_queue") in html
    assert client.get(reverse("practice_week")).status_code == 200


def test_front_desk_cannot_open_the_practitioners_pages(desk, monday_morning):
    assert desk.get(reverse("practice_day")).status_code == 403


def test_calendar_feed_lives_behind_a_revocable_secret(client, screens_clinic, cleared_client, monday_morning):
    _today_appointment(screens_clinic, cleared_client)
    log_in(client, screens_clinic.practitioners[0].user)
    page = client.post(reverse("practice_calendar_feed"), {"action": "create"}).content.decode()
    address = page.split('class="feed-url"')[0].rsplit('value="', 1)[1].split('"')[0]
    path = address.replace("http://testserver", "")
    feed = client.get(path)
    body = feed.content.decode()
    assert feed.status_code == 200 and "BEGIN:VEVENT" in body
    assert "DTSTART;TZID=Europe/London:20260601T113000" in body and "Ava L." in body
    client.post(reverse("practice_calendar_feed"), {"action": "revoke"})
    assert client.get(path).status_code == 404


def test_another_treatment_health_update_badge(desk, screens_clinic, cleared_client, monday_morning):
    appointment = _today_appointment(screens_clinic, cleared_client)
    HealthUpdateFactory(client=cleared_client, appointment_id=appointment.pk, session_date=MONDAY)
    html = desk.get(reverse("desk_day")).content.decode()
    assert "Health update in" in html


def test_clients_cannot_be_found_by_someone_without_the_capability(client, screens_clinic, monday_morning):
    log_in(client, ClientFactory())
    assert client.get(reverse("desk_clients") + "?q=a").status_code == 403


def test_desk_reschedules_by_picking_a_new_slot(desk, screens_clinic, cleared_client, monday_morning):
    appointment = AppointmentFactory(
        client=cleared_client,
        treatment=screens_clinic.treatment,
        practitioner=screens_clinic.practitioners[0],
        room=screens_clinic.rooms[0],
        starts_at=at(WEDNESDAY, "10:00"),
    )
    page = desk.get(reverse("desk_appointment", kwargs={"appointment_id": appointment.pk})).content.decode()
    calendar_url = reverse("desk_book_calendar", kwargs={"client_id": cleared_client.pk, "slug": "microneedling"})
    assert calendar_url in page
    new_time = at(WEDNESDAY, "15:00")
    desk.post(
        reverse("desk_book_confirm", kwargs={"client_id": cleared_client.pk, "slug": "microneedling"}),
        {
            "areas": ["face"],
            "starts_at": new_time.isoformat(),
            "practitioner": screens_clinic.practitioners[0].pk,
            "moving": appointment.pk,
        },
    )
    appointment.refresh_from_db()
    assert appointment.starts_at == new_time


def test_moving_another_clients_appointment_through_the_desk_url_is_a_404(
    desk, screens_clinic, cleared_client, monday_morning
):
    theirs = AppointmentFactory(treatment=screens_clinic.treatment, starts_at=at(WEDNESDAY, "10:00"))
    url = reverse("desk_book_calendar", kwargs={"client_id": cleared_client.pk, "slug": "microneedling"})
    assert desk.get(f"{url}?areas=face&moving={theirs.pk}").status_code == 404


def test_day_view_on_the_spring_clock_change_places_sessions_at_their_wall_clock_time(client, screens_clinic):
    """29 March 2026: London moves from GMT to BST at 01:00. A 10:00 arrival still sits one
    hour below the 09:00 row, and reads 10:00."""
    import time_machine

    from bookings.models import WorkingHours
    from bookings.schedule_grid import PX_PER_MINUTE

    sunday = MONDAY.replace(month=3, day=29)
    practitioner = screens_clinic.practitioners[0]
    WorkingHours.objects.create(practitioner=practitioner, weekday=6, start_time="09:00", end_time="17:00")
    appointment = AppointmentFactory(
        client=make_cleared_client(),
        treatment=screens_clinic.treatment,
        practitioner=practitioner,
        room=screens_clinic.rooms[0],
        starts_at=at(sunday, "10:00"),
    )
    with time_machine.travel(at(sunday, "08:00"), tick=False):
        log_in(client, FrontDeskFactory())
        html = client.get(reverse("desk_day") + f"?day={sunday}&by=rooms").content.decode()
    block = html.split(f'data-appointment="{appointment.pk}"')[0].rsplit("<a ", 1)[1]
    assert f'data-grid-top="{round(60 * PX_PER_MINUTE, 1)}"' in block
    assert "10:00–11:30" in html


def test_staff_home_counts_todays_sessions(client, screens_clinic, cleared_client, monday_morning):
    _today_appointment(screens_clinic, cleared_client)
    log_in(client, screens_clinic.practitioners[0].user)
    html = client.get(reverse("dashboard")).content.decode()
    assert "<strong>1</strong> session in the clinic" in html and "1 with you" in html


def test_double_clicks_on_desk_actions_give_a_message_not_an_error(
    desk, screens_clinic, cleared_client, monday_morning
):
    appointment = _today_appointment(screens_clinic, cleared_client)
    HealthUpdateFactory(client=cleared_client, appointment_id=appointment.pk, session_date=MONDAY)
    check_in = reverse("desk_check_in", kwargs={"appointment_id": appointment.pk})
    desk.post(check_in)
    again = desk.post(check_in, follow=True)
    assert again.status_code == 200 and "cannot be checked in" in again.content.decode()
    cancel = reverse("desk_cancel", kwargs={"appointment_id": appointment.pk})
    desk.post(cancel, {"cancelled_by_party": "clinic", "reason": "Machine broke"})
    twice = desk.post(cancel, {"cancelled_by_party": "clinic", "reason": "Machine broke"}, follow=True)
    assert twice.status_code == 200 and "cannot be cancelled" in twice.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED and appointment.cancelled_by_party == "clinic"
    assert appointment.status_changes.filter(to_status=Appointment.Status.CANCELLED).count() == 1


def test_the_desk_sees_that_health_changed_but_never_what(desk, screens_clinic, cleared_client, monday_morning):
    appointment = _today_appointment(screens_clinic, cleared_client)
    HealthUpdateFactory(
        client=cleared_client,
        appointment_id=appointment.pk,
        session_date=MONDAY,
        anything_changed=True,
        details="Started isotretinoin last week",
    )
    for url in (
        reverse("desk_day"),
        reverse("desk_day_sheet"),
        reverse("desk_appointment", kwargs={"appointment_id": appointment.pk}),
        reverse("desk_client", kwargs={"client_id": cleared_client.pk}),
    ):
        html = desk.get(url).content.decode()
        assert "isotretinoin" not in html, url
    assert "Health change" in desk.get(reverse("desk_day")).content.decode()


def test_desk_puts_a_caller_on_the_waitlist(desk, screens_clinic, cleared_client, monday_morning):
    url = reverse("desk_waitlist_join", kwargs={"client_id": cleared_client.pk})
    assert 'value="neck"' in desk.get(url).content.decode()
    response = desk.post(url, {"first_day": "2026-06-03", "last_day": "2026-06-10", "areas": ["neck"], "note": ""})
    assert response.status_code == 302
    entry = WaitlistEntry.objects.get(client=cleared_client)
    assert entry.areas == ["neck"]
    assert "Ava Lindqvist" in desk.get(reverse("desk_waitlist")).content.decode()


def test_a_tampered_next_address_never_leaves_the_site(desk, screens_clinic, cleared_client, monday_morning):
    appointment = _today_appointment(screens_clinic, cleared_client)
    own = reverse("desk_appointment", kwargs={"appointment_id": appointment.pk})
    for target in ("https://evil.example/", "//evil.example/desk/", "javascript:alert(1)"):
        response = desk.post(reverse("desk_no_show", kwargs={"appointment_id": appointment.pk}), {"next": target})
        assert response.status_code == 302 and response["Location"] == own
    entry = WaitlistEntry.objects.create(
        client=cleared_client, treatment=screens_clinic.treatment, areas=["face"], first_day=MONDAY, last_day=WEDNESDAY
    )
    offer = desk.post(
        reverse("desk_waitlist_offer", kwargs={"entry_id": entry.pk}),
        {"starts_at": at(WEDNESDAY, "10:00").isoformat(), "next": "https://evil.example/"},
    )
    assert offer["Location"] == reverse("desk_waitlist")
    # A page of the site is still where the desk goes back to.
    day = reverse("desk_day") + "?day=2026-06-01"
    back = desk.post(reverse("desk_check_in", kwargs={"appointment_id": appointment.pk}), {"next": day})
    assert back["Location"] == day


def test_the_front_desk_sees_clearance_status_but_not_the_needle_depth(
    client, screens_clinic, cleared_client, monday_morning
):
    from clinic.tests.factories import PractitionerFactory as StaffPractitionerFactory

    appointment = _today_appointment(screens_clinic, cleared_client)
    url = reverse("desk_appointment", kwargs={"appointment_id": appointment.pk})
    log_in(client, FrontDeskFactory())
    at_desk = client.get(url).content.decode()
    assert "Cleared" in at_desk and "1.50 mm" not in at_desk and "depth" not in at_desk
    log_in(client, StaffPractitionerFactory())
    assert "max depth 1.50 mm" in client.get(url).content.decode()


def test_a_next_that_is_not_a_path_of_this_site_falls_back_to_the_appointment():
    from django.test import RequestFactory

    from bookings.views.common import safe_next

    for tampered in ("NaN", "https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        request = RequestFactory().post("/", {"next": tampered})
        assert safe_next(request, "/desk/appointments/1/") == "/desk/appointments/1/", tampered
    request = RequestFactory().post("/", {"next": "/desk/day/?day=2026-11-24"})
    assert safe_next(request, "/fallback/") == "/desk/day/?day=2026-11-24"
