"""What bookings holds about a client, registered for the export and the erasure
(``clinic.client_data``). Sessions and courses stay when a client is forgotten (the clinic's
history, tied to the anonymised account) with their free-text reasons blanked; waitlist entries
go at once. Future sessions are cancelled by the erasure itself (``records.erasure``)."""

from clinic.client_data import ClientData, Erasure, client_data_exempt, client_data_register

from .models import Appointment, AppointmentStatusChange, Course, TabletCheckIn, WaitlistEntry

STAFF_ONLY = "staff working hours, time off and calendar feeds: nothing about a client"


def _register_appointments() -> None:
    """Courses, sessions and their status changes."""
    client_data_register(
        ClientData(
            model=Course,
            client_lookup="client",
            section="courses",
            description="Courses (series) of sessions of one treatment.",
            erasure=Erasure.KEEP,
            exclude=("client",),
        )
    )
    client_data_register(
        ClientData(
            model=Appointment,
            client_lookup="client",
            section="appointments",
            description="Every session booked: times, treatment, areas, practitioner, room, status, cancellation.",
            erasure=Erasure.ANONYMISE,
            personal_fields=("late_booking_reason", "cancellation_reason"),
            exclude=("client",),
            order_by=("starts_at", "pk"),
        )
    )
    client_data_register(
        ClientData(
            model=AppointmentStatusChange,
            client_lookup="appointment__client",
            section="appointment_history",
            description="Each status change of each session: from, to, when.",
            erasure=Erasure.KEEP,
            order_by=("changed_at", "pk"),
        )
    )


def bookings_client_data_register() -> None:
    _register_appointments()
    client_data_register(
        ClientData(
            model=WaitlistEntry,
            client_lookup="client",
            section="waitlist",
            description="Dates the client waited for a free session.",
            erasure=Erasure.DELETE,
            exclude=("client",),
        )
    )
    client_data_register(
        ClientData(
            model=TabletCheckIn,
            client_lookup="appointment__client",
            section="tablet_check_ins",
            description="One-time codes the desk made to check the client in on the clinic's tablet: when made, used, finished.",
            erasure=Erasure.DELETE,
            exclude=("digest",),
            order_by=("created_at", "pk"),
        )
    )
    for label in (
        "bookings.practitioner",
        "bookings.workinghours",
        "bookings.timeoff",
        "bookings.clinicclosure",
        "bookings.calendarfeedtoken",
    ):
        client_data_exempt(label, STAFF_ONLY)
