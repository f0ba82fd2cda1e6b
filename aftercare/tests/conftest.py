"""Fixtures for aftercare: a cleared client with an appointment in treatment, ready to record."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bookings.models import Appointment
from bookings.tests.factories import AppointmentFactory, PractitionerFactory, TreatmentFactory
from consultations.tests.factories import ClearanceFactory

LONDON = ZoneInfo("Europe/London")
# Thursday 5 March 2026: the session day of most tests.
SESSION_STARTS = datetime(2026, 3, 5, 14, 0, tzinfo=LONDON)


@pytest.fixture
def session_setup(db, clinic_profile):
    """Return a function making an appointment that is in treatment for a cleared client."""

    def make(
        *, areas=("face", "neck"), max_mm="1.50", starts_at=SESSION_STARTS, client=None, planned_sessions=3, course=None
    ):
        treatment = TreatmentFactory(planned_sessions=planned_sessions)
        practitioner = PractitionerFactory(treatments=[treatment])
        kwargs = {"course": course} if course is not None else {}
        appointment = AppointmentFactory(
            treatment=treatment,
            practitioner=practitioner,
            areas=list(areas),
            starts_at=starts_at,
            status=Appointment.Status.IN_TREATMENT,
            **({"client": client} if client is not None else {}),
            **kwargs,
        )
        if appointment.course.planned_sessions != planned_sessions:
            appointment.course.planned_sessions = planned_sessions
            appointment.course.save(update_fields=["planned_sessions"])
        ClearanceFactory(
            client=appointment.client,
            areas=list(areas),
            max_needle_depth_mm=Decimal(max_mm),
            valid_until=starts_at.date() + timedelta(days=300),
            valid_from=starts_at.date() - timedelta(days=30),
        )
        return appointment

    return make


@pytest.fixture
def record_input():
    """A complete, valid session record for a face-and-neck session."""
    return {
        "depths": {"face": "1.00", "neck": "0.50"},
        "device": "Dermapen 4",
        "cartridge_lot": "DP4-2026-0147",
        "passes": 3,
        "products_applied": "Numbing cream (LMX4), hyaluronic glide",
        "serum": "Hyaluronic acid recovery serum",
        "fitzpatrick": "fitzpatrick_2",
        "skin_type": "combination",
        "reaction": "expected_redness",
        "reaction_notes": "",
        "client_note": "Keep the neck out of the sun this week.",
    }


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    """Each test stores its PDFs in its own folder, not under var/private."""
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }
