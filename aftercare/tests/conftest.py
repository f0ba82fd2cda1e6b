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


@pytest.fixture(autouse=True)
def _photo_storage(settings, tmp_path):
    """Each test keeps its photos in its own folder; ``photo_files`` lists what is there."""
    settings.STORAGES = {
        **settings.STORAGES,
        "photos": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "photos"), "base_url": None},
        },
    }


@pytest.fixture
def photo_files(tmp_path):
    """Every file in the test's photo storage, as paths relative to it."""
    root = tmp_path / "photos"

    def listing() -> list[str]:
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []

    return listing


@pytest.fixture
def add_photo():
    """Return a function adding a photo to a session through the service (a small phone JPEG
    with GPS in its EXIF; consents: the clinical record unless told otherwise)."""
    from aftercare.photos.services import photo_add
    from aftercare.tests.photo_files import phone_jpeg, upload

    def add(appointment, *, area=None, angle="front", stage="before", consents=("clinical",), by=None, seed=0):
        return photo_add(
            appointment=appointment,
            area=area or appointment.areas[0],
            angle=angle,
            stage=stage,
            upload=upload(phone_jpeg((480, 360), seed=seed)),
            taken_by=by or appointment.practitioner.user,
            consents=consents,
        )

    return add


@pytest.fixture
def photo_course(session_setup, add_photo):
    """A face course of three sessions 28 days apart (two completed, the third in treatment),
    with a before photo from the front at each, and a left one at the first and the third.
    Returns (course, [appointments])."""

    def make(*, client=None, photos=True):
        first = session_setup(areas=("face",), starts_at=SESSION_STARTS - timedelta(days=56), client=client)
        first.status = Appointment.Status.COMPLETED
        first.save(update_fields=["status"])
        sessions = [first]
        for n, status in ((1, Appointment.Status.COMPLETED), (2, Appointment.Status.IN_TREATMENT)):
            sessions.append(
                AppointmentFactory(
                    client=first.client,
                    treatment=first.treatment,
                    practitioner=first.practitioner,
                    course=first.course,
                    areas=["face"],
                    starts_at=SESSION_STARTS - timedelta(days=56 - 28 * n),
                    status=status,
                )
            )
        if photos:
            for n, appointment in enumerate(sessions):
                add_photo(appointment, angle="front", seed=n)
                if n != 1:
                    add_photo(appointment, angle="left_45", seed=n + 10)
        return first.course, sessions

    return make
