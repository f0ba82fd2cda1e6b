"""Clearance at booking, and a session's life: check-in (needs the health update), start,
completion, no-show; every change recorded with who and when."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from bookings.messages import BookingKind
from bookings.models import Appointment
from bookings.services.appointment_status import (
    appointment_check_in,
    appointment_complete,
    appointment_no_show,
    appointment_start,
)
from bookings.services.appointments import appointment_book
from bookings.tests.conftest import MONDAY, at, days
from bookings.tests.factories import TreatmentFactory, bookable_clinic
from clinic.models import OutboundMessage
from consultations.services import health_update_submit
from consultations.tests.factories import ClearanceFactory, IntakeFactory

pytestmark = pytest.mark.usefixtures("frozen_monday")

TUESDAY = MONDAY + days(1)


@pytest.fixture
def cleared_clinic(db, clinic_profile):
    """Micro-needling that needs clearance."""
    return bookable_clinic(practitioners=2, rooms=2, treatment=TreatmentFactory(needs_clearance=True))


def book(client, setup, when, areas=("face",), by=None):
    return appointment_book(
        client=client, treatment=setup.treatment, areas=list(areas), starts_at=when, booked_by=by or client
    )


def messages(error) -> str:
    return " ".join(error.value.messages)


def test_a_client_without_a_consultation_cannot_book_by_any_channel(cleared_clinic, client_user, front_desk):
    for by in (client_user, front_desk):
        with pytest.raises(ValidationError) as error:
            book(client_user, cleared_clinic, at(TUESDAY, "10:00"), by=by)
        assert "fill in your consultation form first" in messages(error)
    assert not Appointment.objects.exists()


def test_a_pending_consultation_is_named(cleared_clinic, client_user):
    IntakeFactory(client=client_user)
    with pytest.raises(ValidationError) as error:
        book(client_user, cleared_clinic, at(TUESDAY, "10:00"))
    assert "practitioner will review your answers" in messages(error)


def test_a_cleared_client_books_and_the_course_takes_the_practitioners_planned_sessions(cleared_clinic, client_user):
    ClearanceFactory(client=client_user, areas=["face", "neck"], planned_sessions=5)
    appointment = book(client_user, cleared_clinic, at(TUESDAY, "10:00"), areas=["face", "neck"])
    assert appointment.course.planned_sessions == 5


def test_an_area_that_is_not_cleared_is_refused(cleared_clinic, client_user):
    ClearanceFactory(client=client_user, areas=["face"])
    with pytest.raises(ValidationError) as error:
        book(client_user, cleared_clinic, at(TUESDAY, "10:00"), areas=["face", "thighs"])
    assert "not thighs" in messages(error)


def test_a_session_after_the_clearance_runs_out_is_refused(cleared_clinic, client_user, front_desk):
    ClearanceFactory(client=client_user, areas=["face"], valid_until=MONDAY + days(18))
    assert book(client_user, cleared_clinic, at(MONDAY + days(18), "10:00")).status == "booked"
    with pytest.raises(ValidationError) as error:
        book(client_user, cleared_clinic, at(MONDAY + days(50), "10:00"), by=front_desk)
    assert "Your clearance ended on 19 June 2026" in messages(error)


def test_an_expired_clearance_is_refused(cleared_clinic, client_user):
    ClearanceFactory(client=client_user, areas=["face"], valid_until=MONDAY - days(1))
    with pytest.raises(ValidationError) as error:
        book(client_user, cleared_clinic, at(TUESDAY, "10:00"))
    assert "Your clearance ended" in messages(error)


# --- Status changes -------------------------------------------------------------------------------


def _nothing_changed(client_user, appointment, session_date):
    """The client's health update before the session: nothing has changed."""
    health_update_submit(
        client=client_user,
        appointment_id=appointment.pk,
        session_date=session_date,
        anything_changed=False,
        details="",
        submitted_by=client_user,
    )


def _complete_with_record(appointment, practitioner):
    """Completion as the practitioner does it: aftercare writes the session record and completes."""
    from aftercare.services import session_complete

    return session_complete(
        appointment=appointment,
        recorded_by=practitioner,
        depths={area: "0.5" for area in appointment.areas},
        device="Dermapen 4",
        cartridge_lot="LOT-1",
        passes=3,
        reaction="expected_redness",
    )


@pytest.fixture
def today_session(clinic, client_user, front_desk):
    return appointment_book(
        client=client_user,
        treatment=clinic.treatment,
        areas=["face"],
        starts_at=at(MONDAY, "14:00"),
        booked_by=front_desk,
    )


