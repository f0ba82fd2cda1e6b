"""The demo week: realistic, for cleared clients only, and idempotent."""

import pytest

from bookings import demo as bookings_demo
from bookings.models import Appointment, Practitioner, Room, WaitlistEntry
from clinic import demo as clinic_demo
from consultations import demo as consultations_demo
from consultations.selectors import clearance_check


@pytest.mark.slow
def test_the_demo_week_is_made_once_for_cleared_clients_only(db, clinic_profile):
    people = clinic_demo.seed()
    consultations_demo.seed(people)
    bookings_demo.seed(people)
    count = Appointment.objects.count()
    assert count >= 15
    # Two locations in two cities: three rooms in Bristol, one in Bath; Anna works at both.
    assert sorted(Room.objects.values_list("location__name", flat=True)) == ["Bath", "Bristol", "Bristol", "Bristol"]
    anna = Practitioner.objects.get(user=people["staff"]["practitioner"][0])
    assert set(anna.working_hours.values_list("location__name", flat=True)) == {"Bath", "Bristol"}
    assert all(
        set(p.working_hours.values_list("location__name", flat=True)) == {"Bristol"}
        for p in Practitioner.objects.exclude(pk=anna.pk)
    )
    assert not Appointment.objects.exclude(room__location__name="Bristol").exists()
    assert Practitioner.objects.count() == 3
    assert all(p.working_hours.count() >= 8 for p in Practitioner.objects.all())
    for appointment in Appointment.objects.select_related("client", "treatment"):
        check = clearance_check(
            client=appointment.client,
            treatment_slug=appointment.treatment.slug,
            areas=appointment.areas,
            on=appointment.starts_at.date(),
        )
        assert check.ok, (appointment, check.message)
    # Clients part-way through courses: some courses have two or three sessions.
    assert Appointment.objects.values("course").distinct().count() < count
    assert Appointment.objects.filter(status="booked").exists()
    assert Appointment.objects.filter(status="completed").exists()

    # Two cleared clients with nothing booked ahead wait for a time in the coming fortnight.
    waiting = list(WaitlistEntry.objects.select_related("client"))
    assert len(waiting) == 2
    for entry in waiting:
        assert entry.status == WaitlistEntry.Status.WAITING and entry.first_day <= entry.last_day
        assert clearance_check(
            client=entry.client, treatment_slug="microneedling", areas=entry.areas, on=entry.first_day
        ).ok
        assert not Appointment.objects.filter(
            client=entry.client, status="booked", starts_at__gte=entry.created_at
        ).exists()

    bookings_demo.seed(people)
    assert Appointment.objects.count() == count
    assert Room.objects.count() == 4
    assert WaitlistEntry.objects.count() == 2
