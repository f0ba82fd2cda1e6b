# ruff: noqa: F811 (pytest fixtures imported from screens_fixtures are redefined as arguments)
"""Every booking screen runs the same number of queries whatever the amount of data: one
appointment or sixty on the day view, one session or many on the client's pages."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import Appointment, WaitlistEntry
from bookings.tests.factories import WEEKDAY_HOURS, AppointmentFactory, PractitionerFactory, RoomFactory
from bookings.tests.screens_fixtures import (  # noqa: F401 (fixtures)
    MONDAY,
    at,
    cleared_client,
    make_cleared_client,
    monday_morning,
    screens_clinic,
)
from clinic.tests.factories import FrontDeskFactory, log_in
from consultations.tests.factories import HealthUpdateFactory

pytestmark = pytest.mark.django_db

STARTS = ["09:00", "10:45", "12:30", "14:15", "16:00"]


@pytest.fixture
def big_clinic(screens_clinic):
    """Twelve practitioners and twelve rooms: room enough for sixty sessions on one day."""
    treatment = screens_clinic.treatment
    practitioners = list(screens_clinic.practitioners) + [
        PractitionerFactory(treatments=[treatment], hours=WEEKDAY_HOURS) for _ in range(10)
    ]
    rooms = list(screens_clinic.rooms) + [RoomFactory(treatments=[treatment]) for _ in range(10)]
    return treatment, practitioners, rooms


def _fill_day(big_clinic, day, count):
    treatment, practitioners, rooms = big_clinic
    made = []
    for number in range(count):
        column, slot = divmod(number, len(STARTS))
        client = make_cleared_client()
        appointment = AppointmentFactory(
            client=client,
            treatment=treatment,
            practitioner=practitioners[column],
            room=rooms[column],
            starts_at=at(day, STARTS[slot]),
            status=[Appointment.Status.BOOKED, Appointment.Status.CHECKED_IN, Appointment.Status.COMPLETED][number % 3],
        )
        if number % 2:
            HealthUpdateFactory(client=client, appointment_id=appointment.pk, session_date=day)
        made.append(appointment)
    return made


def _count(client, url) -> int:
    # The times fragment answers htmx only (a plain request goes to the calendar page).
    headers = {"HX-Request": "true"} if "/times/" in url else {}
    client.get(url, headers=headers)  # warm: session, user, clinic profile
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, url
    return len(queries)


def _flat(client, url, grow) -> tuple[int, int]:
    before = _count(client, url)
    grow()
    after = _count(client, url)
    return before, after


@pytest.mark.parametrize("view", ["desk_day", "desk_day_rooms", "desk_day_sheet"])
def test_day_view_queries_do_not_grow_from_1_to_60_appointments(client, big_clinic, monday_morning, view):
    log_in(client, FrontDeskFactory())
    _fill_day(big_clinic, MONDAY, 1)
    url = {
        "desk_day": reverse("desk_day"),
        "desk_day_rooms": reverse("desk_day") + "?by=rooms",
        "desk_day_sheet": reverse("desk_day_sheet"),
    }[view]
    one = _count(client, url)
    Appointment.objects.all().delete()
    _fill_day(big_clinic, MONDAY, 60)
    assert Appointment.objects.count() == 60
    sixty = _count(client, url)
    assert one == sixty, f"{view}: {one} queries with 1 appointment, {sixty} with 60"
    assert one <= 20


def test_week_view_queries_do_not_grow(client, big_clinic, monday_morning):
    log_in(client, FrontDeskFactory())
    practitioner = big_clinic[1][0]
    url = reverse("desk_week") + f"?practitioner={practitioner.pk}"
    _fill_day(big_clinic, MONDAY, 1)
    one = _count(client, url)
    for offset in range(1, 6):
        _fill_day(big_clinic, MONDAY + timedelta(days=offset), 5)
    assert _count(client, url) == one


def test_practitioner_day_and_week_queries_do_not_grow(client, big_clinic, monday_morning):
    practitioner = big_clinic[1][0]
    log_in(client, practitioner.user)
    _fill_day(big_clinic, MONDAY, 1)
    day_one, week_one = _count(client, reverse("practice_day")), _count(client, reverse("practice_week"))
    _fill_day(big_clinic, MONDAY + timedelta(days=1), 5)
    for hhmm in STARTS[1:]:
        AppointmentFactory(
            client=make_cleared_client(),
            treatment=big_clinic[0],
            practitioner=practitioner,
            room=big_clinic[2][0],
            starts_at=at(MONDAY, hhmm),
        )
    assert _count(client, reverse("practice_day")) == day_one
    assert _count(client, reverse("practice_week")) == week_one


def _client_sessions(screens_clinic, client_user, count, first=0):
    # Two sessions a day, on different skin (face, thighs): the database refuses two sessions on
    # the same area closer than the treatment's minimum, as the booking services do.
    for number in range(first, first + count):
        AppointmentFactory(
            client=client_user,
            treatment=screens_clinic.treatment,
            areas=["thighs"] if number % 2 else ["face"],
            practitioner=screens_clinic.practitioners[number % 2],
            room=screens_clinic.rooms[number % 2],
            starts_at=at(MONDAY + timedelta(days=2 + 30 * (number // 2)), "10:00" if number % 2 else "14:00"),
        )


@pytest.mark.parametrize("name", ["my_appointments", "my_course", "dashboard"])
def test_client_pages_queries_do_not_grow(client, screens_clinic, cleared_client, monday_morning, name):
    log_in(client, cleared_client)
    _client_sessions(screens_clinic, cleared_client, 1)
    url = reverse(name)
    one = _count(client, url)
    _client_sessions(screens_clinic, cleared_client, 8, first=1)
    WaitlistEntry.objects.create(
        client=cleared_client, treatment=screens_clinic.treatment, areas=["face"], first_day=MONDAY, last_day=MONDAY
    )
    # At most as many: "My course" proposes the rest of the current course only while it has
    # sessions left to book (one plan per page), and a fully booked course asks nothing.
    assert _count(client, url) <= one


def test_booking_calendar_queries_do_not_grow_with_the_schedule(client, screens_clinic, cleared_client, monday_morning):
    log_in(client, cleared_client)
    url = reverse("book_calendar", kwargs={"slug": "microneedling"}) + "?areas=face&month=2026-06"
    one = _count(client, url)
    for offset in range(2, 20):
        AppointmentFactory(
            treatment=screens_clinic.treatment,
            practitioner=screens_clinic.practitioners[0],
            room=screens_clinic.rooms[0],
            starts_at=at(MONDAY + timedelta(days=offset), "09:00"),
        )
    assert _count(client, url) == one


def test_desk_client_appointment_and_waitlist_pages_do_not_grow(client, screens_clinic, cleared_client, monday_morning):
    log_in(client, FrontDeskFactory())
    _client_sessions(screens_clinic, cleared_client, 1)
    first = Appointment.objects.get()
    urls = [
        reverse("desk_client", kwargs={"client_id": cleared_client.pk}),
        reverse("desk_appointment", kwargs={"appointment_id": first.pk}),
        reverse("desk_waitlist"),
        reverse("desk_clients") + "?q=a",
    ]
    counts = [_count(client, url) for url in urls]
    _client_sessions(screens_clinic, cleared_client, 8, first=1)
    for _ in range(5):
        WaitlistEntry.objects.create(
            client=make_cleared_client(),
            treatment=screens_clinic.treatment,
            areas=["face"],
            first_day=MONDAY,
            last_day=MONDAY,
        )
    assert [_count(client, url) for url in urls] == counts


def _more_of_everything(screens_clinic, cleared_client):
    """Eight more sessions for the client, appointments of other clients, waitlist entries."""
    _client_sessions(screens_clinic, cleared_client, 8, first=1)
    for offset in range(2, 8):
        AppointmentFactory(
            client=make_cleared_client(),
            treatment=screens_clinic.treatment,
            practitioner=screens_clinic.practitioners[1],
            room=screens_clinic.rooms[1],
            starts_at=at(MONDAY + timedelta(days=offset), "16:00"),
        )
    for _ in range(3):
        WaitlistEntry.objects.create(
            client=make_cleared_client(),
            treatment=screens_clinic.treatment,
            areas=["face"],
            first_day=MONDAY,
            last_day=MONDAY + timedelta(days=5),
        )


def test_every_other_client_page_stays_flat(client, screens_clinic, cleared_client, monday_morning):
    log_in(client, cleared_client)
    _client_sessions(screens_clinic, cleared_client, 1)
    mine = Appointment.objects.get(client=cleared_client)
    slug = "microneedling"
    confirm = reverse("book_confirm", kwargs={"slug": slug})
    urls = [
        reverse("book_areas", kwargs={"slug": slug}),
        reverse("book_times", kwargs={"slug": slug}) + f"?areas=face&day={MONDAY + timedelta(days=3)}",
        f"{confirm}?areas=face&starts_at={at(MONDAY + timedelta(days=3), '10:00').isoformat().replace('+', '%2B')}"
        f"&practitioner={screens_clinic.practitioners[0].pk}",
        reverse("my_appointment", kwargs={"appointment_id": mine.pk}),
        reverse("my_appointment_cancel", kwargs={"appointment_id": mine.pk}),
        reverse("my_appointment_ics", kwargs={"appointment_id": mine.pk}),
        reverse("waitlist_join", kwargs={"slug": slug}),
    ]
    counts = [_count(client, url) for url in urls]
    _more_of_everything(screens_clinic, cleared_client)
    assert [_count(client, url) for url in urls] == counts


def test_every_other_staff_page_stays_flat(client, screens_clinic, cleared_client, monday_morning):
    from bookings.services.calendar_feed import calendar_feed_token_create

    practitioner = screens_clinic.practitioners[0]
    log_in(client, practitioner.user)
    _client_sessions(screens_clinic, cleared_client, 1)
    mine = Appointment.objects.get(client=cleared_client)
    token = calendar_feed_token_create(practitioner=practitioner)
    book = {"client_id": cleared_client.pk, "slug": "microneedling"}
    urls = [
        reverse("desk_book_areas", kwargs=book),
        reverse("desk_book_calendar", kwargs=book) + "?areas=face",
        reverse("desk_appointment_ics", kwargs={"appointment_id": mine.pk}),
        reverse("practice_calendar_feed"),
        reverse("desk_waitlist_join", kwargs={"client_id": cleared_client.pk}),
        reverse("calendar_feed", kwargs={"token": token}),
    ]
    counts = [_count(client, url) for url in urls]
    _more_of_everything(screens_clinic, cleared_client)
    assert [_count(client, url) for url in urls] == counts
