"""A practitioner's private calendar subscription: a secret address that serves their coming
sessions as one .ics, built with icalendar. The token is stored only as a digest; revoking it
kills the address at once."""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from icalendar import Calendar, Event

from clinic.audit import audit_record
from clinic.models import ClinicProfile

from ..models import Appointment, CalendarFeedToken, Practitioner

FEED_PAST_DAYS = 14
FEED_FUTURE_DAYS = 120


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_feed_token_create(*, practitioner: Practitioner) -> str:
    """A new secret for ``practitioner``'s feed (any earlier one is revoked). Returns the token:
    it is shown once and never stored."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        CalendarFeedToken.objects.select_for_update().filter(practitioner=practitioner, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        CalendarFeedToken.objects.create(practitioner=practitioner, digest=_digest(token))
    return token


def calendar_feed_token_revoke(*, practitioner: Practitioner, revoked_by=None, request=None) -> int:
    """Revoke the live feed address, if any (the practitioner on their page, or a manager in the
    admin: recorded in the audit log). Returns how many were revoked (0 or 1)."""
    with transaction.atomic():
        live = list(
            CalendarFeedToken.objects.select_for_update().filter(practitioner=practitioner, revoked_at__isnull=True)
        )
        for token in live:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit_record(actor=revoked_by, action="calendar_feed.revoked", target=token, request=request, subject=None)
    return len(live)


def calendar_feed_live(*, practitioner: Practitioner) -> CalendarFeedToken | None:
    return CalendarFeedToken.objects.filter(practitioner=practitioner, revoked_at__isnull=True).first()


def calendar_feed_practitioner(*, token: str) -> Practitioner | None:
    """The practitioner whose live token this is, or None (unknown or revoked). One query."""
    row = (
        CalendarFeedToken.objects.filter(digest=_digest(token), revoked_at__isnull=True)
        .select_related("practitioner__user")
        .first()
    )
    return row.practitioner if row else None


def calendar_feed_ics(*, practitioner: Practitioner, clinic: ClinicProfile | None = None) -> bytes:
    """The practitioner's sessions from two weeks back to four months ahead, cancelled ones
    left out. Events run from needling start to needling end (their own time); the summary
    names the client by first name and initial only, since calendar apps sync to other devices."""
    clinic = clinic or ClinicProfile.get()
    tz = clinic.tz
    now = timezone.now()
    rows = (
        Appointment.objects.filter(
            practitioner=practitioner,
            status__in=Appointment.ACTIVE_STATUSES,
            starts_at__gte=now - timedelta(days=FEED_PAST_DAYS),
            starts_at__lte=now + timedelta(days=FEED_FUTURE_DAYS),
        )
        .select_related("client", "treatment", "room")
        .order_by("starts_at")
    )
    events = []
    for appointment in rows:
        client = appointment.client
        initial = f" {client.last_name[:1]}." if client.last_name else ""
        events.append(
            Event.new(
                uid=f"practitioner-session-{appointment.pk}@{clinic.email.rpartition('@')[2] or 'clinic.invalid'}",
                stamp=now,
                start=timezone.localtime(appointment.needling_starts_at, tz),
                end=timezone.localtime(appointment.needling_ends_at, tz),
                summary=f"{appointment.treatment.name}: {client.first_name}{initial} ({appointment.area_labels})",
                description=(
                    f"Arrives {timezone.localtime(appointment.starts_at, tz):%H:%M} for numbing in {appointment.room}."
                    f"\nStatus: {appointment.get_status_display()}"
                ),
                location=str(appointment.room),
                status="CONFIRMED",
            )
        )
    calendar = Calendar.new(
        prodid=f"-//{clinic.name}//Practitioner feed//EN",
        subcomponents=events,
    )
    calendar.add("X-WR-CALNAME", f"{clinic.name}: {practitioner.user.get_full_name()}")
    calendar.add("X-WR-TIMEZONE", clinic.time_zone)
    calendar.add_missing_timezones()
    return calendar.to_ical()
