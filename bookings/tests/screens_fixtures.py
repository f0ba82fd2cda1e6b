"""Fixtures for the booking screens' tests (imported by the test_screens_* and test_browser_*
modules: the engine's conftest stays its own)."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bookings.tests.factories import TreatmentFactory, bookable_clinic
from clinic.tests.factories import ClientFactory
from consultations.tests.factories import ClearanceFactory

LONDON = ZoneInfo("Europe/London")
# A Monday far from any clock change; the clock stands at 09:00 London time on it.
MONDAY = date(2026, 6, 1)
NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def at(day: date, hhmm: str) -> datetime:
    hours, minutes = (int(part) for part in hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=LONDON)


@pytest.fixture
def monday_morning():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def monday_ticking():
    """For browser tests: the clock starts at Monday 09:00 London and runs."""
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def screens_clinic(db, clinic_profile):
    """Micro-needling that needs clearance, two practitioners (Mon-Sat 09:00-13:00, 14:00-18:00)
    and two rooms."""
    treatment = TreatmentFactory(needs_clearance=True)
    setup = bookable_clinic(practitioners=2, rooms=2, treatment=treatment)
    for number, practitioner in enumerate(setup.practitioners):
        practitioner.user.first_name, practitioner.user.last_name = [("Maya", "Okafor"), ("Tom", "Reyes")][number]
        practitioner.user.save(update_fields=["first_name", "last_name"])
    return setup


def make_cleared_client(**kwargs):
    client = ClientFactory(**kwargs)
    ClearanceFactory(
        client=client,
        areas=["face", "neck"],
        valid_from=MONDAY - timedelta(days=10),
        valid_until=MONDAY + timedelta(days=355),
        max_needle_depth_mm=Decimal("1.50"),
    )
    return client


@pytest.fixture
def cleared_client(screens_clinic):
    return make_cleared_client(first_name="Ava", last_name="Lindqvist")
