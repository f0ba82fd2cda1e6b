"""The demo seed gives past completed sessions a record and a plan, once."""

from datetime import timedelta

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
