"""Booking, moving and cancelling through the services: what is written, and the message a
person reads when something is refused (with nothing written)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from bookings.messages import BookingKind
from bookings.models import Appointment, AppointmentStatusChange, Course, Treatment
from bookings.selectors.course_plan import course_plan
from bookings.services.appointments import appointment_book, appointment_cancel, appointment_reschedule
from bookings.tests.conftest import MONDAY, at, days
from bookings.tests.factories import AppointmentFactory, PractitionerFactory, RoomFactory, bookable_clinic
from clinic.models import OutboundMessage
from clinic.tests.factories import ClientFactory, FrontDeskFactory

pytestmark = pytest.mark.usefixtures("frozen_monday")

TUESDAY = MONDAY + days(1)


def book(client, clinic, when, *, areas=("face",), by=None, **extra):
    return appointment_book(
        client=client,
        treatment=clinic.treatment,
        areas=list(areas),
        starts_at=when,
        booked_by=by or client,
        **extra,
    )


def refusal(error: ValidationError) -> str:
    return " ".join(error.messages)


def test_an_online_booking_holds_room_client_and_practitioner_for_the_right_intervals(clinic, client_user):
    appointment = book(client_user, clinic, at(TUESDAY, "10:00"), areas=["neck", "face"])
    appointment.refresh_from_db()
    # Face 45 + neck 30 is capped at 60 minutes of needling, after 30 minutes of numbing.
    assert appointment.starts_at == at(TUESDAY, "10:00")
    assert appointment.needling_starts_at == at(TUESDAY, "10:30")
    assert appointment.needling_ends_at == at(TUESDAY, "11:30")
    assert appointment.ends_at == at(TUESDAY, "11:45")
    assert appointment.areas == ["face", "neck"]
    assert appointment.channel == Appointment.Channel.ONLINE
    assert appointment.status == Appointment.Status.BOOKED
    assert appointment.practitioner in clinic.practitioners and appointment.room in clinic.rooms
    course = appointment.course
    assert (course.client, course.treatment, course.areas, course.planned_sessions) == (
        client_user,
        clinic.treatment,
        ["face", "neck"],
        3,
    )
    change = AppointmentStatusChange.objects.get(appointment=appointment)
    assert (change.from_status, change.to_status, change.changed_by) == ("", "booked", client_user)
    assert OutboundMessage.objects.filter(appointment_id=appointment.pk, kind=BookingKind.BOOKING_CONFIRMATION).exists()


def test_online_bookings_need_24_hours_notice_and_say_when_is_free(clinic, client_user):
    with pytest.raises(ValidationError) as error:
        book(client_user, clinic, at(TUESDAY, "09:30"))  # 23.5 hours ahead
    assert "24 hours' notice" in refusal(error.value)
    assert "nearest free times are on Tuesday 2 June 2026: 10:00" in refusal(error.value)
    assert not Appointment.objects.exists() and not Course.objects.exists()


def test_staff_need_no_notice(clinic, client_user, front_desk):
    appointment = book(client_user, clinic, at(MONDAY, "11:00"), by=front_desk)
    assert appointment.channel == Appointment.Channel.STAFF
    assert appointment.booked_by == front_desk


def test_online_bookings_open_90_days_ahead(clinic, client_user):
    with pytest.raises(ValidationError) as error:
        book(client_user, clinic, at(MONDAY + days(91), "10:00"))
    assert "90 days ahead" in refusal(error.value)


def test_a_time_in_the_past_is_refused(clinic, client_user, front_desk):
    with pytest.raises(ValidationError) as error:
        book(client_user, clinic, at(MONDAY, "08:00"), by=front_desk)
    assert "already passed" in refusal(error.value)
    assert not Appointment.objects.exists()


def test_needling_over_the_lunch_break_is_refused_but_numbing_through_it_is_fine(clinic, client_user, front_desk):
    with pytest.raises(ValidationError) as error:
        book(client_user, clinic, at(TUESDAY, "12:30"), by=front_desk)  # needling 13:00-13:45
    assert "outside working hours" in refusal(error.value)
    assert "nearest free times" in refusal(error.value)
    appointment = book(client_user, clinic, at(TUESDAY, "13:30"), by=front_desk)  # needling from 14:00
    assert appointment.needling_starts_at == at(TUESDAY, "14:00")


def test_a_sunday_is_refused_because_the_clinic_is_closed(clinic, client_user, front_desk):
    with pytest.raises(ValidationError) as error:
        book(client_user, clinic, at(MONDAY + days(6), "10:00"), by=front_desk)
    assert "closed" in refusal(error.value)


def test_the_practitioner_treats_someone_else_while_a_client_sits_with_numbing_cream(db, clinic_profile):
    """One practitioner, two rooms: the second client's numbing overlaps the first's needling."""
    setup = bookable_clinic(practitioners=1, rooms=2)
    first = book(ClientFactory(), setup, at(TUESDAY, "10:00"))  # needling 10:30-11:15
    second = book(ClientFactory(), setup, at(TUESDAY, "10:45"))  # numbing 10:45-11:15, needling 11:15
    assert second.practitioner == first.practitioner
    assert second.room != first.room
    # But the practitioner's needling cannot overlap: arriving at 10:30 would need them at 11:00.
    with pytest.raises(ValidationError) as error:
        book(ClientFactory(), setup, at(TUESDAY, "10:30"))
    assert "just been taken" in refusal(error.value)


def test_a_room_is_held_through_turnover(db, clinic_profile):
    setup = bookable_clinic(practitioners=2, rooms=1)
    book(ClientFactory(), setup, at(TUESDAY, "10:00"))  # room until 11:30 (needling ends 11:15)
    with pytest.raises(ValidationError) as error:
        book(ClientFactory(), setup, at(TUESDAY, "11:15"))
    assert "no treatment room is free" in refusal(error.value)
    assert book(ClientFactory(), setup, at(TUESDAY, "11:30")).starts_at == at(TUESDAY, "11:30")


def test_a_client_cannot_be_in_two_sessions_at_once(clinic, client_user):
    other = Treatment.objects.create(slug="peel", name="Peel", needs_clearance=False)
    other.areas.create(area="hands", needling_minutes=30)
    for practitioner in clinic.practitioners:
        practitioner.treatments.add(other)
    for room in clinic.rooms:
        room.treatments.add(other)
    book(client_user, clinic, at(TUESDAY, "10:00"))
    with pytest.raises(ValidationError) as error:
        appointment_book(
            client=client_user, treatment="peel", areas=["hands"], starts_at=at(TUESDAY, "10:30"), booked_by=client_user
        )
    assert "already have an appointment" in refusal(error.value)


def test_an_unknown_treatment_or_area_is_named(clinic, client_user):
    with pytest.raises(ValidationError) as error:
        appointment_book(
            client=client_user, treatment="laser", areas=["face"], starts_at=at(TUESDAY, "10:00"), booked_by=client_user
        )
    assert "no treatment called “laser”" in refusal(error.value)
    with pytest.raises(ValidationError) as error:
        book(client_user, clinic, at(TUESDAY, "10:00"), areas=["elbows"])
    assert "“elbows” is not an area we treat" in refusal(error.value)
    with pytest.raises(ValidationError) as error:
        book(client_user, clinic, at(TUESDAY, "10:00"), areas=[])
    assert "at least one area" in refusal(error.value)
    assert not Appointment.objects.exists()


def test_someone_else_cannot_book_for_a_client(clinic, client_user):
    with pytest.raises(ValidationError):
        book(client_user, clinic, at(TUESDAY, "10:00"), by=ClientFactory())


def test_a_practitioner_or_room_can_be_chosen(clinic, client_user):
    practitioner, room = clinic.practitioners[1], clinic.rooms[1]
    appointment = book(client_user, clinic, at(TUESDAY, "10:00"), practitioner=practitioner, room=room)
    assert (appointment.practitioner, appointment.room) == (practitioner, room)
    stranger = PractitionerFactory()
    with pytest.raises(ValidationError) as error:
        book(ClientFactory(), clinic, at(TUESDAY, "10:00"), practitioner=stranger)
    assert "does not give this treatment" in refusal(error.value)
    with pytest.raises(ValidationError) as error:
        book(ClientFactory(), clinic, at(TUESDAY, "10:00"), room=RoomFactory())
    assert "not equipped" in refusal(error.value)


# --- Spacing ------------------------------------------------------------------------------------


def test_a_second_session_28_days_later_continues_the_course(clinic, client_user):
    first = book(client_user, clinic, at(TUESDAY, "10:00"))
    second = book(client_user, clinic, at(TUESDAY + days(28), "10:00"))
    assert second.course == first.course
    assert not second.starts_new_course


def test_a_session_27_days_after_the_previous_one_is_refused_with_the_next_possible_date(clinic, client_user):
    book(client_user, clinic, at(TUESDAY, "10:00"))
    with pytest.raises(ValidationError) as error:
        book(client_user, clinic, at(TUESDAY + days(27), "10:00"))
    message = refusal(error.value)
    assert "at least 28 days" in message
    assert "too close to the session on Tuesday 2 June 2026" in message
    assert "next possible date is Tuesday 30 June 2026" in message
    assert Appointment.objects.count() == 1


def test_a_neck_session_14_days_after_face_and_neck_is_refused_but_thighs_may_run_alongside(clinic, client_user):
    book(client_user, clinic, at(TUESDAY, "10:00"), areas=["face", "neck"])
    with pytest.raises(ValidationError):
        book(client_user, clinic, at(TUESDAY + days(14), "10:00"), areas=["neck"])
    thighs = book(client_user, clinic, at(TUESDAY + days(14), "10:00"), areas=["thighs"])
    assert thighs.course.areas == ["thighs"]


def test_a_session_squeezed_between_two_others_must_be_28_days_from_both(clinic, client_user, front_desk):
    book(client_user, clinic, at(TUESDAY, "10:00"), by=front_desk)
    book(client_user, clinic, at(TUESDAY + days(56), "10:00"), by=front_desk, late_booking_reason="holiday")
    with pytest.raises(ValidationError) as error:
        book(client_user, clinic, at(TUESDAY + days(29), "10:00"), by=front_desk)
    assert "too close to the session on Tuesday 28 July 2026" in refusal(error.value)


def test_clients_are_offered_only_dates_inside_an_open_window(clinic, client_user):
    book(client_user, clinic, at(TUESDAY, "10:00"))
    with pytest.raises(ValidationError) as error:
        book(client_user, clinic, at(TUESDAY + days(43), "10:00"))
    message = refusal(error.value)
    assert "between Tuesday 30 June 2026 and Tuesday 14 July 2026" in message
    assert Appointment.objects.count() == 1


def test_staff_booking_past_the_window_must_give_a_reason_and_start_a_new_course(clinic, client_user, front_desk):
    first = book(client_user, clinic, at(TUESDAY, "10:00"))
    later = at(TUESDAY + days(50), "10:00")
    with pytest.raises(ValidationError) as error:
        book(client_user, clinic, later, by=front_desk)
    assert "a reason is needed" in refusal(error.value)
    appointment = book(client_user, clinic, later, by=front_desk, late_booking_reason="Client travelling in July")
    assert appointment.late_booking_reason == "Client travelling in July"
    assert appointment.course != first.course
    assert appointment.starts_new_course


def test_once_the_window_has_passed_the_next_booking_starts_a_new_course(clinic, client_user, frozen_monday):
    old = AppointmentFactory(
        client=client_user,
        treatment=clinic.treatment,
        practitioner=clinic.practitioners[0],
        room=clinic.rooms[0],
        starts_at=at(MONDAY - days(60), "10:00"),
        status=Appointment.Status.COMPLETED,
    )
    appointment = book(client_user, clinic, at(TUESDAY, "10:00"))
    assert appointment.course != old.course
    assert appointment.starts_new_course
    note = AppointmentStatusChange.objects.get(appointment=appointment).note
    assert "starts a new course" in note


def test_cancelled_sessions_and_no_shows_do_not_count_for_spacing(clinic, client_user):
    for status in (Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW):
        AppointmentFactory(
            client=client_user,
            treatment=clinic.treatment,
            practitioner=clinic.practitioners[0],
            room=clinic.rooms[0],
            starts_at=at(TUESDAY + days(3), "10:00"),
            status=status,
        )
    assert book(client_user, clinic, at(TUESDAY, "10:00")).status == Appointment.Status.BOOKED


def test_a_full_course_is_followed_by_a_new_one_without_a_window(clinic, client_user):
    course = None
    for n in range(3):
        appointment = AppointmentFactory(
            client=client_user,
            treatment=clinic.treatment,
            practitioner=clinic.practitioners[0],
            room=clinic.rooms[0],
            starts_at=at(MONDAY - days(90 - 30 * n), "10:00"),
            status=Appointment.Status.COMPLETED,
            **({"course": course} if course else {}),
        )
        course = appointment.course
    fourth = book(client_user, clinic, at(TUESDAY + days(10), "10:00"))
    assert fourth.course != course
    assert not fourth.starts_new_course


# --- Moving and cancelling ----------------------------------------------------------------------


def test_moving_a_session_rechecks_both_neighbours(clinic, client_user, front_desk):
    first = book(client_user, clinic, at(TUESDAY, "10:00"))
    second = book(client_user, clinic, at(TUESDAY + days(35), "10:00"))
    with pytest.raises(ValidationError) as error:
        appointment_reschedule(appointment=first, starts_at=at(TUESDAY + days(10), "10:00"), changed_by=client_user)
    assert "too close" in refusal(error.value)
    first.refresh_from_db()
    assert first.starts_at == at(TUESDAY, "10:00")
    moved = appointment_reschedule(appointment=second, starts_at=at(TUESDAY + days(30), "15:00"), changed_by=front_desk)
    moved.refresh_from_db()
    assert moved.starts_at == at(TUESDAY + days(30), "15:00")
    assert moved.practitioner == second.practitioner  # kept: they are free then
    assert OutboundMessage.objects.filter(appointment_id=moved.pk, kind=BookingKind.APPOINTMENT_RESCHEDULED).exists()


def test_a_session_can_move_into_its_own_time(clinic, client_user):
    appointment = book(client_user, clinic, at(TUESDAY, "10:00"))
    moved = appointment_reschedule(appointment=appointment, starts_at=at(TUESDAY, "10:15"), changed_by=client_user)
    assert moved.starts_at == at(TUESDAY, "10:15")


def test_a_client_cancelling_on_time_and_late(clinic, client_user, frozen_monday):
    on_time = book(client_user, clinic, at(MONDAY + days(4), "10:00"))
    cancelled = appointment_cancel(appointment=on_time, cancelled_by=client_user, reason="Away")
    cancelled.refresh_from_db()
    assert cancelled.status == Appointment.Status.CANCELLED
    assert (cancelled.cancelled_by_party, cancelled.cancellation_late, cancelled.cancellation_reason) == (
        "client",
        False,
        "Away",
    )
    late = book(client_user, clinic, at(MONDAY + days(2), "11:00"))  # 49 hours ahead ...
    frozen_monday.shift(timedelta(hours=2))  # ... now 47 hours ahead
    late = appointment_cancel(appointment=late, cancelled_by=client_user)
    assert late.cancellation_late
    change = late.status_changes.last()
    assert (change.from_status, change.to_status, change.note) == (
        "booked",
        "cancelled",
        "late cancellation by the client",
    )
    assert not OutboundMessage.objects.filter(
        appointment_id=late.pk, kind=BookingKind.REMINDER, status=OutboundMessage.Status.PENDING
    ).exists()


def test_a_cancelled_time_can_be_booked_again(db, clinic_profile):
    setup = bookable_clinic(practitioners=1, rooms=1)
    first_client, second_client = ClientFactory(), ClientFactory()
    appointment = book(first_client, setup, at(TUESDAY, "10:00"))
    with pytest.raises(ValidationError):
        book(second_client, setup, at(TUESDAY, "10:00"))
    appointment_cancel(appointment=appointment, cancelled_by=FrontDeskFactory(), reason="Practitioner ill")
    appointment.refresh_from_db()
    assert appointment.cancelled_by_party == "clinic"
    assert book(second_client, setup, at(TUESDAY, "10:00")).status == "booked"


def test_a_client_cannot_cancel_someone_elses_session(clinic, client_user):
    appointment = book(client_user, clinic, at(TUESDAY, "10:00"))
    with pytest.raises(ValidationError):
        appointment_cancel(appointment=appointment, cancelled_by=ClientFactory())
    appointment.refresh_from_db()
    assert appointment.status == "booked"


# --- Planning the rest of a course --------------------------------------------------------------


def test_course_plan_proposes_each_remaining_session_inside_its_window(clinic, client_user):
    first = book(client_user, clinic, at(TUESDAY, "10:00"))
    plan = course_plan(course=first.course)
    assert [p.number for p in plan] == [2, 3]
    previous = TUESDAY
    for proposal in plan:
        day = proposal.slot.starts_at.astimezone(clinic_tz()).date()
        assert 28 <= (day - previous).days <= 42
        assert proposal.window_opens <= day <= proposal.window_closes
        assert proposal.slot.practitioner_id == first.practitioner_id
        previous = day
    # The proposals are actually free: booking them works.
    for proposal in plan:
        booked = book(client_user, clinic, proposal.slot.starts_at)
        assert booked.course == first.course


def clinic_tz():
    from clinic.models import ClinicProfile

    return ClinicProfile.get().tz


def test_when_the_database_refuses_a_time_taken_after_the_check_the_client_reads_just_taken(
    db, clinic_profile, monkeypatch
):
    """A race, replayed: the service's check runs on a picture of the day from before another
    booking committed; the exclusion constraint refuses the insert, the client is told the
    time has just been taken with the nearest free times, and nothing is written."""
    from bookings.selectors.availability import availability_inputs
    from bookings.services import appointments as services

    setup = bookable_clinic(practitioners=1, rooms=1)
    first, second = ClientFactory(), ClientFactory()
    stale = availability_inputs(
        treatment=setup.treatment, areas=["face"], client=second, first_day=TUESDAY, last_day=TUESDAY, online=True
    )
    book(first, setup, at(TUESDAY, "10:00"))
    calls = []

    def first_call_stale(**kwargs):
        calls.append(kwargs)
        return stale if len(calls) == 1 else availability_inputs(**kwargs)

    monkeypatch.setattr(services, "availability_inputs", first_call_stale)
    with pytest.raises(ValidationError) as error:
        book(second, setup, at(TUESDAY, "10:00"))
    assert error.value.error_dict["starts_at"][0].code == "just_taken"
    assert (
        "That time has just been taken. The nearest free times are on Tuesday 2 June 2026: 11:30, 11:45, 13:30."
        in refusal(error.value)
    )
    assert Appointment.objects.count() == 1
    assert not Course.objects.filter(client=second).exists()


def test_the_desk_cancelling_for_a_client_on_the_phone_records_the_client_as_the_party(clinic, client_user, front_desk):
    appointment = book(client_user, clinic, at(TUESDAY, "10:00"))
    cancelled = appointment_cancel(appointment=appointment, cancelled_by=front_desk, party="client", reason="Phoned in")
    assert (cancelled.cancelled_by, cancelled.cancelled_by_party, cancelled.cancellation_late) == (
        front_desk,
        "client",
        True,
    )


def _waiting(client, clinic, first_day, last_day):
    from bookings.models import WaitlistEntry

    return WaitlistEntry.objects.create(
        client=client, treatment=clinic.treatment, areas=["face"], first_day=first_day, last_day=last_day
    )


def test_booking_a_day_the_client_waits_for_closes_the_waitlist_entry_whoever_books(clinic, client_user, front_desk):
    """The rule lives in the service: the desk's booking (not only the client's screen) takes
    the client off the waitlist for that day; entries for other days stay open."""
    from bookings.models import WaitlistEntry

    covering = _waiting(client_user, clinic, TUESDAY, TUESDAY + days(3))
    elsewhere = _waiting(ClientFactory(), clinic, TUESDAY, TUESDAY + days(3))
    later = _waiting(client_user, clinic, TUESDAY + days(40), TUESDAY + days(45))
    later.status = WaitlistEntry.Status.OFFERED
    later.save(update_fields=["status"])
    book(client_user, clinic, at(TUESDAY + days(1), "10:00"), by=front_desk)
    statuses = {e.pk: e.status for e in WaitlistEntry.objects.all()}
    assert statuses == {covering.pk: "booked", elsewhere.pk: "waiting", later.pk: "offered"}


def test_a_refused_booking_leaves_the_waitlist_entry_open(clinic, client_user):
    entry = _waiting(client_user, clinic, MONDAY, TUESDAY + days(3))
    with pytest.raises(ValidationError):
        book(client_user, clinic, at(MONDAY, "12:00"))  # online: less than 24 hours' notice
    entry.refresh_from_db()
    assert entry.status == "waiting"
    assert not Appointment.objects.exists()


def test_moving_a_session_onto_a_waited_for_day_closes_the_waitlist_entry(clinic, client_user):
    appointment = book(client_user, clinic, at(TUESDAY + days(10), "10:00"))
    entry = _waiting(client_user, clinic, TUESDAY + days(1), TUESDAY + days(3))
    appointment_reschedule(appointment=appointment, starts_at=at(TUESDAY + days(2), "11:00"), changed_by=client_user)
    entry.refresh_from_db()
    assert entry.status == "booked"


# --- Courses left empty -------------------------------------------------------------------------


def test_moving_the_only_session_of_a_course_keeps_its_course(clinic, client_user):
    appointment = book(client_user, clinic, at(TUESDAY, "10:00"))
    course = appointment.course
    moved = appointment_reschedule(
        appointment=appointment, starts_at=at(TUESDAY + days(3), "14:00"), changed_by=client_user
    )
    assert moved.course == course
    assert list(Course.objects.filter(client=client_user)) == [course]


def test_a_course_emptied_by_a_move_counts_for_nothing(clinic, client_user, front_desk):
    """Staff book a session past the window (a new course), then move it back inside the
    window: it joins the first course and its own is left without sessions. The empty course
    neither shows on the client's course page nor gets a plan, nor stops a booking."""
    from bookings.selectors.client import client_courses

    first = book(client_user, clinic, at(TUESDAY, "10:00"))
    late = book(client_user, clinic, at(TUESDAY + days(50), "10:00"), by=front_desk, late_booking_reason="Away")
    emptied = late.course
    assert emptied != first.course
    moved = appointment_reschedule(appointment=late, starts_at=at(TUESDAY + days(35), "10:00"), changed_by=front_desk)
    assert moved.course == first.course and not moved.starts_new_course
    assert not emptied.appointments.filter(status__in=Appointment.ACTIVE_STATUSES).exists()

    progress = client_courses(client=client_user, tz=clinic_tz(), today=MONDAY)
    assert [(p.course, len(p.sessions), p.next_number) for p in progress] == [(first.course, 2, 3)]
    assert course_plan(course=emptied) == []
    third = book(client_user, clinic, at(TUESDAY + days(65), "10:00"))
    assert third.course == first.course


