"""Fixtures for the booking engine's tests."""

from datetime import date, datetime, timedelta

import pytest
import time_machine

from bookings.tests.factories import bookable_clinic

# A Monday far from any DST change, at 08:00 London time.
MONDAY = date(2026, 6, 1)


@pytest.fixture
def frozen_monday():
    """The clock at 08:00 UTC on Monday 1 June 2026 (09:00 in London)."""
    with time_machine.travel(datetime(2026, 6, 1, 8, 0, tzinfo=__import__("datetime").UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def clinic(db, clinic_profile):
    """Micro-needling (no clearance needed), two practitioners working Monday to Saturday
    09:00-13:00 and 14:00-18:00, two rooms."""
    return bookable_clinic(practitioners=2, rooms=2)


def days(n: int) -> timedelta:
    return timedelta(days=n)
