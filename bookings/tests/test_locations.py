"""Several locations: a practitioner is at one location at a time (the service names the clash,
the database refuses it even under a race), rooms and locations with future bookings stay put."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from bookings.models import Room, WorkingHours
from bookings.services.locations import (
    location_delete_check,
    room_location_change_check,
    working_hours_add,
)
from bookings.tests.factories import AppointmentFactory, PractitionerFactory, RoomFactory
from bookings.tests.test_concurrency import run_in_threads
from clinic.models import Location

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="exclusion constraints")


@pytest.fixture
def bristol(db):
    return Location.objects.create(name="Bristol", address="1 Park Street, Bristol BS1", time_zone="Europe/London")


@pytest.fixture
def bath(db):
    return Location.objects.create(name="Bath", address="2 Milsom Street, Bath BA1", time_zone="Europe/London")


def test_anna_works_monday_to_wednesday_in_bristol_and_thursday_in_bath(bristol, bath):
    anna = PractitionerFactory()
    for weekday in (0, 1, 2):
        working_hours_add(practitioner=anna, location=bristol, weekday=weekday, start_time=time(9), end_time=time(17))
    working_hours_add(practitioner=anna, location=bath, weekday=3, start_time=time(9), end_time=time(17))
    assert sorted(anna.working_hours.values_list("weekday", "location__name")) == [
        (0, "Bristol"),
        (1, "Bristol"),
        (2, "Bristol"),
        (3, "Bath"),
    ]


def test_a_block_overlapping_the_same_practitioner_at_another_location_is_refused_and_names_it(bristol, bath):
    anna = PractitionerFactory(user__first_name="Anna", user__last_name="Kowalska")
    working_hours_add(practitioner=anna, location=bristol, weekday=0, start_time=time(9), end_time=time(13))
    with pytest.raises(ValidationError) as refused:
        working_hours_add(practitioner=anna, location=bath, weekday=0, start_time=time(12), end_time=time(17))
    assert refused.value.messages == [
        "Anna Kowalska already works at Bristol on Monday 09:00-13:00: a practitioner is at one location at a time."
    ]
    assert WorkingHours.objects.filter(location=bath).count() == 0
    # Touching is fine: Bristol in the morning, Bath from 13:00.
    working_hours_add(practitioner=anna, location=bath, weekday=0, start_time=time(13), end_time=time(17))


@postgresql_only
def test_the_database_refuses_overlapping_hours_at_two_locations(bristol, bath):
    anna = PractitionerFactory()
    WorkingHours.objects.create(practitioner=anna, location=bristol, weekday=4, start_time=time(9), end_time=time(13))
    with pytest.raises(IntegrityError, match="working_hours_one_location_at_a_time"), transaction.atomic():
        WorkingHours.objects.create(practitioner=anna, location=bath, weekday=4, start_time=time(10), end_time=time(11))
    # Another practitioner, or the same one another day, is free to.
    WorkingHours.objects.create(practitioner=anna, location=bath, weekday=5, start_time=time(10), end_time=time(11))
    WorkingHours.objects.create(
        practitioner=PractitionerFactory(), location=bath, weekday=4, start_time=time(10), end_time=time(11)
    )


@postgresql_only
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_managers_adding_overlapping_hours_at_two_locations_at_once_leave_one_block():
    bristol = Location.objects.create(name="Bristol")
    bath = Location.objects.create(name="Bath")
    anna = PractitionerFactory()
    calls = [
        lambda: working_hours_add(
            practitioner=anna, location=bristol, weekday=0, start_time=time(9), end_time=time(13)
        ),
        lambda: working_hours_add(practitioner=anna, location=bath, weekday=0, start_time=time(12), end_time=time(16)),
    ]
    results = run_in_threads(calls)
    refused = [result for result in results if isinstance(result, ValidationError)]
    assert len(refused) == 1, results
    assert "a practitioner is at one location at a time" in refused[0].messages[0]
    assert WorkingHours.objects.filter(practitioner=anna).count() == 1


def test_a_room_with_future_bookings_cannot_move_to_another_location(bristol, bath):
    room = RoomFactory(location=bristol, name="Room 1")
    AppointmentFactory(room=room, starts_at=timezone.now() + timedelta(days=2))
    room.location = bath
    with pytest.raises(ValidationError) as refused:
        room_location_change_check(room=room, location_id=bath.pk)
    assert "Room 1 has 1 future booking" in refused.value.messages[0]
    assert Room.objects.get(pk=room.pk).location == bristol


def test_a_room_with_only_past_bookings_may_move(bristol, bath):
    room = RoomFactory(location=bristol)
    AppointmentFactory(room=room, starts_at=timezone.now() - timedelta(days=2))
    room_location_change_check(room=room, location_id=bath.pk)


def test_a_location_with_future_bookings_cannot_be_deleted(bristol):
    AppointmentFactory(room=RoomFactory(location=bristol), starts_at=timezone.now() + timedelta(days=5))
    with pytest.raises(ValidationError, match="Bristol has 1 future booking"):
        location_delete_check(location=bristol)


def test_the_admin_refuses_a_room_move_with_future_bookings(manager_admin, bristol, bath):
    room = RoomFactory(location=bristol, name="Room 1")
    AppointmentFactory(room=room, starts_at=timezone.now() + timedelta(days=2))
    response = manager_admin.post(
        f"/admin/bookings/room/{room.pk}/change/",
        {
            "location": bath.pk,
            "name": "Room 1",
            "is_active": "on",
            "time_off-TOTAL_FORMS": "0",
            "time_off-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "Room 1 has 1 future booking" in response.content.decode()
    assert Room.objects.get(pk=room.pk).location == bristol


def test_the_admin_refuses_a_time_zone_that_does_not_exist(manager_admin):
    response = manager_admin.post(
        "/admin/clinic/location/add/",
        {"name": "Atlantis", "time_zone": "Atlantis/Capital", "late_cancellation_hours": "48", "is_active": "on"},
    )
    assert response.status_code == 200
    assert "is not a time zone name" in response.content.decode()
    assert not Location.objects.filter(name="Atlantis").exists()


# --- Booking at a location ---------------------------------------------------------------------

EVERY_DAY = {day: [(time(9), time(13)), (time(14), time(18))] for day in range(7)}


def _two_cities():
    """Bristol (London time) and New York, one practitioner at both: Bristol Monday to Wednesday,
    New York Thursday to Sunday; a room at each."""
    from bookings.tests.factories import TreatmentFactory

    bristol = Location.objects.create(name="Bristol", address="1 Park Street, Bristol", time_zone="Europe/London")
    new_york = Location.objects.create(
        name="New York", address="5 Fifth Avenue, New York", time_zone="America/New_York"
    )
    treatment = TreatmentFactory(needs_clearance=False)
    anna = PractitionerFactory(treatments=[treatment])
    for weekday in range(7):
        where = bristol if weekday < 3 else new_york
        for start, end in EVERY_DAY[weekday]:
            working_hours_add(practitioner=anna, location=where, weekday=weekday, start_time=start, end_time=end)
    rooms = {loc.name: RoomFactory(location=loc, treatments=[treatment]) for loc in (bristol, new_york)}
    return treatment, anna, bristol, new_york, rooms


def test_each_location_offers_its_own_days_rooms_and_local_hours(db):
    import time_machine

    from bookings.selectors.availability import availability_days
    from clinic.tests.factories import ClientFactory

    treatment, anna, bristol, new_york, rooms = _two_cities()
    client = ClientFactory()
    with time_machine.travel(datetime(2026, 6, 1, 6, 0, tzinfo=UTC), tick=False):  # Monday
        days = {
            loc.name: availability_days(
                treatment=treatment,
                areas=["face"],
                client=client,
                first_day=date(2026, 6, 8),
                last_day=date(2026, 6, 14),
                online=True,
                location_id=loc.pk,
            )
            for loc in (bristol, new_york)
        }
    offered = {name: [d.day.weekday() for d in found if d.slots] for name, found in days.items()}
    assert offered == {"Bristol": [0, 1, 2], "New York": [3, 4, 5, 6]}
    thursday = days["New York"][3]
    assert {slot.room_id for slot in thursday.slots} == {rooms["New York"].pk}
    assert thursday.slots[0].starts_at.astimezone(new_york.tz).strftime("%H:%M") == "09:00"
    assert thursday.slots[0].starts_at.astimezone(UTC).strftime("%H:%M") == "13:00"


@pytest.mark.parametrize(
    ("day", "bristol_nine_utc", "new_york_nine_utc"),
    [
        # 29 March 2026: the UK clock goes forward (New York moved on 8 March).
        (date(2026, 3, 29), "08:00", "13:00"),
        # 1 November 2026: New York goes back (the UK went back on 25 October).
        (date(2026, 11, 1), "09:00", "14:00"),
    ],
)
def test_two_locations_in_two_time_zones_on_a_clock_change_day(db, day, bristol_nine_utc, new_york_nine_utc):
    """Both locations open at 09:00 on their own wall clock, whatever the other's clock does."""
    import time_machine

    from bookings.selectors.availability import availability_days
    from bookings.services.appointments import appointment_book
    from clinic.tests.factories import ClientFactory

    treatment, anna, bristol, new_york, rooms = _two_cities()
    # Both open every day for this test: Anna at Bristol in the morning, New York in its evening.
    WorkingHours.objects.all().delete()
    for weekday in range(7):
        working_hours_add(practitioner=anna, location=bristol, weekday=weekday, start_time=time(9), end_time=time(12))
    other = PractitionerFactory(treatments=[treatment])
    for weekday in range(7):
        working_hours_add(practitioner=other, location=new_york, weekday=weekday, start_time=time(9), end_time=time(12))
    client = ClientFactory()
    with time_machine.travel(datetime.combine(day - timedelta(days=10), time(12), tzinfo=UTC), tick=False):
        firsts = {}
        for loc in (bristol, new_york):
            (found,) = availability_days(
                treatment=treatment,
                areas=["face"],
                client=client,
                first_day=day,
                last_day=day,
                online=True,
                location_id=loc.pk,
            )
            firsts[loc.name] = found.slots[0].starts_at
        assert firsts["Bristol"].astimezone(UTC).strftime("%H:%M") == bristol_nine_utc
        assert firsts["New York"].astimezone(UTC).strftime("%H:%M") == new_york_nine_utc
        booked = appointment_book(
            client=client,
            treatment=treatment,
            areas=["face"],
            starts_at=firsts["New York"],
            booked_by=client,
            location=new_york,
        )
    assert booked.room == rooms["New York"] and booked.practitioner == other
    assert booked.starts_at.astimezone(new_york.tz).strftime("%H:%M") == "09:00"


