"""The selectors against the database: what a client or the desk is offered, why a day is
empty, and query counts that stay flat however many days, practitioners or appointments."""

from datetime import timedelta

import pytest

from bookings.availability import Reason
from bookings.models import Appointment
from bookings.selectors.availability import availability_days
from bookings.selectors.schedules import day_schedule, practitioner_week_schedule
from bookings.services.appointments import appointment_book
from bookings.tests.conftest import MONDAY, at, days
from bookings.tests.factories import (
    WEEKDAY_HOURS,
    AppointmentFactory,
    ClinicClosureFactory,
    PractitionerFactory,
    RoomFactory,
    TimeOffFactory,
    TreatmentFactory,
    bookable_clinic,
)
from clinic.models import ClinicProfile
from clinic.tests.factories import ClientFactory
from consultations.tests.factories import ClearanceFactory, HealthUpdateFactory

pytestmark = pytest.mark.usefixtures("frozen_monday")

TUESDAY = MONDAY + days(1)


def offer(setup, client, first, last, *, online=True, areas=("face",), practitioner=None):
    found = availability_days(
        treatment=setup.treatment,
        areas=list(areas),
        client=client,
        first_day=first,
        last_day=last,
        online=online,
        practitioner=practitioner,
    )
    return {day.day: day for day in found}


def test_each_empty_day_says_why(clinic, client_user):
    ClinicClosureFactory(starts_at=at(MONDAY + days(3), "00:00"), ends_at=at(MONDAY + days(4), "00:00"))
    appointment_book(
        client=client_user,
        treatment=clinic.treatment,
        areas=["face"],
        starts_at=at(TUESDAY, "10:00"),
        booked_by=client_user,
    )
    days_ = offer(clinic, client_user, MONDAY, MONDAY + days(50))
    assert offer(clinic, ClientFactory(), MONDAY, MONDAY)[MONDAY].reason == Reason.NOTICE
    assert days_[MONDAY].reason == Reason.SPACING  # the day before the session on Tuesday
    assert days_[MONDAY + days(3)].reason == Reason.CLOSED  # the closure
    assert days_[MONDAY + days(6)].reason == Reason.CLOSED  # Sunday: nobody works
    assert days_[TUESDAY + days(1)].reason == Reason.SPACING
    assert days_[TUESDAY + days(1)].next_possible == TUESDAY + days(28)
    assert days_[TUESDAY + days(28)].slots and days_[TUESDAY + days(28)].course_id is not None
    assert days_[TUESDAY + days(43)].reason == Reason.OUTSIDE_WINDOW
    # Another area runs alongside.
    thighs = offer(clinic, client_user, TUESDAY + days(1), TUESDAY + days(1), areas=["thighs"])
    assert thighs[TUESDAY + days(1)].slots


def test_a_fully_booked_day(db, clinic_profile, client_user):
    setup = bookable_clinic(practitioners=1, rooms=1)
    TimeOffFactory(room=setup.rooms[0], starts_at=at(TUESDAY, "08:00"), ends_at=at(TUESDAY, "19:00"))
    assert offer(setup, client_user, TUESDAY, TUESDAY)[TUESDAY].reason == Reason.FULLY_BOOKED


def test_practitioner_time_off_and_choice(clinic, client_user):
    first, second = clinic.practitioners
    TimeOffFactory(practitioner=first, starts_at=at(TUESDAY, "00:00"), ends_at=at(TUESDAY + days(1), "00:00"))
    assert offer(clinic, client_user, TUESDAY, TUESDAY, practitioner=first)[TUESDAY].reason == Reason.FULLY_BOOKED
    slots = offer(clinic, client_user, TUESDAY, TUESDAY)[TUESDAY].slots
    assert {slot.practitioner_id for slot in slots} == {second.pk}


def test_clearance_reasons(db, clinic_profile):
    setup = bookable_clinic(treatment=TreatmentFactory(needs_clearance=True))
    nobody = ClientFactory()
    assert offer(setup, nobody, TUESDAY, TUESDAY)[TUESDAY].reason == Reason.CLEARANCE_MISSING
    expiring = ClientFactory()
    ClearanceFactory(client=expiring, areas=["face"], valid_until=TUESDAY + days(2))
    found = offer(setup, expiring, TUESDAY, TUESDAY + days(4))
    assert found[TUESDAY + days(2)].slots
    assert found[TUESDAY + days(3)].reason == Reason.CLEARANCE_EXPIRED
    expired = ClientFactory()
    ClearanceFactory(client=expired, areas=["face"], valid_until=MONDAY - days(1))
    assert offer(setup, expired, TUESDAY, TUESDAY)[TUESDAY].reason == Reason.CLEARANCE_EXPIRED


