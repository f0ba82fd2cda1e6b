"""Booking on clock-change days through the services, with the clock moved by time-machine:
local wall-clock hours, UTC storage, and spacing counted in the clinic's calendar days."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from bookings.selectors.availability import availability_days
from bookings.services.appointments import appointment_book
from bookings.tests.conftest import at
from bookings.tests.factories import bookable_clinic
from clinic.models import ClinicProfile
from clinic.tests.factories import ClientFactory, FrontDeskFactory

EVERY_DAY = {day: [(time(9), time(13)), (time(14), time(18))] for day in range(7)}

CHANGES = [
    # zone, clock-change day, UTC instant of 10:00 local that day
    ("Europe/London", date(2026, 3, 29), datetime(2026, 3, 29, 9, 0, tzinfo=UTC)),
    ("Europe/London", date(2026, 10, 25), datetime(2026, 10, 25, 10, 0, tzinfo=UTC)),
    ("America/New_York", date(2026, 3, 8), datetime(2026, 3, 8, 14, 0, tzinfo=UTC)),
    ("America/New_York", date(2026, 11, 1), datetime(2026, 11, 1, 15, 0, tzinfo=UTC)),
    ("Australia/Lord_Howe", date(2026, 4, 5), datetime(2026, 4, 4, 23, 30, tzinfo=UTC)),
    ("Australia/Lord_Howe", date(2026, 10, 4), datetime(2026, 10, 3, 23, 0, tzinfo=UTC)),
]


@pytest.fixture
def clinic_in(db):
    def make(zone: str):
        profile = ClinicProfile.get()
        profile.time_zone = zone
        profile.save()
        return bookable_clinic(practitioners=1, rooms=1, hours=EVERY_DAY)

    return make


@pytest.mark.parametrize(("zone", "day", "ten_local_utc"), CHANGES)
def test_a_session_on_a_clock_change_day_is_at_the_local_time_booked(clinic_in, zone, day, ten_local_utc):
    setup = clinic_in(zone)
    tz = ZoneInfo(zone)
    with time_machine.travel(datetime.combine(day - timedelta(days=10), time(12), tzinfo=tz), tick=False):
        client = ClientFactory()
        (offered,) = availability_days(
            treatment=setup.treatment, areas=["face"], client=client, first_day=day, last_day=day, online=True
        )
        local_starts = [slot.starts_at.astimezone(tz).strftime("%H:%M") for slot in offered.slots]
        assert local_starts[0] == "09:00" and "11:45" in local_starts and "12:00" not in local_starts
        appointment = appointment_book(
            client=client, treatment=setup.treatment, areas=["face"], starts_at=at(day, "10:00", tz), booked_by=client
        )
    appointment.refresh_from_db()
    assert appointment.starts_at == ten_local_utc
    assert appointment.needling_starts_at.astimezone(tz).strftime("%H:%M") == "10:30"


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York"])
def test_spacing_counts_calendar_days_across_the_spring_change(clinic_in, zone):
    """1 March to 29 March is 28 calendar days, though an hour short of 28 x 24 hours: allowed.
    28 March is 27 days: refused."""
    setup = clinic_in(zone)
    tz = ZoneInfo(zone)
    desk = FrontDeskFactory()
    client = ClientFactory()
    with time_machine.travel(datetime(2026, 2, 20, 12, tzinfo=UTC), tick=False):
        first = appointment_book(
            client=client,
            treatment=setup.treatment,
            areas=["face"],
            starts_at=at(date(2026, 3, 1), "10:00", tz),
            booked_by=desk,
        )
        with pytest.raises(ValidationError):
            appointment_book(
                client=client,
                treatment=setup.treatment,
                areas=["face"],
                starts_at=at(date(2026, 3, 28), "10:00", tz),
                booked_by=desk,
            )
        second = appointment_book(
            client=client,
            treatment=setup.treatment,
            areas=["face"],
            starts_at=at(date(2026, 3, 29), "09:00", tz),
            booked_by=desk,
        )
    assert second.course == first.course
    assert second.starts_at - first.starts_at < timedelta(days=28)


def test_a_lord_howe_session_is_on_the_local_calendar_day_though_utc_says_the_day_before(clinic_in):
    setup = clinic_in("Australia/Lord_Howe")
    tz = ZoneInfo("Australia/Lord_Howe")
    client = ClientFactory()
    with time_machine.travel(datetime(2026, 9, 20, 12, tzinfo=tz), tick=False):
        first = appointment_book(
            client=client,
            treatment=setup.treatment,
            areas=["face"],
            starts_at=at(date(2026, 10, 4), "09:00", tz),
            booked_by=client,
        )
        assert first.starts_at.date() == date(2026, 10, 3)  # UTC
        (day,) = availability_days(
            treatment=setup.treatment,
            areas=["face"],
            client=client,
            first_day=date(2026, 10, 31),
            last_day=date(2026, 10, 31),
            online=True,
        )
    # 4 October to 31 October is 27 local days: too close, whatever the UTC dates say.
    assert day.reason == "spacing"
