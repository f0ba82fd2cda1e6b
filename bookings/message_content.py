"""Content builders of the appointment messages (registered in ``bookings.messages``): clinic
calls them when it composes a message, so the words show the appointment as it is then."""

from datetime import timedelta

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from clinic.composing import Attachment
from clinic.locations import clinic_at
from clinic.models import OutboundMessage

from .calendar import appointment_ics
from .messages import BookingKind as Kind
from .models import Appointment
from .services.message_planning import message_planned_for


def _link(*candidates) -> str:
    """The first url that exists among ``candidates`` (url names, or (name, args) pairs), else
    the dashboard. A path; clinic.composing makes it absolute."""
    for candidate in candidates:
        name, args = candidate if isinstance(candidate, tuple) else (candidate, None)
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return reverse("dashboard")


# Message kinds that only make sense while the session is still ahead and booked.
_BEFORE_KINDS = (Kind.REMINDER, Kind.HEALTH_UPDATE_REQUEST, Kind.BOOKING_CONFIRMATION, Kind.APPOINTMENT_RESCHEDULED)


def appointment_message_content(message: OutboundMessage) -> dict:
    """Template context (and the .ics) for a message about one appointment, read when it is sent
    so that it shows the appointment as it is then. Says "skip" when the message no longer
    applies (the appointment is gone, cancelled, or moved since this reminder was planned)."""
    appointment = (
        Appointment.objects.select_related("treatment", "practitioner__user", "client", "course", "room")
        .filter(pk=message.appointment_id)
        .first()
    )
    if appointment is None:
        return {"skip": "The appointment no longer exists."}
    if message.kind in _BEFORE_KINDS and appointment.status != Appointment.Status.BOOKED:
        return {"skip": f"The appointment is {appointment.get_status_display().lower()}."}
    if (
        message.kind in (Kind.REMINDER, Kind.HEALTH_UPDATE_REQUEST)
        and message_planned_for(message) != appointment.starts_at
    ):
        return {"skip": "The appointment was moved; a new message is planned for the new time."}
    clinic = clinic_at(appointment.room.location_id)  # the location's address and time zone
    session_day = timezone.localtime(appointment.starts_at, clinic.tz).date()
    treatment = appointment.treatment
    context = {
        "clinic": clinic,
        "appointment": appointment,
        "starts_at": appointment.starts_at,
        "needling_starts_at": appointment.needling_starts_at,
        "ends_at": appointment.needling_ends_at,
        "numbing_minutes": treatment.numbing_minutes,
        "treatment_name": treatment.name,
        "areas": [label.strip() for label in appointment.area_labels.split(",") if label.strip()],
        "practitioner_name": appointment.practitioner.user.get_full_name() or str(appointment.practitioner.user),
        "manage_url": _link(("my_appointment", [appointment.pk]), "my_appointments"),
        "book_url": _link(("book_areas", [treatment.slug]), "book_start"),
        "health_update_url": _link(("consultations:health_update", [appointment.pk])),
    }
    if message.kind == Kind.AFTERCARE:
        context["next_window_opens_on"] = session_day + timedelta(days=treatment.spacing_min_days)
        context["next_window_closes_on"] = session_day + timedelta(days=treatment.spacing_max_days)
    ics_method = {
        Kind.BOOKING_CONFIRMATION: "REQUEST",
        Kind.APPOINTMENT_RESCHEDULED: "REQUEST",
        Kind.REMINDER: "REQUEST",
        Kind.APPOINTMENT_CANCELLED: "CANCEL",
    }.get(message.kind)
    if ics_method:
        context["attachments"] = [
            Attachment(
                filename="cancelled-appointment.ics" if ics_method == "CANCEL" else "appointment.ics",
                content=appointment_ics(appointment=appointment, method=ics_method, clinic=clinic),
                mimetype=f"text/calendar; method={ics_method}",
            )
        ]
    return context


def next_window_message_content(message: OutboundMessage) -> dict:
    """Context for "your next window opens" / "closes in 5 days"; skipped when a later session
    of the same treatment sharing an area is already booked, or the course is finished."""
    appointment = Appointment.objects.select_related("treatment", "course").filter(pk=message.appointment_id).first()
    if appointment is None:
        return {"skip": "The appointment no longer exists."}
    later = Appointment.objects.filter(
        client_id=appointment.client_id,
        treatment_id=appointment.treatment_id,
        starts_at__gt=appointment.starts_at,
        status__in=Appointment.ACTIVE_STATUSES,
    ).values_list("course_id", "areas")
    # Areas are a JSON list (SQLite has no JSON containment lookup): compare them here.
    if any(course_id == appointment.course_id or set(areas) & set(appointment.areas) for course_id, areas in later):
        return {"skip": "The next session is already booked."}
    if appointment.course.status != appointment.course.Status.OPEN:
        return {"skip": "The course is finished."}
    return {
        "treatment_name": appointment.treatment.name,
        "book_url": _link(("book_areas", [appointment.treatment.slug]), "book_start"),
    }
