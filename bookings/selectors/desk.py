"""Reads for the front desk and the practitioners: finding clients, one appointment with its
history, the waitlist. The day and week schedules are ``bookings.selectors``'. Each function
runs a fixed number of queries (tests in ``tests/test_screens_desk.py``)."""

from datetime import date

from django.db.models import Q
from django.http import Http404

from clinic import roles
from clinic.models import User

from ..models import Appointment, WaitlistEntry

OPEN_WAITLIST = (WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED)


def client_search(*, query: str, limit: int = 25) -> list[User]:
    """Clients whose name, e-mail or phone contains ``query`` (each word must match). One query."""
    words = query.split()
    if not words:
        return []
    rows = User.objects.filter(groups__name=roles.Role.CLIENT, is_active=True)
    for word in words[:4]:
        digits = "".join(ch for ch in word if ch.isdigit())
        match = Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
        if len(digits) >= 3:
            match |= Q(phone__icontains=digits) | Q(phone__icontains=word)
        rows = rows.filter(match)
    return list(rows.order_by("last_name", "first_name", "pk")[:limit])


def desk_client(*, client_id: int) -> User:
    client = User.objects.filter(pk=client_id, groups__name=roles.Role.CLIENT).first()
    if client is None:
        raise Http404("No such client.")
    return client


def client_appointments_for_desk(*, client) -> list[Appointment]:
    """A client's appointments, latest first, for the desk's client page. One query."""
    return list(
        Appointment.objects.filter(client=client)
        .select_related("treatment", "practitioner__user", "room")
        .order_by("-starts_at", "-pk")
    )


def desk_appointment(*, appointment_id: int) -> Appointment:
    """One appointment with its people, room, course and status history. Two queries."""
    appointment = (
        Appointment.objects.select_related("client", "treatment", "practitioner__user", "room", "course", "booked_by")
        .prefetch_related("status_changes__changed_by")
        .filter(pk=appointment_id)
        .first()
    )
    if appointment is None:
        raise Http404("No such appointment.")
    return appointment


def open_waitlist(*, from_day: date, location_id: int | None = None) -> list[WaitlistEntry]:
    """Waitlist entries still open whose range has not passed, soonest range first (with
    ``location_id``: those waiting there or anywhere). One query."""
    entries = WaitlistEntry.objects.filter(status__in=OPEN_WAITLIST, last_day__gte=from_day)
    if location_id is not None:
        entries = entries.filter(Q(location_id=location_id) | Q(location__isnull=True))
    return list(
        entries.select_related("client", "treatment", "practitioner__user", "location").order_by(
            "first_day", "created_at", "pk"
        )
    )


def waitlist_for_day(*, entries: list[WaitlistEntry], day: date, treatment_id: int) -> list[WaitlistEntry]:
    """Of ``entries``, those who asked for ``day`` and this treatment (pure: no query)."""
    return [e for e in entries if e.treatment_id == treatment_id and e.first_day <= day <= e.last_day]