def test_check_in_needs_the_health_update(today_session, client_user, front_desk):
    with pytest.raises(ValidationError) as error:
        appointment_check_in(appointment=today_session, checked_in_by=front_desk)
    assert "health update is not in order" in messages(error)
    _nothing_changed(client_user, today_session, MONDAY)
    checked_in = appointment_check_in(appointment=today_session, checked_in_by=front_desk)
    assert checked_in.status == Appointment.Status.CHECKED_IN


def test_a_reported_health_change_blocks_check_in(today_session, client_user, front_desk):
    health_update_submit(
        client=client_user,
        appointment_id=today_session.pk,
        session_date=MONDAY,
        anything_changed=True,
        details="New medication",
        submitted_by=client_user,
    )
    with pytest.raises(ValidationError):
        appointment_check_in(appointment=today_session, checked_in_by=front_desk)
    today_session.refresh_from_db()
    assert today_session.status == "booked"


def test_check_in_only_on_the_day(clinic, client_user, front_desk):
    appointment = appointment_book(
        client=client_user,
        treatment=clinic.treatment,
        areas=["face"],
        starts_at=at(TUESDAY, "10:00"),
        booked_by=front_desk,
    )
    _nothing_changed(client_user, appointment, TUESDAY)
    with pytest.raises(ValidationError) as error:
        appointment_check_in(appointment=appointment, checked_in_by=front_desk)
    assert "on the day" in messages(error)


def test_a_session_goes_from_booked_to_completed_with_its_history(today_session, client_user, front_desk):
    practitioner = today_session.practitioner.user
    _nothing_changed(client_user, today_session, MONDAY)
    with pytest.raises(ValidationError) as error:
        appointment_start(appointment=today_session, started_by=practitioner)
    assert "check the client in first" in messages(error)
    appointment_check_in(appointment=today_session, checked_in_by=front_desk)
    with pytest.raises(ValidationError) as error:
        _complete_with_record(today_session, practitioner)
    assert "start it first" in messages(error)
    appointment_start(appointment=today_session, started_by=practitioner)
    with pytest.raises(ValidationError) as error:
        appointment_complete(appointment=today_session, completed_by=practitioner, session_record=None)
    assert "Record the session" in messages(error)
    today_session.refresh_from_db()
    assert today_session.status == Appointment.Status.IN_TREATMENT
    _complete_with_record(today_session, practitioner)
    done = Appointment.objects.get(pk=today_session.pk)
    assert done.status == Appointment.Status.COMPLETED
    history = [(c.from_status, c.to_status, c.changed_by) for c in done.status_changes.all()]
    assert history == [
        ("", "booked", front_desk),
        ("booked", "checked_in", front_desk),
        ("checked_in", "in_treatment", practitioner),
        ("in_treatment", "completed", practitioner),
    ]
    assert OutboundMessage.objects.filter(appointment_id=done.pk, kind=BookingKind.AFTERCARE).exists()


def test_front_desk_cannot_start_a_session(today_session, front_desk):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        appointment_start(appointment=today_session, started_by=front_desk)


def test_a_no_show_only_after_the_start_and_it_frees_the_spacing(today_session, client_user, front_desk, frozen_monday):
    with pytest.raises(ValidationError) as error:
        appointment_no_show(appointment=today_session, recorded_by=front_desk)
    assert "only after its start time" in messages(error)
    frozen_monday.shift(timedelta(hours=5))
    missed = appointment_no_show(appointment=today_session, recorded_by=front_desk)
    assert missed.status == Appointment.Status.NO_SHOW
    assert not OutboundMessage.objects.filter(appointment_id=missed.pk, status=OutboundMessage.Status.PENDING).exists()
    # A no-show does not count for spacing: the client can come the next week.
    again = appointment_book(
        client=client_user,
        treatment=today_session.treatment,
        areas=["face"],
        starts_at=at(MONDAY + days(7), "10:00"),
        booked_by=front_desk,
    )
    assert again.status == "booked"


def test_the_course_is_finished_when_its_planned_sessions_are_completed(today_session, client_user, front_desk):
    course = today_session.course
    course.planned_sessions = 1
    course.save(update_fields=["planned_sessions"])
    practitioner = today_session.practitioner.user
    _nothing_changed(client_user, today_session, MONDAY)
    appointment_check_in(appointment=today_session, checked_in_by=front_desk)
    appointment_start(appointment=today_session, started_by=practitioner)
    _complete_with_record(today_session, practitioner)
    course.refresh_from_db()
    assert course.status == "finished"
