"""Fixtures for the booking engine's tests."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bookings.tests.factories import bookable_clinic
from clinic.tests.factories import log_in

# A Monday far from any clock change. The clock is frozen at 10:00 London time on it.
MONDAY = date(2026, 6, 1)
LONDON = ZoneInfo("Europe/London")


def at(day: date, hhmm: str, tz=LONDON) -> datetime:
    """A local wall-clock time on ``day`` as an aware datetime."""
    hours, minutes = (int(part) for part in hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=tz)


def days(n: int) -> timedelta:
    return timedelta(days=n)


@pytest.fixture
def frozen_monday():
    """The clock at 09:00 UTC on Monday 1 June 2026 (10:00 in London)."""
    with time_machine.travel(datetime(2026, 6, 1, 9, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def clinic(db, clinic_profile):
    """Micro-needling (no clearance needed), two practitioners working Monday to Saturday
    09:00-13:00 and 14:00-18:00, two rooms."""
    return bookable_clinic(practitioners=2, rooms=2)


@pytest.fixture
def manager_admin(client, manager):
    """The test client logged in as a manager who runs the Django admin (a superuser, as in the
    demo)."""
    manager.is_staff = manager.is_superuser = True
    manager.save(update_fields=["is_staff", "is_superuser"])
    log_in(client, manager)
    return client
