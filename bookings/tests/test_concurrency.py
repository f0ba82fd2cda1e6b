"""Races on PostgreSQL with real threads, each on its own connection: the database and the row
lock keep every rule when many people book at the same moment."""

import threading
from datetime import time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from bookings.models import Appointment
from bookings.services.appointments import appointment_book
from bookings.tests.conftest import at
from bookings.tests.factories import bookable_clinic
from clinic.models import ClinicProfile
from clinic.tests.factories import ClientFactory, FrontDeskFactory

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and exclusion constraints"),
]

EVERY_DAY = {day: [(time(9), time(18))] for day in range(7)}


def run_in_threads(calls) -> list:
    """Start every call at the same moment (a barrier), each thread on its own connection;
    return what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - the test inspects what each thread got
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.fixture
def london():
    profile = ClinicProfile.get()
    profile.time_zone = "Europe/London"
    profile.save()
    return profile.tz


def test_fifty_people_trying_one_slot_leave_exactly_one_appointment(london):
    setup = bookable_clinic(practitioners=1, rooms=1, hours=EVERY_DAY)
    desk = FrontDeskFactory()
    clients = [ClientFactory() for _ in range(50)]
    day = timezone.now().astimezone(london).date() + timedelta(days=7)
    starts_at = at(day, "10:00", london)

    def attempt(client):
        return lambda: appointment_book(
            client=client, treatment=setup.treatment, areas=["face"], starts_at=starts_at, booked_by=desk
        )

    results = run_in_threads([attempt(client) for client in clients])

    booked = [r for r in results if isinstance(r, Appointment)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(booked) == 1
    assert len(refused) == 49, [r for r in results if not isinstance(r, Appointment | ValidationError)]
    assert all("taken" in " ".join(error.messages) for error in refused)
    # Refused either by the service's own check (it saw the booking) or, when two passed the
    # check together, by the exclusion constraint at insert: both read "just been taken".
    codes = {error.error_dict["starts_at"][0].code for error in refused}
    assert codes <= {"just_taken", "practitioner_busy", "room_busy"}
    assert Appointment.objects.filter(starts_at=starts_at).count() == 1
    assert Appointment.objects.count() == 1


def test_twenty_parallel_bookings_for_one_client_ten_days_apart_stay_28_days_apart(london):
    setup = bookable_clinic(practitioners=3, rooms=3, hours=EVERY_DAY)
    desk = FrontDeskFactory()
    client = ClientFactory()
    first = timezone.now().astimezone(london).date() + timedelta(days=2)
    dates = [first + timedelta(days=10 * n) for n in range(20)]

    def attempt(day):
        return lambda: appointment_book(
            client=client,
            treatment=setup.treatment,
            areas=["face"],
            starts_at=at(day, "10:00", london),
            booked_by=desk,
            late_booking_reason="Planned around the client's travel",
        )

    results = run_in_threads([attempt(day) for day in dates])

    unexpected = [r for r in results if not isinstance(r, Appointment | ValidationError)]
    assert not unexpected
    days = sorted(a.starts_at.astimezone(london).date() for a in Appointment.objects.filter(client=client))
    assert len(days) >= 4  # at least one in every four consecutive dates fits
    assert all((later - earlier).days >= 28 for earlier, later in zip(days, days[1:], strict=False))
    assert len(days) == sum(isinstance(r, Appointment) for r in results)


def test_twenty_shell_inserts_for_one_client_at_once_stay_28_days_apart(london):
    """No service, no lock taken by the caller: twenty ``Appointment.objects.create`` calls at
    the same moment, 10 days apart. The spacing trigger takes the client's row lock, so each
    insert sees the ones committed before it; the refused ones are refused by spacing (not a
    deadlock)."""
    from django.db import IntegrityError

    from bookings.models import Course

    setup = bookable_clinic(practitioners=1, rooms=1, hours=EVERY_DAY)
    client = ClientFactory()
    course = Course.objects.create(client=client, treatment=setup.treatment, areas=["face"])
    first = timezone.now().astimezone(london).date() + timedelta(days=2)

    def insert(day):
        starts_at = at(day, "10:00", london)
        return lambda: Appointment.objects.create(
            client=client,
            treatment=setup.treatment,
            areas=["face"],
            practitioner=setup.practitioners[0],
            room=setup.rooms[0],
            course=course,
            starts_at=starts_at,
            needling_starts_at=starts_at + timedelta(minutes=30),
            needling_ends_at=starts_at + timedelta(minutes=75),
            ends_at=starts_at + timedelta(minutes=90),
            channel=Appointment.Channel.STAFF,
        )

    results = run_in_threads([insert(first + timedelta(days=10 * n)) for n in range(20)])

    refused = [r for r in results if isinstance(r, IntegrityError)]
    assert all(isinstance(r, Appointment | IntegrityError) for r in results), results
    assert all(error.__cause__.sqlstate == "23S01" for error in refused), refused
    days = sorted(a.starts_at.astimezone(london).date() for a in Appointment.objects.filter(client=client))
    assert len(days) == 20 - len(refused) >= 4
    assert all((later - earlier).days >= 28 for earlier, later in zip(days, days[1:], strict=False))


def test_two_desks_adding_the_same_caller_get_one_client_and_a_message(clinic_profile):
    """The second desk's check runs while the first desk's new client is not yet committed:
    the unique e-mail refuses its insert, and it reads the plain "already has an account"."""
    from django.db import transaction

    from bookings.services.clients import client_create_by_staff
    from clinic.models import User

    desk = FrontDeskFactory()
    inserted, release = threading.Event(), threading.Event()

    def first_desk():
        try:
            with transaction.atomic():
                User.objects.create_user(email="caller@example.com", password=None)
                inserted.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    def second_desk():
        try:
            return client_create_by_staff(
                first_name="Sam", last_name="Caller", email="caller@example.com", phone="07700 900123", created_by=desk
            )
        except Exception as error:  # noqa: BLE001 - the test inspects what it got
            return error
        finally:
            connections.close_all()

    outcome: list = []
    first = threading.Thread(target=first_desk)
    first.start()
    assert inserted.wait(timeout=30)
    second = threading.Thread(target=lambda: outcome.append(second_desk()))
    second.start()
    second.join(timeout=1)  # it waits on the first desk's uncommitted row
    release.set()
    first.join(timeout=30)
    second.join(timeout=30)
    assert isinstance(outcome[0], ValidationError)
    assert "already has an account" in " ".join(outcome[0].messages)
    assert User.objects.filter(email="caller@example.com").count() == 1
