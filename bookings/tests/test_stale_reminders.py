"""Stale messages (issue 10, item 11): after the workers were down, a message about a moment that
has passed by more than the grace (``OUTBOX_STALE_GRACE_MINUTES``, six hours) is skipped with a
note, not sent; messages that are not about a moment go however late."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from bookings.messages import BookingKind
from bookings.services.appointments import appointment_book
from bookings.tests.conftest import MONDAY, at, days
from clinic.dispatch import outbox_dispatch_due
from clinic.models import OutboundMessage
from clinic.outbox import outbox_enqueue
from clinic.tests.factories import ClientFactory, log_in

Status = OutboundMessage.Status

NEXT_MONDAY = MONDAY + days(7)


@pytest.fixture
def booked(clinic, client_user, front_desk, frozen_monday):
    """A session at 10:00 next Monday, booked (and confirmed) now."""
    appointment = appointment_book(
        client=client_user,
        treatment=clinic.treatment,
        areas=["face"],
        starts_at=at(NEXT_MONDAY, "10:00"),
        booked_by=front_desk,
    )
    outbox_dispatch_due()
    assert [email.subject for email in mail.outbox] == ["Booked: Micro-needling on Mon 8 Jun at 10:00"]
    mail.outbox.clear()
    return appointment


def _row(appointment, kind) -> OutboundMessage:
    return OutboundMessage.objects.get(appointment_id=appointment.pk, kind=kind)


def test_at_0940_for_a_1000_session_the_48_hour_reminder_and_the_health_update_request_are_skipped_not_sent(
    booked, frozen_monday
):
    # The workers were down from before Friday's 09:00 until 09:40 on the day of the session.
    frozen_monday.move_to(at(NEXT_MONDAY, "09:40"))
    report = outbox_dispatch_due()

    assert (report.sent, report.skipped) == (0, 2)
    assert mail.outbox == []
    reminder, request = _row(booked, BookingKind.REMINDER), _row(booked, BookingKind.HEALTH_UPDATE_REQUEST)
    assert (reminder.status, reminder.sent_at) == (Status.SKIPPED, None)
    assert reminder.note == (
        "Not sent: due Sat 6 Jun, 10:00, it was 47 hours late and no longer useful "
        "(messages about a moment are skipped after 6 hours)."
    )
    assert request.status == Status.SKIPPED
    assert request.note.startswith("Not sent: due Fri 5 Jun, 09:00, it was 3 days late")


def test_the_message_log_shows_what_was_skipped_and_why(booked, frozen_monday, client, front_desk):
    frozen_monday.move_to(at(NEXT_MONDAY, "09:40"))
    outbox_dispatch_due()
    log_in(client, front_desk)

    page = client.get(reverse("message_log_client", args=[booked.client_id])).content.decode()
    assert page.count('<span class="badge badge-warn">Skipped</span>') == 2
    assert "Not sent: due Sat 6 Jun, 10:00, it was 47 hours late" in page
    filtered = client.get(reverse("message_log"), {"status": "skipped"}).content.decode()
    assert '<option value="skipped" selected>Skipped</option>' in filtered
    assert filtered.count("Reminder with pre-care") == 1 and "Booking confirmation" not in filtered


def test_a_reminder_late_by_less_than_the_grace_still_goes(booked, frozen_monday):
    # Due Saturday 10:00; the workers come back at 15:59.
    frozen_monday.move_to(at(NEXT_MONDAY - days(2), "15:59"))
    outbox_dispatch_due()
    assert _row(booked, BookingKind.REMINDER).status == Status.SENT
    assert "Reminder: Micro-needling on Monday 8 June at 10:00" in [email.subject for email in mail.outbox]


def test_the_grace_is_a_setting(booked, frozen_monday, settings):
    settings.OUTBOX_STALE_GRACE_MINUTES = 60
    frozen_monday.move_to(at(NEXT_MONDAY - days(2), "11:01"))
    outbox_dispatch_due()
    reminder = _row(booked, BookingKind.REMINDER)
    assert reminder.status == Status.SKIPPED and "skipped after 60 minutes" in reminder.note


def test_a_confirmation_is_never_stale(clinic, client_user, front_desk, frozen_monday):
    appointment = appointment_book(
        client=client_user,
        treatment=clinic.treatment,
        areas=["face"],
        starts_at=at(NEXT_MONDAY, "10:00"),
        booked_by=front_desk,
    )
    # The workers were down for two days after the booking.
    frozen_monday.shift(timedelta(days=2))
    outbox_dispatch_due()
    assert _row(appointment, BookingKind.BOOKING_CONFIRMATION).status == Status.SENT
    assert "Booked: Micro-needling on Mon 8 Jun at 10:00" in [email.subject for email in mail.outbox]


def test_a_waitlist_offer_for_a_time_that_has_passed_is_skipped_however_soon(clinic, frozen_monday):
    offer = outbox_enqueue(
        kind=BookingKind.WAITLIST_OFFER,
        recipient=ClientFactory(),
        due_at=at(MONDAY, "10:00"),
        key="offer",
        essential=False,
        context={"treatment_name": "Micro-needling", "offered_starts_at": at(MONDAY, "11:00"), "offer_url": "/"},
    )
    frozen_monday.move_to(at(MONDAY, "11:05"))  # five minutes late for the offer, and past the time
    outbox_dispatch_due()
    offer.refresh_from_db()
    assert offer.status == Status.SKIPPED
    assert offer.note == "Not sent: the time it offered (Mon 1 Jun, 11:00) has passed."
    assert mail.outbox == []