def test_a_course_whose_only_session_was_cancelled_is_not_shown(clinic, client_user):
    from bookings.selectors.client import client_courses

    appointment = book(client_user, clinic, at(TUESDAY + days(3), "10:00"))
    appointment_cancel(appointment=appointment, cancelled_by=client_user)
    assert client_courses(client=client_user, tz=clinic_tz(), today=MONDAY) == []
    again = book(client_user, clinic, at(TUESDAY + days(4), "10:00"))
    assert [p.course for p in client_courses(client=client_user, tz=clinic_tz(), today=MONDAY)] == [again.course]


@pytest.mark.parametrize(
    ("starts_at", "words"),
    [("9999-12-31T23:00:00+00:00", "too far ahead"), ("0001-01-01T00:00:00+00:00", "already passed")],
)
def test_a_time_years_away_is_refused_in_plain_words(clinic, client_user, front_desk, starts_at, words):
    from datetime import datetime

    with pytest.raises(ValidationError) as error:
        book(client_user, clinic, datetime.fromisoformat(starts_at), by=front_desk)
    assert words in refusal(error.value)
    appointment = book(client_user, clinic, at(TUESDAY, "10:00"))
    with pytest.raises(ValidationError) as error:
        appointment_reschedule(
            appointment=appointment, starts_at=datetime.fromisoformat(starts_at), changed_by=front_desk
        )
    assert words in refusal(error.value)
    assert Appointment.objects.count() == 1


def test_a_client_cannot_move_a_session_whose_time_has_come_but_the_desk_can(clinic, client_user, front_desk):
    missed = AppointmentFactory(
        client=client_user,
        treatment=clinic.treatment,
        practitioner=clinic.practitioners[0],
        room=clinic.rooms[0],
        starts_at=at(MONDAY, "08:00"),  # an hour ago, still booked: the client did not come
    )
    with pytest.raises(ValidationError) as error:
        appointment_reschedule(appointment=missed, starts_at=at(TUESDAY + days(2), "10:00"), changed_by=client_user)
    assert "already started: please call the clinic" in refusal(error.value)
    missed.refresh_from_db()
    assert missed.starts_at == at(MONDAY, "08:00")
    moved = appointment_reschedule(appointment=missed, starts_at=at(TUESDAY + days(2), "10:00"), changed_by=front_desk)
    assert moved.starts_at == at(TUESDAY + days(2), "10:00")