def test_the_same_skin_is_spaced_across_locations(db):
    """A face session in Bristol, then one in New York 14 days later: refused, spacing counts
    sessions at every location."""
    import time_machine

    from bookings.services.appointments import appointment_book
    from clinic.tests.factories import ClientFactory, FrontDeskFactory

    treatment, anna, bristol, new_york, rooms = _two_cities()
    client, desk = ClientFactory(), FrontDeskFactory()
    with time_machine.travel(datetime(2026, 6, 1, 6, 0, tzinfo=UTC), tick=False):
        appointment_book(
            client=client,
            treatment=treatment,
            areas=["face"],
            starts_at=datetime(2026, 6, 8, 10, 0, tzinfo=bristol.tz),
            booked_by=desk,
            location=bristol,
        )
        with pytest.raises(ValidationError) as refused:
            appointment_book(
                client=client,
                treatment=treatment,
                areas=["face"],
                starts_at=datetime(2026, 6, 25, 10, 0, tzinfo=new_york.tz),
                booked_by=desk,
                location=new_york,
            )
    assert "28" in " ".join(refused.value.messages) or "days" in " ".join(refused.value.messages)
    assert client.appointments.count() == 1


@postgresql_only
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_one_client_booked_at_two_locations_at_the_same_moment_gets_one_session():
    """Two desks, two cities, the same client, the same instant: one place at a time."""
    import time_machine

    from bookings.models import Appointment
    from bookings.services.appointments import appointment_book
    from clinic.tests.factories import ClientFactory, FrontDeskFactory

    treatment, anna, bristol, new_york, rooms = _two_cities()
    # A second practitioner in New York on Mondays, when Anna is in Bristol.
    other = PractitionerFactory(treatments=[treatment])
    working_hours_add(practitioner=other, location=new_york, weekday=0, start_time=time(0), end_time=time(23))
    client = ClientFactory()
    desks = [FrontDeskFactory(), FrontDeskFactory()]
    moment = datetime(2026, 6, 8, 14, 0, tzinfo=UTC)  # 15:00 Bristol, 10:00 New York
    with time_machine.travel(datetime(2026, 6, 1, 6, 0, tzinfo=UTC), tick=False):
        results = run_in_threads(
            [
                lambda: appointment_book(
                    client=client,
                    treatment=treatment,
                    areas=["face"],
                    starts_at=moment,
                    booked_by=desks[0],
                    location=bristol,
                ),
                lambda: appointment_book(
                    client=client,
                    treatment=treatment,
                    areas=["neck"],
                    starts_at=moment,
                    booked_by=desks[1],
                    location=new_york,
                ),
            ]
        )
    assert sum(isinstance(result, Appointment) for result in results) == 1, results
    assert sum(isinstance(result, ValidationError) for result in results) == 1, results
    assert Appointment.objects.filter(client=client).count() == 1


