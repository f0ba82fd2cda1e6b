"""The demo seed gives past completed sessions a record and a plan, once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from aftercare import demo
from aftercare.models import AftercarePlan, CheckIn, SessionRecord
from bookings.models import Appointment
from bookings.tests.factories import AppointmentFactory


def test_seed_backfills_past_sessions_once(db, clinic_profile):
    past = AppointmentFactory(
        status=Appointment.Status.COMPLETED,
        areas=["face", "neck"],
        starts_at=(timezone.now() - timedelta(days=10)).replace(second=0, microsecond=0),
    )
    upcoming = AppointmentFactory(client=past.client, starts_at=timezone.now() + timedelta(days=30))

    demo.seed({}, None)
    demo.seed({}, None)

    record = SessionRecord.objects.get()
    assert record.appointment == past
    assert not SessionRecord.objects.filter(appointment=upcoming).exists()
    plan = AftercarePlan.objects.get()
    assert plan.session_on == timezone.localtime(past.starts_at, clinic_profile.tz).date()
    assert [c.answer for c in CheckIn.objects.order_by("day")] == ["fine", "worried"]


@pytest.mark.slow
def test_the_demo_has_a_course_with_photos_at_sessions_1_and_3_once(db, clinic_profile, tmp_path):
    import io

    from django.core.files.storage import storages
    from PIL import Image

    from aftercare.models import PhotoConsent, SessionPhoto
    from bookings import demo as bookings_demo
    from clinic import demo as clinic_demo
    from consultations import demo as consultations_demo

    people = clinic_demo.seed()
    consultations_demo.seed(people)
    bookings_demo.seed(people)
    demo.seed(people, None)

    photos = list(SessionPhoto.objects.select_related("appointment"))
    courses = {p.appointment.course_id for p in photos}
    assert len(courses) == 1
    sessions = list(Appointment.objects.filter(course_id=courses.pop()).order_by("starts_at"))
    assert [s.status for s in sessions] == ["completed"] * 3
    assert all(SessionRecord.objects.filter(appointment=s).exists() for s in sessions)
    numbers = {sessions.index(p.appointment) + 1 for p in photos}
    assert numbers == {1, 3}
    assert (sessions[2].starts_at - sessions[0].starts_at).days in (55, 56, 57)
    assert PhotoConsent.objects.filter(use="marketing", withdrawn_at__isnull=True).count() == len(photos)
    # Small on disk, and made by the real pipeline: no EXIF in what is stored.
    storage = storages["photos"]
    sizes = [storage.size(name) for p in photos for name in (p.image_name, p.thumb_name, p.crop_name)]
    assert sum(sizes) < 1_000_000
    assert dict(Image.open(io.BytesIO(storage.open(photos[0].image_name).read())).getexif()) == {}

    demo.seed(people, None)
    assert SessionPhoto.objects.count() == len(photos)
