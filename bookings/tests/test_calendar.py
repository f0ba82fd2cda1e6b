"""The .ics file of an appointment: the clinic's wall-clock time with its VTIMEZONE, a stable UID,
a SEQUENCE that grows with each move and the cancellation, and the method asked for."""

from datetime import UTC, datetime

import icalendar
import pytest

from bookings.calendar import appointment_ics
from bookings.services.appointments import appointment_book, appointment_cancel, appointment_reschedule
from bookings.tests.conftest import LONDON, MONDAY, at, days

pytestmark = pytest.mark.usefixtures("frozen_monday")


def parse(data: bytes):
    calendar = icalendar.Calendar.from_ical(data)
    (event,) = calendar.events
    return calendar, event


def test_the_invitation_follows_the_appointment_through_a_move_and_a_cancellation(clinic, client_user, front_desk):
    appointment = appointment_book(
        client=client_user,
        treatment=clinic.treatment,
        areas=["face"],
        starts_at=at(MONDAY + days(7), "10:00"),
        booked_by=front_desk,
    )
    calendar, booked = parse(appointment_ics(appointment=appointment, method="REQUEST"))
    assert calendar["METHOD"] == "REQUEST"
    assert booked.start == at(MONDAY + days(7), "10:00") and booked["DTSTART"].params["TZID"] == "Europe/London"
    assert booked.end == appointment.needling_ends_at
    assert booked["SEQUENCE"] == 0 and booked["STATUS"] == "CONFIRMED"
    assert "Arrive at 10:00" in booked["DESCRIPTION"]
    assert str(booked["ATTENDEE"]) == f"mailto:{client_user.email}"

    moved = appointment_reschedule(
        appointment=appointment, starts_at=at(MONDAY + days(8), "15:00"), changed_by=front_desk
    )
    _, after_move = parse(appointment_ics(appointment=moved, method="REQUEST"))
    assert after_move["UID"] == booked["UID"] and after_move["SEQUENCE"] == 1
    assert after_move.start == at(MONDAY + days(8), "15:00")

    cancelled = appointment_cancel(appointment=moved, cancelled_by=front_desk)
    calendar, gone = parse(appointment_ics(appointment=cancelled, method="CANCEL"))
    assert calendar["METHOD"] == "CANCEL" and gone["STATUS"] == "CANCELLED"
    assert gone["UID"] == booked["UID"] and gone["SEQUENCE"] == 2


def test_a_session_just_after_the_clocks_change_keeps_its_wall_clock_time(
    clinic, client_user, front_desk, frozen_monday
):
    frozen_monday.move_to(datetime(2026, 10, 20, 9, 0, tzinfo=UTC))
    # Clocks go back at 01:00 UTC on Sunday 25 October 2026: Monday 26 October is on GMT.
    appointment = appointment_book(
        client=client_user,
        treatment=clinic.treatment,
        areas=["face"],
        starts_at=datetime(2026, 10, 26, 9, 30, tzinfo=LONDON),
        booked_by=front_desk,
    )
    calendar, event = parse(appointment_ics(appointment=appointment, method="PUBLISH"))
    assert calendar["METHOD"] == "PUBLISH"
    assert event.start == datetime(2026, 10, 26, 9, 30, tzinfo=UTC)  # 09:30 GMT
    assert b"DTSTART;TZID=Europe/London:20261026T093000" in appointment_ics(appointment=appointment)


def test_an_unknown_method_is_refused(clinic, client_user, front_desk):
    appointment = appointment_book(
        client=client_user,
        treatment=clinic.treatment,
        areas=["face"],
        starts_at=at(MONDAY + days(7), "10:00"),
        booked_by=front_desk,
    )
    with pytest.raises(ValueError, match="Unknown calendar method"):
        appointment_ics(appointment=appointment, method="REFRESH")
