"""The messages of an appointment, planned by the booking services through
``bookings.reminders.appointment_messages_plan`` and sent by the outbox dispatcher: what is
planned when, what a move or a cancellation does to it, and the clock change."""

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
import time_machine
from django.core import mail

from bookings.messages import BookingKind
from bookings.models import Appointment
from bookings.services.appointments import appointment_book, appointment_cancel, appointment_reschedule
from bookings.services.message_planning import appointment_messages_plan
from bookings.tests.conftest import LONDON, MONDAY, at, days
from bookings.tests.factories import AppointmentFactory
from clinic.consent import marketing_consent_set
from clinic.dispatch import outbox_dispatch_due
from clinic.models import OutboundMessage

Status = OutboundMessage.Status

pytestmark = pytest.mark.usefixtures("frozen_monday")
NEXT_MONDAY = MONDAY + days(7)


def planned(appointment) -> dict[str, list[tuple[str, datetime]]]:
    """kind -> [(status, due_at)] of the appointment's rows, oldest version first."""
    rows: dict[str, list] = {}
    for row in OutboundMessage.objects.filter(appointment_id=appointment.pk).order_by("kind", "version"):
        rows.setdefault(row.kind, []).append((row.status, row.due_at))
    return rows


def book(clinic, client, when, by):
    return appointment_book(client=client, treatment=clinic.treatment, areas=["face"], starts_at=when, booked_by=by)


def ics_of(email) -> icalendar.Calendar:
    (attachment,) = [a for a in email.attachments if a[0].endswith(".ics")]
    return icalendar.Calendar.from_ical(attachment[1])


def test_booking_plans_the_confirmation_now_the_reminder_48_hours_before_and_the_health_update_3_days_before(
    clinic, client_user, front_desk, frozen_monday
):
    appointment = book(clinic, client_user, at(NEXT_MONDAY, "10:00"), front_desk)
    now = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    assert planned(appointment) == {
        BookingKind.BOOKING_CONFIRMATION: [(Status.PENDING, now)],
        BookingKind.REMINDER: [(Status.PENDING, at(NEXT_MONDAY - days(2), "10:00"))],
        BookingKind.HEALTH_UPDATE_REQUEST: [(Status.PENDING, at(NEXT_MONDAY - days(3), "09:00"))],
    }
    # Planning the same event again changes nothing.
    appointment_messages_plan(appointment=appointment, event="booked")
    assert OutboundMessage.objects.filter(appointment_id=appointment.pk).count() == 3


def test_the_confirmation_carries_the_session_in_local_time_the_pre_care_and_an_ics_invitation(
    clinic, client_user, front_desk
):
    appointment = book(clinic, client_user, at(NEXT_MONDAY, "10:00"), front_desk)
    outbox_dispatch_due()
    (email,) = mail.outbox
    assert email.subject == "Booked: Micro-needling on Mon 8 Jun at 10:00"
    assert "Monday 8 June 2026 at 10:00" in email.body
    assert "numbing cream takes 30 minutes" in email.body
    assert "No retinoids" in email.body and "No sunburn" in email.body
    assert f"http://127.0.0.1:8000/bookings/appointments/{appointment.pk}/" in email.body
    calendar = ics_of(email)
    assert calendar["METHOD"] == "REQUEST"
    (event,) = calendar.events
    assert event.start == at(NEXT_MONDAY, "10:00")
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert event["SEQUENCE"] == 0
    assert calendar.timezones and calendar.timezones[0]["TZID"] == "Europe/London"


def test_a_session_booked_less_than_48_hours_ahead_gets_no_reminder_and_the_health_update_now(
    clinic, client_user, front_desk
):
    appointment = book(clinic, client_user, at(MONDAY + days(1), "15:00"), front_desk)
    rows = planned(appointment)
    assert BookingKind.REMINDER not in rows
    assert rows[BookingKind.HEALTH_UPDATE_REQUEST] == [(Status.PENDING, datetime(2026, 6, 1, 9, 0, tzinfo=UTC))]


def test_moving_a_session_moves_its_pending_messages_and_sends_one_move_notice(
    clinic, client_user, front_desk, frozen_monday
):
    appointment = book(clinic, client_user, at(NEXT_MONDAY, "10:00"), front_desk)
    outbox_dispatch_due()  # the confirmation (and nothing else) goes out
    mail.outbox.clear()
    appointment = appointment_reschedule(
        appointment=appointment, starts_at=at(NEXT_MONDAY + days(2), "14:00"), changed_by=front_desk
    )
    rows = planned(appointment)
    assert rows[BookingKind.REMINDER] == [(Status.PENDING, at(NEXT_MONDAY, "14:00"))]
    assert rows[BookingKind.HEALTH_UPDATE_REQUEST] == [(Status.PENDING, at(NEXT_MONDAY - days(1), "09:00"))]
    assert [status for status, _ in rows[BookingKind.APPOINTMENT_RESCHEDULED]] == [Status.PENDING]
    appointment_messages_plan(appointment=appointment, event="rescheduled")  # idempotent
    assert len(planned(appointment)[BookingKind.APPOINTMENT_RESCHEDULED]) == 1
    outbox_dispatch_due()
    (email,) = mail.outbox
    assert email.subject == "Moved: Micro-needling is now on Wed 10 Jun at 14:00"
    assert "from Monday 8 June at 10:00" in email.body
    event = ics_of(email).events[0]
    assert event.start == at(NEXT_MONDAY + days(2), "14:00") and event["SEQUENCE"] == 1