@postgresql_only
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_same_skin_booked_at_two_locations_at_once_days_apart_gets_one_session():
    """Two desks, two cities, the same client and area three days apart, at the same moment: the
    spacing rule holds across locations under the race (PostgreSQL's trigger, the client lock)."""
    import time_machine

    from bookings.models import Appointment
    from bookings.services.appointments import appointment_book
    from clinic.tests.factories import ClientFactory, FrontDeskFactory

    treatment, anna, bristol, new_york, rooms = _two_cities()
    client = ClientFactory()
    desks = [FrontDeskFactory(), FrontDeskFactory()]
    monday_bristol = datetime(2026, 6, 8, 10, 0, tzinfo=bristol.tz)
    thursday_new_york = datetime(2026, 6, 11, 10, 0, tzinfo=new_york.tz)
    with time_machine.travel(datetime(2026, 6, 1, 6, 0, tzinfo=UTC), tick=False):
        results = run_in_threads(
            [
                lambda: appointment_book(
                    client=client,
                    treatment=treatment,
                    areas=["face"],
                    starts_at=monday_bristol,
                    booked_by=desks[0],
                    location=bristol,
                ),
                lambda: appointment_book(
                    client=client,
                    treatment=treatment,
                    areas=["face"],
                    starts_at=thursday_new_york,
                    booked_by=desks[1],
                    location=new_york,
                ),
            ]
        )
    assert sum(isinstance(result, Appointment) for result in results) == 1, results
    assert sum(isinstance(result, ValidationError) for result in results) == 1, results
    assert Appointment.objects.filter(client=client).count() == 1


