"""bookings' message kinds, registered with clinic's registry in ``BookingsConfig.ready()``.

Planning them is ``bookings.reminders``'s; their content is ``bookings.message_content``'s.
"""

from django.db import models

from clinic.message_kinds import message_kind_register


class BookingKind(models.TextChoices):
    BOOKING_CONFIRMATION = "booking_confirmation", "Booking confirmation"
    APPOINTMENT_RESCHEDULED = "appointment_rescheduled", "Appointment moved"
    APPOINTMENT_CANCELLED = "appointment_cancelled", "Appointment cancelled"
    REMINDER = "reminder", "Reminder with pre-care (48 hours before)"
    HEALTH_UPDATE_REQUEST = "health_update_request", "Health update request (3 days before)"
    # Planned by bookings at completion; aftercare adds the plan and its PDF to its content.
    AFTERCARE = "aftercare", "Aftercare plan"
    NEXT_WINDOW_OPENS = "next_window_opens", "Next session window opens"
    WINDOW_CLOSING = "window_closing", "Next session window closes soon"
    WAITLIST_OFFER = "waitlist_offer", "Waitlist offer"
    # Sent from the front desk's call list (bookings.services.call_list), once per course or clearance.
    CALL_LIST_REMINDER = "call_list_reminder", "Reminder from the front desk (course window or clearance)"


def messages_register() -> None:
    from .message_content import appointment_message_content, next_window_message_content

    Kind = BookingKind
    appointment = [appointment_message_content]
    window = [next_window_message_content]
    for kind, builders, time_bound in (
        (Kind.BOOKING_CONFIRMATION, appointment, False),
        (Kind.APPOINTMENT_RESCHEDULED, appointment, False),
        (Kind.APPOINTMENT_CANCELLED, appointment, False),
        (Kind.REMINDER, appointment, True),
        (Kind.HEALTH_UPDATE_REQUEST, appointment, True),
    ):
        message_kind_register(kind, kind.label, builders=builders, time_bound=time_bound)
    # The course-window nudges are marketing: only with an opt-in, with an unsubscribe link.
    for kind in (Kind.NEXT_WINDOW_OPENS, Kind.WINDOW_CLOSING):
        message_kind_register(kind, kind.label, builders=window, time_bound=True, marketing=True)
    message_kind_register(Kind.AFTERCARE, Kind.AFTERCARE.label, builders=appointment, clinical=True)
    # The offer's words come from its row (the time offered); it goes stale when that time passes.
    message_kind_register(Kind.WAITLIST_OFFER, Kind.WAITLIST_OFFER.label, context_only=True, time_bound=True)
    message_kind_register(Kind.CALL_LIST_REMINDER, Kind.CALL_LIST_REMINDER.label, context_only=True)