def test_a_session_moved_after_its_reminder_went_out_gets_a_new_reminder(
    clinic, client_user, front_desk, frozen_monday
):
    appointment = book(clinic, client_user, at(NEXT_MONDAY, "10:00"), front_desk)
    frozen_monday.move_to(at(NEXT_MONDAY - days(2), "10:00"))
    outbox_dispatch_due()
    assert planned(appointment)[BookingKind.REMINDER] == [(Status.SENT, at(NEXT_MONDAY - days(2), "10:00"))]
    appointment_reschedule(appointment=appointment, starts_at=at(NEXT_MONDAY + days(4), "10:00"), changed_by=front_desk)
    assert planned(appointment)[BookingKind.REMINDER] == [
        (Status.SENT, at(NEXT_MONDAY - days(2), "10:00")),
        (Status.PENDING, at(NEXT_MONDAY + days(2), "10:00")),
    ]


def test_cancelling_cancels_what_is_pending_and_sends_a_cancellation_that_removes_the_calendar_entry(
    clinic, client_user, front_desk, frozen_monday
):
    appointment = book(clinic, client_user, at(NEXT_MONDAY, "10:00"), front_desk)
    outbox_dispatch_due()
    mail.outbox.clear()
    appointment_cancel(appointment=appointment, cancelled_by=client_user)
    rows = planned(appointment)
    assert rows[BookingKind.REMINDER][0][0] == Status.CANCELLED
    assert rows[BookingKind.HEALTH_UPDATE_REQUEST][0][0] == Status.CANCELLED
    assert rows[BookingKind.BOOKING_CONFIRMATION][0][0] == Status.SENT
    outbox_dispatch_due()
    (email,) = mail.outbox
    assert email.subject == "Cancelled: Micro-needling on Mon 8 Jun at 10:00"
    calendar = ics_of(email)
    assert calendar["METHOD"] == "CANCEL"
    assert calendar.events[0]["STATUS"] == "CANCELLED" and calendar.events[0]["SEQUENCE"] == 1
    # Nothing else ever goes out for it.
    frozen_monday.move_to(at(NEXT_MONDAY, "09:00"))
    mail.outbox.clear()
    outbox_dispatch_due()
    assert mail.outbox == []


def test_the_48_hour_reminder_for_the_day_after_the_clocks_change_goes_out_48_real_hours_before(
    clinic, client_user, front_desk
):
    """Clocks go forward at 01:00 UTC on Sunday 29 March 2026. A session at 10:00 on Monday
    30 March (09:00 UTC) is reminded at 09:00 UTC on Saturday 28 March, which is 09:00 on the
    London clock (not 10:00: that would be 47 hours)."""
    session = datetime(2026, 3, 30, 10, 0, tzinfo=LONDON)
    with time_machine.travel(datetime(2026, 3, 20, 12, 0, tzinfo=UTC), tick=False) as clock:
        appointment = book(clinic, client_user, session, front_desk)
        reminder = OutboundMessage.objects.get(appointment_id=appointment.pk, kind=BookingKind.REMINDER)
        assert reminder.due_at == datetime(2026, 3, 28, 9, 0, tzinfo=UTC)
        assert appointment.starts_at - reminder.due_at == timedelta(hours=48)
        outbox_dispatch_due()  # confirmation and nothing else
        mail.outbox.clear()
        clock.move_to(datetime(2026, 3, 27, 9, 0, tzinfo=UTC))
        outbox_dispatch_due()
        # The health-update request goes at 09:00 on Friday 27 March.
        assert [email.subject for email in mail.outbox] == ["Before Monday: please confirm your health update"]
        mail.outbox.clear()
        clock.move_to(datetime(2026, 3, 28, 8, 59, 30, tzinfo=UTC))
        outbox_dispatch_due()
        assert mail.outbox == []
        clock.move_to(datetime(2026, 3, 28, 9, 0, tzinfo=UTC))
        outbox_dispatch_due()
    (email,) = mail.outbox
    assert email.subject == "Reminder: Micro-needling on Monday 30 March at 10:00"
    reminder.refresh_from_db()
    assert reminder.status == Status.SENT and reminder.sent_at == datetime(2026, 3, 28, 9, 0, tzinfo=UTC)