def test_the_admin_refuses_to_delete_a_location_with_future_bookings_and_keeps_it(manager_admin, bristol):
    AppointmentFactory(room=RoomFactory(location=bristol), starts_at=timezone.now() + timedelta(days=5))
    page = manager_admin.get(f"/admin/clinic/location/{bristol.pk}/delete/").content.decode()
    assert "Bristol has 1 future booking" in page
    manager_admin.post(f"/admin/clinic/location/{bristol.pk}/delete/", {"post": "yes"})
    assert Location.objects.filter(pk=bristol.pk).exists()


# --- Closures and public holidays --------------------------------------------------------------


def test_importing_english_holidays_closes_christmas_and_new_year_and_offers_nothing_then(db):
    import time_machine

    from bookings.models import TimeOff
    from bookings.selectors.availability import availability_days
    from bookings.services.locations import holidays_import
    from clinic.tests.factories import ClientFactory

    treatment, anna, bristol, new_york, rooms = _two_cities()
    for weekday in range(3, 7):  # Anna in Bristol every day for this test
        WorkingHours.objects.filter(practitioner=anna, weekday=weekday).update(location=bristol)
    made = holidays_import(location=bristol, country="gb", subdivision="eng", year=2026)
    assert [closure.reason for closure in made][-3:] == [
        "Christmas Day (public holiday)",
        "Boxing Day (public holiday)",
        "Boxing Day (observed) (public holiday)",
    ]
    assert holidays_import(location=bristol, country="GB", subdivision="ENG", year=2026) == []  # twice: nothing new
    holidays_import(location=bristol, country="GB", subdivision="ENG", year=2027)
    assert (
        TimeOff.objects.filter(location=bristol).count() == len(made) + 10
    )  # 2027: Christmas and Boxing Day at a weekend, both observed
    with time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=UTC), tick=False):
        days = availability_days(
            treatment=treatment,
            areas=["face"],
            client=ClientFactory(),
            first_day=date(2026, 12, 24),
            last_day=date(2027, 1, 2),
            online=True,
            location_id=bristol.pk,
        )
    closed = [d.day for d in days if not d.slots]
    assert closed == [date(2026, 12, 25), date(2026, 12, 26), date(2026, 12, 28), date(2027, 1, 1)]
    assert all(d.reason == "closed" for d in days if not d.slots)
    # New York is not closed by Bristol's holidays.
    with time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=UTC), tick=False):
        other = PractitionerFactory(treatments=[treatment], hours={4: [(time(9), time(17))]})
        WorkingHours.objects.filter(practitioner=other).update(location=new_york)
        (christmas,) = availability_days(
            treatment=treatment,
            areas=["face"],
            client=ClientFactory(),
            first_day=date(2026, 12, 25),
            last_day=date(2026, 12, 25),
            online=True,
            location_id=new_york.pk,
        )
    assert christmas.slots


