"""Locations: an existing one-site database becomes one location with no change a user sees, and
who may see which location."""

from datetime import time

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from clinic.locations import location_tz, locations_for
from clinic.models import Location
from clinic.tests.factories import ClientFactory, FrontDeskFactory, ManagerFactory

BEFORE = [("clinic", "0010_outbox_kind_registered_by_apps"), ("bookings", "0006_tablet_check_in")]


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_a_one_site_database_migrates_to_one_location_holding_its_profile_rooms_and_hours():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    old.get_model("clinic", "ClinicProfile").objects.create(
        name="Lumen Skin Clinic",
        address="1 Park Street, Bristol",
        phone="+44 117 496 0123",
        email="hello@lumenskin.example",
        time_zone="Europe/Dublin",
        late_cancellation_hours=24,
    )
    user = old.get_model("clinic", "User").objects.create(email="desk@example.com")
    user.groups.add(old.get_model("auth", "Group").objects.get_or_create(name="front_desk")[0])
    client = old.get_model("clinic", "User").objects.create(email="client@example.com")
    room = old.get_model("bookings", "Room").objects.create(name="Room 1")
    person = old.get_model("clinic", "User").objects.create(email="anna@example.com")
    practitioner = old.get_model("bookings", "Practitioner").objects.create(user=person)
    hours = old.get_model("bookings", "WorkingHours").objects.create(
        practitioner=practitioner, weekday=0, start_time=time(9), end_time=time(17)
    )
    ben = old.get_model("bookings", "Practitioner").objects.create(
        user=old.get_model("clinic", "User").objects.create(email="ben@example.com")
    )
    for weekday, start, end in ((0, time(8, 30), time(13)), (0, time(14), time(18, 30)), (2, time(10), time(16))):
        old.get_model("bookings", "WorkingHours").objects.create(
            practitioner=ben, weekday=weekday, start_time=start, end_time=end
        )

    executor = MigrationExecutor(connection)
    executor.migrate(_latest())
    new = MigrationExecutor(connection).loader.project_state(_latest()).apps

    (location,) = new.get_model("clinic", "Location").objects.all()
    assert (location.name, location.address, location.phone, location.email) == (
        "Lumen Skin Clinic",
        "1 Park Street, Bristol",
        "+44 117 496 0123",
        "hello@lumenskin.example",
    )
    assert (location.time_zone, location.late_cancellation_hours) == ("Europe/Dublin", 24)
    assert new.get_model("bookings", "Room").objects.get(pk=room.pk).location_id == location.pk
    assert new.get_model("bookings", "WorkingHours").objects.get(pk=hours.pk).location_id == location.pk
    users = new.get_model("clinic", "User").objects
    assert users.get(pk=user.pk).home_location_id == location.pk
    assert list(users.get(pk=user.pk).locations.values_list("pk", flat=True)) == [location.pk]
    assert users.get(pk=client.pk).home_location_id is None
    # Opening hours: each weekday someone works, from the earliest start to the latest end.
    opening = new.get_model("bookings", "OpeningHours").objects.order_by("weekday")
    assert list(opening.values_list("location_id", "weekday", "opens", "closes")) == [
        (location.pk, 0, time(8, 30), time(18, 30)),
        (location.pk, 2, time(10), time(16)),
    ]
    # The clinic itself stays one: its profile is still there.
    assert new.get_model("clinic", "ClinicProfile").objects.get().name == "Lumen Skin Clinic"


@pytest.mark.django_db(transaction=True)
def test_an_empty_database_migrates_without_making_a_location():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    executor = MigrationExecutor(connection)
    executor.migrate(_latest())
    assert not Location.objects.exists()


def test_the_first_location_is_made_from_the_clinic_profile_on_first_use(clinic_profile):
    location = Location.default()
    assert (location.name, location.phone, location.time_zone) == (
        "Lumen Skin Clinic",
        "+44 117 496 0123",
        "Europe/London",
    )
    assert Location.default().pk == location.pk
    assert location_tz(None).key == "Europe/London"


def test_a_manager_sees_every_location_and_front_desk_only_theirs(db):
    bristol = Location.objects.create(name="Bristol", time_zone="Europe/London")
    bath = Location.objects.create(name="Bath", time_zone="Europe/London")
    Location.objects.create(name="Closed", is_active=False)
    desk = FrontDeskFactory(home_location=bath)
    assert [loc.name for loc in locations_for(ManagerFactory())] == ["Bath", "Bristol"]
    assert [loc.name for loc in locations_for(desk)] == ["Bath"]
    assert [loc.name for loc in locations_for(ClientFactory())] == ["Bath", "Bristol"]
    unplaced = FrontDeskFactory()
    assert [loc.name for loc in locations_for(unplaced)] == ["Bath", "Bristol"]
    desk2 = FrontDeskFactory()
    desk2.locations.add(bristol)
    assert [loc.name for loc in locations_for(desk2)] == ["Bristol"]
    assert location_tz(bath.pk).key == "Europe/London"
