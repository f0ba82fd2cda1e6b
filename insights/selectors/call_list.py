"""The front desk's call list: clients whose course window closes in the next 7 days with no
session booked, and clients whose clearance ends in the next 30 days with no newer one. Each row
says whether the call list's reminder already went (the outbox row with its key)."""

from datetime import timedelta

from django.db.models import Exists, OuterRef, Value
from django.db.models.functions import Concat

from bookings.models import Appointment
from clinic.clock import clinic_today
from clinic.models import OutboundMessage
from consultations.models import Clearance

from .courses import courses_with_window_closing

WINDOW_DAYS = 7
CLEARANCE_DAYS = 30
# The outbox keys of the call list's reminders (bookings.services.call_list writes them).
COURSE_KEY = "call_list:course:"
CLEARANCE_KEY = "call_list:clearance:"


def _reminded(prefix: str):
    key = Concat(Value(prefix), OuterRef("pk"))
    return Exists(OutboundMessage.objects.filter(idempotency_key=key))


def call_list_courses(location_ids: list[int] | None = None):
    """Courses whose window closes today or in the next 7 days and whose client has no session
    booked after the last one (the window would not be closing otherwise), at the given locations
    (where the course has sessions) or everywhere. Two queries."""
    today = clinic_today()
    courses = courses_with_window_closing(today, today + timedelta(days=WINDOW_DAYS))
    if location_ids is not None:
        courses = courses.filter(
            Exists(
                Appointment.objects.filter(
                    course_id=OuterRef("pk"),
                    status__in=Appointment.ACTIVE_STATUSES,
                    room__location_id__in=location_ids,
                )
            )
        )
    return list(
        courses.annotate(reminded=_reminded(COURSE_KEY))
        .select_related("client", "treatment")
        .order_by("closes_on", "pk")
    )


def call_list_clearances(location_ids: list[int] | None = None):
    """Clearances (not revoked) that end today or in the next 30 days, whose client has no other
    clearance for the same treatment lasting longer; for the given locations, those of clients
    with a session there or with none anywhere yet (every desk may ring those; the reminder goes
    once). One query."""
    today = clinic_today()
    newer = Clearance.objects.filter(
        client_id=OuterRef("client_id"),
        treatment_slug=OuterRef("treatment_slug"),
        revoked_at__isnull=True,
        valid_until__gt=OuterRef("valid_until"),
    )
    clearances = Clearance.objects.filter(
        revoked_at__isnull=True, valid_until__gte=today, valid_until__lte=today + timedelta(days=CLEARANCE_DAYS)
    ).exclude(Exists(newer))
    if location_ids is not None:
        sessions = Appointment.objects.filter(client_id=OuterRef("client_id"))
        clearances = clearances.filter(Exists(sessions.filter(room__location_id__in=location_ids)) | ~Exists(sessions))
    return list(
        clearances.annotate(reminded=_reminded(CLEARANCE_KEY)).select_related("client").order_by("valid_until", "pk")
    )


def call_list_count() -> int:
    return len(call_list_courses()) + len(call_list_clearances())
