"""Several locations: a practitioner is at one location at a time (the service names the clash,
the database refuses it even under a race), rooms and locations with future bookings stay put."""

from datetime import time, timedelta

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