@pytest.mark.parametrize(
    ("country", "subdivision", "message"),
    [
        ("XX", "", "“XX” is not a country the holiday calendar knows"),
        ("GB", "ZZZ", "GB has no region “ZZZ” in the holiday calendar (its regions: ENG, NIR, SCT, WLS)"),
    ],
)
def test_a_holiday_import_for_an_unknown_country_or_region_is_refused_and_writes_nothing(
    bristol, country, subdivision, message
):
    from bookings.models import TimeOff
    from bookings.services.locations import holidays_import

    with pytest.raises(ValidationError) as refused:
        holidays_import(location=bristol, country=country, subdivision=subdivision, year=2026)
    assert message in " ".join(refused.value.messages)
    assert not TimeOff.objects.exists()


def test_a_holiday_import_over_a_booked_day_is_refused_naming_it_and_writes_nothing(bristol):
    from bookings.models import TimeOff
    from bookings.services.locations import holidays_import

    AppointmentFactory(room=RoomFactory(location=bristol), starts_at=datetime(2026, 12, 28, 10, 0, tzinfo=bristol.tz))
    Location.objects.create(name="Elsewhere")  # two locations: Bristol's own zone applies
    with pytest.raises(ValidationError, match="Bristol has 1 session booked then"):
        holidays_import(location=bristol, country="GB", subdivision="ENG", year=2026)
    assert not TimeOff.objects.exists()


def test_a_manager_imports_holidays_from_the_admin(manager_admin, bristol):
    from bookings.models import TimeOff

    page = manager_admin.get(f"/admin/clinic/location/{bristol.pk}/holidays/")
    assert page.status_code == 200 and "Public holidays for Bristol" in page.content.decode()
    refused = manager_admin.post(f"/admin/clinic/location/{bristol.pk}/holidays/", {"country": "XX", "year": "2026"})
    assert "is not a country the holiday calendar knows" in refused.content.decode()
    done = manager_admin.post(
        f"/admin/clinic/location/{bristol.pk}/holidays/", {"country": "GB", "subdivision": "SCT", "year": "2026"}
    )
    assert done.status_code == 302
    assert TimeOff.objects.filter(location=bristol, reason__icontains="Andrew").exists()


def test_the_confirmation_and_its_ics_show_the_locations_address_and_local_time(db):
    import time_machine

    from bookings.services.appointments import appointment_book
    from clinic.composing import message_compose
    from clinic.models import OutboundMessage
    from clinic.tests.factories import ClientFactory, FrontDeskFactory

    treatment, anna, bristol, new_york, rooms = _two_cities()
    client = ClientFactory()
    with time_machine.travel(datetime(2026, 6, 1, 6, 0, tzinfo=UTC), tick=False):
        booked = appointment_book(
            client=client,
            treatment=treatment,
            areas=["face"],
            starts_at=datetime(2026, 6, 11, 10, 0, tzinfo=new_york.tz),  # a Thursday: Anna in New York
            booked_by=FrontDeskFactory(),
            location=new_york,
        )
        message = OutboundMessage.objects.get(appointment_id=booked.pk, kind="booking_confirmation")
        composed = message_compose(message=message)
    assert "5 Fifth Avenue, New York" in composed.text
    assert "1 Park Street" not in composed.text
    assert "10:00" in composed.text  # New York's wall clock, not London's 15:00
    (ics,) = [a for a in composed.attachments if a.filename.endswith(".ics")]
    text = ics.content.decode()
    assert "LOCATION:5 Fifth Avenue\\, New York" in text
    assert "DTSTART;TZID=America/New_York:20260611T100000" in text


# --- The booking screens -----------------------------------------------------------------------