def _fill(setup, count: int, start: int = 0):
    """Appointments number ``start`` to ``count - 1`` of a schedule spread over practitioners,
    rooms and days (eight a day from Tuesday, Sundays skipped)."""
    working_days = [TUESDAY + days(n) for n in range(count) if (TUESDAY + days(n)).weekday() != 6]
    for n in range(start, count):
        day = working_days[n // 8]
        hour = 9 + (n % 4) * 2
        AppointmentFactory(
            treatment=setup.treatment,
            practitioner=setup.practitioners[(n // 4) % 2],
            room=setup.rooms[(n // 4) % 2],
            starts_at=at(day, f"{hour:02d}:00"),
        )


@pytest.mark.parametrize("clearance", [False, True])
def test_availability_takes_at_most_six_queries_however_much_there_is(
    db, clinic_profile, django_assert_num_queries, clearance
):
    setup = bookable_clinic(practitioners=2, rooms=2, treatment=TreatmentFactory(needs_clearance=clearance))
    client = ClientFactory()
    if clearance:
        ClearanceFactory(client=client, areas=["face"])
    # Set-up (the clinic, the catalogue, working hours) is read once per process and set-up change
    # (clinic.setup_cache); then the appointments and time off (one union query) and the clearance
    # (one query: the clearances, each saying whether a health change awaits review).
    expected = 2 if clearance else 1
    offer(setup, client, TUESDAY, TUESDAY + days(6))
    with django_assert_num_queries(expected):
        small = offer(setup, client, TUESDAY, TUESDAY + days(6))
    _fill(setup, 50)
    for _ in range(8):
        PractitionerFactory(treatments=[setup.treatment], hours=WEEKDAY_HOURS)
    RoomFactory(treatments=[setup.treatment])
    # The set-up changed: read again, once (locations and their opening hours too).
    with django_assert_num_queries(expected + 5):
        offer(setup, client, TUESDAY, TUESDAY + days(59))
    with django_assert_num_queries(expected):
        large = offer(setup, client, TUESDAY, TUESDAY + days(59))
    assert len(small) == 7 and len(large) == 60
    assert any(day.slots for day in large.values())


@pytest.fixture
def cleared_clinic(db, clinic_profile):
    return bookable_clinic(treatment=TreatmentFactory(needs_clearance=True))


def test_day_schedule_query_count_is_flat(cleared_clinic, django_assert_num_queries):
    """Appointments, time off; clearance badges (the clearances with their pending health
    changes, and the intakes of the clients without one: two queries at most) and health update
    badges (1) from consultations' bulk selectors: at most five, for 1 or 50 appointments. The set-up (the clinic, practitioners, working hours,
    rooms) is read once per process and set-up change (clinic.setup_cache)."""
    clinic = cleared_clinic
    _fill(clinic, 1)
    day_schedule(day=TUESDAY)
    with django_assert_num_queries(5):
        one = day_schedule(day=TUESDAY)
    _fill(clinic, 50, start=1)
    for appointment in Appointment.objects.all()[:5]:
        HealthUpdateFactory(client=appointment.client, appointment_id=appointment.pk)
        ClearanceFactory(client=appointment.client)
    day_schedule(day=TUESDAY)  # the factories above saved users: the set-up is read again, once
    with django_assert_num_queries(5):
        many = day_schedule(day=TUESDAY)
    assert len(one.appointments) == 1 and len(many.appointments) == 8
    first = many.appointments[0]
    assert first.clearance is not None and first.health_update is not None
    assert first.appointment.client.email  # loaded with the row
    column = next(c for c in many.practitioners if c.practitioner == clinic.practitioners[0])
    assert [b[0] for b in column.blocks] == [at(TUESDAY, "09:00"), at(TUESDAY, "14:00")]


def test_week_schedule_query_count_is_flat(cleared_clinic, django_assert_num_queries):
    clinic = cleared_clinic
    practitioner = clinic.practitioners[0]
    _fill(clinic, 1)
    ClinicProfile.get()  # the set-up cache, filled once per process, is not part of the budget
    with django_assert_num_queries(5):
        practitioner_week_schedule(practitioner=practitioner, week_start=MONDAY)
    _fill(clinic, 50, start=1)
    with django_assert_num_queries(5):
        week = practitioner_week_schedule(practitioner=practitioner, week_start=MONDAY)
    assert len(week.days) == 7
    assert (
        sum(len(day.appointments) for day in week.days)
        == Appointment.objects.filter(practitioner=practitioner, starts_at__lt=at(MONDAY + days(7), "00:00")).count()
    )
    assert week.days[6].blocks == []  # Sunday


def test_a_slot_offered_can_be_booked(clinic, client_user):
    slot = offer(clinic, client_user, TUESDAY, TUESDAY)[TUESDAY].slots[5]
    appointment = appointment_book(
        client=client_user, treatment=clinic.treatment, areas=["face"], starts_at=slot.starts_at, booked_by=client_user
    )
    assert (appointment.practitioner_id, appointment.room_id) == (slot.practitioner_id, slot.room_id)
    again = offer(clinic, ClientFactory(), TUESDAY, TUESDAY)[TUESDAY]
    assert all(
        not (
            s.practitioner_id == slot.practitioner_id
            and s.needling_starts_at < slot.needling_ends_at
            and slot.needling_starts_at < s.needling_ends_at
        )
        for s in again.slots
    )
    assert timedelta(0) < slot.ends_at - slot.starts_at


def test_the_step_and_the_online_notice_are_settings(clinic, client_user, settings):
    settings.BOOKING_SLOT_STEP_MINUTES = 30
    settings.BOOKING_ONLINE_NOTICE_HOURS = 48
    found = offer(clinic, client_user, TUESDAY, MONDAY + days(2))
    assert found[TUESDAY].reason == Reason.NOTICE
    starts = [slot.starts_at for slot in found[MONDAY + days(2)].slots]
    assert starts[0] == at(MONDAY + days(2), "10:00")  # 48 hours from Monday 10:00
    assert all(
        b - a == timedelta(minutes=30) for a, b in zip(starts, starts[1:], strict=False) if b - a < timedelta(hours=1)
    )