def test_completing_plans_aftercare_now_and_the_next_window_on_day_28_and_its_closing_on_day_37(
    clinic, client_user, front_desk, frozen_monday
):
    # Window notices are marketing: sent only to a client who opted in (clinic.consent).
    marketing_consent_set(person=client_user, channels=["email"], via="portal")
    appointment = AppointmentFactory(
        client=client_user,
        treatment=clinic.treatment,
        practitioner=clinic.practitioners[0],
        room=clinic.rooms[0],
        starts_at=at(MONDAY, "09:00"),
        status=Appointment.Status.COMPLETED,
    )
    appointment_messages_plan(appointment=appointment, event="completed")
    rows = planned(appointment)
    assert rows[BookingKind.AFTERCARE] == [(Status.PENDING, datetime(2026, 6, 1, 9, 0, tzinfo=UTC))]
    assert rows[BookingKind.NEXT_WINDOW_OPENS] == [(Status.PENDING, at(MONDAY + days(28), "09:00"))]
    assert rows[BookingKind.WINDOW_CLOSING] == [(Status.PENDING, at(MONDAY + days(37), "09:00"))]
    assert not OutboundMessage.objects.get(kind=BookingKind.NEXT_WINDOW_OPENS).essential

    frozen_monday.move_to(at(MONDAY + days(28), "09:00"))
    outbox_dispatch_due()
    subjects = [email.subject for email in mail.outbox]
    assert subjects[-1] == "You can book your next Micro-needling now"
    assert "until Monday 13 July 2026" in mail.outbox[-1].body  # day 42

    # The client books the next session: the closing notice is not sent.
    book(clinic, client_user, at(MONDAY + days(30), "10:00"), front_desk)
    closing = OutboundMessage.objects.get(kind=BookingKind.WINDOW_CLOSING)
    assert closing.status == Status.CANCELLED and closing.note == "The next session is booked."


def test_a_window_message_is_skipped_at_sending_time_if_a_session_was_booked_meanwhile(
    clinic, client_user, front_desk, frozen_monday
):
    # Window notices are marketing: sent only to a client who opted in (clinic.consent).
    marketing_consent_set(person=client_user, channels=["email"], via="portal")
    first = AppointmentFactory(
        client=client_user,
        treatment=clinic.treatment,
        practitioner=clinic.practitioners[0],
        room=clinic.rooms[0],
        starts_at=at(MONDAY, "09:00"),
        status=Appointment.Status.COMPLETED,
    )
    appointment_messages_plan(appointment=first, event="completed")
    # Booked behind the planner's back (an import, the admin): the builder still notices.
    AppointmentFactory(
        client=client_user, treatment=clinic.treatment, course=first.course, starts_at=at(MONDAY + days(30), "10:00")
    )
    frozen_monday.move_to(at(MONDAY + days(28), "09:00"))
    outbox_dispatch_due()
    opens = OutboundMessage.objects.get(kind=BookingKind.NEXT_WINDOW_OPENS)
    # Skipped, not cancelled: nothing withdrew it; at its time it no longer applied.
    assert opens.status == Status.SKIPPED and opens.note == "The next session is already booked."


def test_the_health_update_request_links_to_the_form_for_this_session(clinic, client_user, front_desk, frozen_monday):
    appointment = book(clinic, client_user, at(NEXT_MONDAY, "10:00"), front_desk)
    frozen_monday.move_to(at(NEXT_MONDAY - days(3), "09:00"))
    outbox_dispatch_due()
    (request,) = [email for email in mail.outbox if email.subject.startswith("Before Monday")]
    assert f"http://127.0.0.1:8000/consultations/health-update/{appointment.pk}/" in request.body


def test_a_reported_health_change_alerts_the_practitioners_without_medical_detail(
    clinic, client_user, front_desk, frozen_monday
):
    from consultations.services import health_update_submit

    appointment = book(clinic, client_user, at(MONDAY + days(2), "10:00"), front_desk)
    outbox_dispatch_due()
    mail.outbox.clear()
    health_update_submit(
        client=client_user,
        appointment_id=appointment.pk,
        session_date=MONDAY + days(2),
        anything_changed=True,
        details="Started isotretinoin last week",
        submitted_by=client_user,
    )
    outbox_dispatch_due()
    alerts = [email for email in mail.outbox if email.subject.startswith("Health change reported")]
    assert alerts, [email.subject for email in mail.outbox]
    alert = alerts[0]
    assert alert.to[0] != client_user.email
    assert "before their session on Wed 3 Jun at 10:00" in alert.subject
    assert "http://127.0.0.1:8000/consultations/health-updates/" in alert.body
    assert "isotretinoin" not in alert.body and "isotretinoin" not in alert.alternatives[0].content
