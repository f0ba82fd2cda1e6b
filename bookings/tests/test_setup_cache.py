"""The set-up cache behind the calendars (clinic.setup_cache): set-up rows are read once per
process, but a booking made a moment ago is never offered again, and a manager's change to the
set-up is seen on the next read."""

from datetime import time

from bookings.models import WorkingHours
from bookings.selectors.availability import availability_days
from bookings.services.appointments import appointment_book
from bookings.tests.conftest import MONDAY, at, days
from bookings.tests.factories import bookable_clinic
from clinic.tests.factories import ClientFactory

TUESDAY = MONDAY + days(1)


def _offered(setup, client, day=TUESDAY):
    (found,) = availability_days(
        treatment=setup.treatment, areas=["face"], client=client, first_day=day, last_day=day, online=False
    )
    return {slot.starts_at for slot in found.slots}


def test_a_time_booked_a_moment_ago_is_no_longer_offered(db, clinic_profile, frozen_monday, front_desk):
    setup = bookable_clinic(practitioners=1, rooms=1)
    first, second = ClientFactory(), ClientFactory()
    assert at(TUESDAY, "10:00") in _offered(setup, second)  # the set-up is cached from here on
    appointment_book(
        client=first, treatment=setup.treatment, areas=["face"], starts_at=at(TUESDAY, "10:00"), booked_by=front_desk
    )
    assert at(TUESDAY, "10:00") not in _offered(setup, second)


def test_a_change_to_working_hours_is_seen_on_the_next_read(db, clinic_profile, frozen_monday):
    setup = bookable_clinic(practitioners=1, rooms=1)
    client = ClientFactory()
    assert at(TUESDAY, "09:00") in _offered(setup, client)
    WorkingHours.objects.filter(practitioner=setup.practitioners[0], weekday=TUESDAY.weekday()).delete()
    assert _offered(setup, client) == set()
    WorkingHours.objects.create(
        practitioner=setup.practitioners[0], weekday=TUESDAY.weekday(), start_time=time(15), end_time=time(18)
    )
    offered = _offered(setup, client)
    assert at(TUESDAY, "15:00") in offered and at(TUESDAY, "09:00") not in offered


def test_a_room_taken_off_the_treatment_is_no_longer_used(db, clinic_profile, frozen_monday):
    setup = bookable_clinic(practitioners=2, rooms=2)
    client = ClientFactory()
    assert at(TUESDAY, "10:00") in _offered(setup, client)
    for room in setup.rooms:
        room.treatments.remove(setup.treatment)
    assert _offered(setup, client) == set()
