"""Calendar files (.ics, RFC 5545/5546) for an appointment, with the icalendar library.

``appointment_ics(appointment=..., method="REQUEST")`` is the invitation (new or moved session),
``method="CANCEL"`` takes it out of the client's calendar. Times are written in the clinic's
time zone with its VTIMEZONE, so calendars show the session at the clinic's wall-clock time
whatever the zone of the phone. The UID is stable per appointment and SEQUENCE grows with every
move (the number of move notices planned) and once more on cancellation, so calendar apps
replace the earlier version instead of adding a second event.
"""

from email.utils import parseaddr

from django.conf import settings
from django.db.models import Max
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress

from clinic.locations import clinic_at
from clinic.models import ClinicProfile, OutboundMessage

from .messages import BookingKind


def _uid(appointment) -> str:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "clinic.invalid"
    return f"appointment-{appointment.pk}@{domain}"


def appointment_ics_sequence(appointment) -> int:
    """0 when booked; +1 per move; +1 more once cancelled."""
    moves = (
        OutboundMessage.objects.filter(
            appointment_id=appointment.pk,
            kind=BookingKind.APPOINTMENT_RESCHEDULED,
            resend_of__isnull=True,
        ).aggregate(top=Max("version"))["top"]
        or 0
    )
    return moves + (1 if appointment.status == appointment.Status.CANCELLED else 0)


def appointment_ics(*, appointment, method: str = "REQUEST", clinic: ClinicProfile | None = None) -> bytes:
    """The .ics file for ``appointment``: ``method`` "REQUEST" (book/move), "CANCEL" or "PUBLISH"
    (a plain download). Raises ValueError for any other method."""
    method = method.upper()
    if method not in ("REQUEST", "CANCEL", "PUBLISH"):
        raise ValueError(f"Unknown calendar method {method}")
    clinic = clinic or clinic_at(appointment.room.location_id)  # the location's address and zone
    tz = clinic.tz
    organizer_email = clinic.email or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    organizer = vCalAddress(f"mailto:{organizer_email}")
    organizer.params["CN"] = clinic.name
    attendee = vCalAddress(f"mailto:{appointment.client.email}")
    attendee.params["CN"] = str(appointment.client)
    attendee.params["ROLE"] = "REQ-PARTICIPANT"
    attendee.params["RSVP"] = "FALSE"
    summary = f"{appointment.treatment.name} at {clinic.name}"
    description = (
        f"{appointment.treatment.name}: {appointment.area_labels}.\n"
        f"Arrive at {timezone.localtime(appointment.starts_at, tz):%H:%M} for the numbing cream "
        f"({appointment.treatment.numbing_minutes} minutes).\n"
        "Come with clean skin; no retinoids or exfoliants for 3 to 5 days before; no sunburn."
    )
    if clinic.phone:
        description += f"\nTo move or cancel: {clinic.phone}"
    cancelled = method == "CANCEL"
    event = Event.new(
        uid=_uid(appointment),
        sequence=appointment_ics_sequence(appointment),
        stamp=timezone.now(),
        start=timezone.localtime(appointment.starts_at, tz),
        end=timezone.localtime(appointment.needling_ends_at, tz),
        summary=("Cancelled: " if cancelled else "") + summary,
        description=description,
        location=", ".join(line.strip() for line in clinic.address.splitlines() if line.strip()) or clinic.name,
        organizer=organizer,
        attendees=[attendee],
        status="CANCELLED" if cancelled else "CONFIRMED",
        transparency="OPAQUE",
    )
    calendar = Calendar.new(
        prodid=f"-//{clinic.name}//Bookings//EN",
        method=method,
        subcomponents=[event],
    )
    calendar.add_missing_timezones()
    return calendar.to_ical()
