"""What the database itself refuses."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from bookings.models import Appointment, ClinicClosure, TimeOff
from bookings.tests.factories import AppointmentFactory, ClinicClosureFactory, TimeOffFactory, bookable_clinic


@pytest.fixture
def setup(db, clinic_profile):
    return bookable_clinic(practitioners=2, rooms=2)


def test_factories_make_a_bookable_clinic(setup):
    assert setup.treatment.areas.count() == 8
    assert setup.practitioners[0].working_hours.count() == 12
    assert list(setup.rooms[0].treatments.all()) == [setup.treatment]


def test_an_appointment_ending_before_it_starts_is_refused(setup):
    appointment = AppointmentFactory(
        treatment=setup.treatment, practitioner=setup.practitioners[0], room=setup.rooms[0]
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.filter(pk=appointment.pk).update(ends_at=appointment.starts_at - timedelta(minutes=1))


def test_a_closure_is_time_off_of_nobody_in_particular(setup):
    closure = ClinicClosureFactory()
    TimeOffFactory(practitioner=setup.practitioners[0])
    assert list(ClinicClosure.objects.all()) == [closure]
    assert TimeOff.objects.count() == 2


def test_time_off_for_a_practitioner_and_a_room_at_once_is_refused(setup):
    with pytest.raises(IntegrityError), transaction.atomic():
        TimeOffFactory(practitioner=setup.practitioners[0], room=setup.rooms[0])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="exclusion constraints are PostgreSQL's")
def test_a_raw_sql_insert_of_an_overlapping_appointment_fails(setup):
    """The database refuses a second appointment holding the same practitioner, even from raw SQL
    that bypasses every service."""
    first = AppointmentFactory(treatment=setup.treatment, practitioner=setup.practitioners[0], room=setup.rooms[0])
    other_client = AppointmentFactory(
        treatment=setup.treatment,
        practitioner=setup.practitioners[1],
        room=setup.rooms[1],
        starts_at=first.starts_at + timedelta(days=1),
    ).client
    sql = """
        INSERT INTO bookings_appointment (client_id, treatment_id, areas, practitioner_id, room_id, course_id,
            status, starts_at, needling_starts_at, needling_ends_at, ends_at, channel, late_booking_reason,
            starts_new_course, cancelled_by_party, cancellation_late, cancellation_reason, created_at, updated_at)
        VALUES (%s, %s, '["neck"]', %s, %s, %s, 'booked', %s, %s, %s, %s, 'staff', '', false, '', false, '', now(), now())
    """
    shift = timedelta(minutes=20)
    # Same practitioner, needling overlapping by 25 minutes, in the other room.
    params = [
        other_client.pk,
        setup.treatment.pk,
        setup.practitioners[0].pk,
        setup.rooms[1].pk,
        first.course_id,
        first.starts_at + shift,
        first.needling_starts_at + shift,
        first.needling_ends_at + shift,
        first.ends_at + shift,
    ]
    with pytest.raises(IntegrityError, match="appointment_practitioner_no_overlap"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    # Same room, other practitioner.
    params[2], params[3] = setup.practitioners[1].pk, setup.rooms[0].pk
    with pytest.raises(IntegrityError, match="appointment_room_no_overlap"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    # Cancelled appointments hold no time: the same insert with status cancelled would pass,
    # and once the first is cancelled the slot is free again.
    Appointment.objects.filter(pk=first.pk).update(status="cancelled", cancelled_at=first.starts_at)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    assert Appointment.objects.filter(status="booked").count() == 2


@pytest.mark.slow
def test_the_migrations_run_on_sqlite_too(tmp_path):
    """The embedded default (no DATABASE_URL) migrates: the exclusion constraints are skipped there,
    and bookings migrates back to zero as well."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(CLINIC_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="clinic.settings.local")
    for args in (["migrate"], ["migrate", "bookings", "zero"], ["migrate"]):
        done = subprocess.run(
            [sys.executable, "manage.py", *args, "--noinput"], cwd=root, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "clinic.sqlite3").exists()