def test_a_client_picks_a_location_first_and_sees_its_address_and_local_times(client, db):
    import time_machine

    from clinic.tests.factories import ClientFactory, log_in

    treatment, anna, bristol, new_york, rooms = _two_cities()
    me = ClientFactory()
    log_in(client, me)
    with time_machine.travel(datetime(2026, 6, 1, 6, 0, tzinfo=UTC), tick=False):
        picker = client.get("/bookings/book/")
        page = picker.content.decode()
        assert "Where would you like to come?" in page
        assert "1 Park Street, Bristol" in page and "5 Fifth Avenue, New York" in page
        client.get(f"/bookings/book/?location={new_york.pk}")
        calendar = client.get(
            f"/bookings/book/{treatment.slug}/calendar/?areas=face&month=2026-06&day=2026-06-11"
        ).content.decode()
        assert "At <strong>New York</strong>" in calendar and "times in America/New_York" in calendar
        assert "09:00" in calendar  # New York's opening, not London's 14:00
        confirm = client.get(
            f"/bookings/book/{treatment.slug}/confirm/",
            {
                "areas": "face",
                "starts_at": datetime(2026, 6, 11, 13, 0, tzinfo=UTC).isoformat(),
                "practitioner": anna.pk,
                "room": rooms["New York"].pk,
            },
        ).content.decode()
        assert "5 Fifth Avenue, New York" in confirm and "Arrive at <strong>09:00</strong>" in confirm


def test_with_one_location_the_booking_flow_asks_nothing_about_it(client, clinic_profile):
    from bookings.tests.factories import bookable_clinic
    from clinic.tests.factories import ClientFactory, log_in

    bookable_clinic(practitioners=1, rooms=1)
    log_in(client, ClientFactory())
    response = client.get("/bookings/book/")
    assert response.status_code == 302 and "Where would you like to come?" not in response.content.decode()


def test_a_front_desk_member_books_only_at_their_own_locations(client, db):
    from clinic.tests.factories import ClientFactory, FrontDeskFactory, log_in

    treatment, anna, bristol, new_york, rooms = _two_cities()
    desk = FrontDeskFactory(home_location=bristol)
    log_in(client, desk)
    someone = ClientFactory()
    response = client.get(f"/desk/clients/{someone.pk}/book/")
    assert response.status_code == 302  # one location to pick from: straight on
    client.get(f"/desk/clients/{someone.pk}/book/?location={new_york.pk}")  # not theirs: ignored
    assert client.session.get("booking_location_id") is None


def test_the_desk_day_shows_one_location_front_desk_only_theirs_and_a_manager_switches(client, db):
    from clinic.tests.factories import ClientFactory, FrontDeskFactory, ManagerFactory, log_in

    treatment, anna, bristol, new_york, rooms = _two_cities()
    ben = PractitionerFactory(treatments=[treatment], user__first_name="Ben", user__last_name="Bristolian")
    working_hours_add(practitioner=ben, location=bristol, weekday=0, start_time=time(9), end_time=time(17))
    monday = date(2026, 6, 8)
    AppointmentFactory(
        client=ClientFactory(first_name="Brenda", last_name="Bristol"),
        treatment=treatment,
        practitioner=ben,
        room=rooms["Bristol"],
        starts_at=datetime(2026, 6, 8, 10, 0, tzinfo=bristol.tz),
    )
    AppointmentFactory(
        client=ClientFactory(first_name="Nora", last_name="Newyork"),
        treatment=treatment,
        practitioner=anna,
        room=rooms["New York"],
        starts_at=datetime(2026, 6, 8, 10, 0, tzinfo=new_york.tz),
    )
    log_in(client, FrontDeskFactory(home_location=bristol))
    page = client.get(f"/desk/day/?day={monday:%Y-%m-%d}&location={new_york.pk}").content.decode()
    assert "At <strong>Bristol</strong>" in page  # New York is not theirs: their own location
    assert "Brenda Bristol" in page and "Nora Newyork" not in page
    assert 'id="location-input"' not in page
    client.logout()
    log_in(client, ManagerFactory())
    page = client.get(f"/desk/day/?day={monday:%Y-%m-%d}&location={new_york.pk}").content.decode()
    assert "At <strong>New York</strong>" in page and "times in America/New_York" in page
    assert "Nora Newyork" in page and "Brenda Bristol" not in page
    assert 'id="location-input"' in page


def test_my_appointment_shows_the_locations_address_and_its_local_time(client, db):
    from clinic.tests.factories import ClientFactory, log_in

    treatment, anna, bristol, new_york, rooms = _two_cities()
    me = ClientFactory()
    booked = AppointmentFactory(
        client=me,
        treatment=treatment,
        practitioner=anna,
        room=rooms["New York"],
        starts_at=timezone.now().replace(hour=14, minute=0, second=0, microsecond=0) + timedelta(days=10),
    )
    log_in(client, me)
    page = client.get(f"/bookings/appointments/{booked.pk}/").content.decode()
    assert "5 Fifth Avenue, New York" in page
    local = timezone.localtime(booked.starts_at, new_york.tz)
    assert f"Arrive at <strong>{local:%H:%M}</strong>" in page
