"""The waitlist: clients who would take a session on any day of a range if a time frees up.

An offer holds no time: it is a message with a link to the booking calendar on that day, and the
first person who books through the ordinary rules gets the slot. So nothing here can break the
booking rules, and two offers of one slot cannot double-book it.
"""

from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from clinic import roles
from clinic.audit import audit_record
from clinic.clock import clinic_today
from clinic.models import ClinicProfile
from clinic.outbox import outbox_enqueue

from ..messages import BookingKind
from ..models import Treatment, WaitlistEntry

OPEN = (WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED)
LONGEST_RANGE_DAYS = 90


def waitlist_join(
    *,
    client,
    treatment: Treatment,
    areas: list[str],
    first_day: date,
    last_day: date,
    joined_by,
    note: str = "",
    practitioner=None,
    location=None,
) -> WaitlistEntry:
    """Put ``client`` on the waitlist for ``areas`` from ``first_day`` to ``last_day`` (local
    dates). A client has at most one open entry per treatment: joining again replaces its range.
    Raises ``ValidationError`` for a range in the past, reversed or longer than 90 days, an area
    the treatment does not cover, or someone who may not act for the client."""
    if joined_by.pk != client.pk and not roles.can(joined_by, roles.Capability.BOOK_FOR_CLIENT):
        raise ValidationError("Only the client or the clinic's staff can do this.")
    today = clinic_today()
    if last_day < first_day:
        raise ValidationError({"last_day": "The last day must be on or after the first day."})
    if last_day < today:
        raise ValidationError({"last_day": "Those days have passed."})
    if (last_day - max(first_day, today)).days > LONGEST_RANGE_DAYS:
        raise ValidationError({"last_day": f"Choose a range of at most {LONGEST_RANGE_DAYS} days."})
    offered = set(treatment.areas.values_list("area", flat=True))
    areas = list(dict.fromkeys(areas))
    if not areas or any(code not in offered for code in areas):
        raise ValidationError({"areas": "Choose areas this treatment covers."})
    with transaction.atomic():
        entry = (
            WaitlistEntry.objects.select_for_update()
            .filter(client=client, treatment=treatment, status__in=OPEN)
            .order_by("pk")
            .first()
        )
        fields = {
            "areas": areas,
            "first_day": max(first_day, today),
            "last_day": last_day,
            "note": (note or "").strip(),
            "practitioner": practitioner,
            "location": location,
            "status": WaitlistEntry.Status.WAITING,
        }
        if entry is None:
            entry = WaitlistEntry.objects.create(client=client, treatment=treatment, **fields)
        else:
            for name, value in fields.items():
                setattr(entry, name, value)
            entry.save(update_fields=list(fields))
        audit_record(actor=joined_by, action="waitlist.joined", target=entry, subject=client)
    return entry


def waitlist_withdraw(*, entry: WaitlistEntry, withdrawn_by) -> WaitlistEntry:
    """Take an entry off the waitlist (the client, or staff). Doing it twice changes nothing."""
    if withdrawn_by.pk != entry.client_id and not roles.can(withdrawn_by, roles.Capability.BOOK_FOR_CLIENT):
        raise ValidationError("Only the client or the clinic's staff can do this.")
    with transaction.atomic():
        entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.status in OPEN:
            entry.status = WaitlistEntry.Status.WITHDRAWN
            entry.save(update_fields=["status"])
    return entry


def waitlist_offer(*, entry: WaitlistEntry, starts_at: datetime, offered_by) -> WaitlistEntry:
    """Offer a freed time to a waiting client: an outbox message (kind waitlist offer) with a
    link to the booking calendar on that day. Offering the same time twice sends one message.
    Raises ``ValidationError`` for a closed entry, a time in the past or outside its range."""
    roles.require(offered_by, roles.Capability.BOOK_FOR_CLIENT)
    tz = ClinicProfile.get().tz
    if starts_at <= timezone.now():
        raise ValidationError("That time has passed.")
    if starts_at - timezone.now() > timedelta(days=LONGEST_RANGE_DAYS + 366):
        # No range reaches that far (and a year-9999 time would overflow the local date).
        raise ValidationError("That day is outside the days the client asked for.")
    with transaction.atomic():
        entry = WaitlistEntry.objects.select_for_update().select_related("treatment", "client").get(pk=entry.pk)
        if entry.status not in OPEN:
            raise ValidationError(f"This waitlist entry is {entry.get_status_display().lower()}.")
        day = starts_at.astimezone(tz).date()
        if not entry.first_day <= day <= entry.last_day:
            raise ValidationError("That day is outside the days the client asked for.")
        query = urlencode(
            [("areas", code) for code in entry.areas] + [("day", day.isoformat()), ("month", f"{day:%Y-%m}")]
        )
        outbox_enqueue(
            kind=BookingKind.WAITLIST_OFFER,
            recipient=entry.client,
            due_at=timezone.now(),
            key=f"waitlist:{entry.pk}:{starts_at.isoformat()}",
            context={
                "treatment_name": entry.treatment.name,
                "offered_starts_at": starts_at.isoformat(),
                "offer_url": f"{reverse('book_calendar', kwargs={'slug': entry.treatment.slug})}?{query}",
            },
            essential=False,
        )
        entry.status = WaitlistEntry.Status.OFFERED
        entry.offered_at = timezone.now()
        entry.offered_starts_at = starts_at
        entry.offered_by = offered_by
        entry.save(update_fields=["status", "offered_at", "offered_starts_at", "offered_by"])
        audit_record(
            actor=offered_by,
            action="waitlist.offered",
            target=entry,
            subject=entry.client,
            details={"starts_at": starts_at.isoformat()},
        )
    return entry


def waitlist_mark_booked(*, client, treatment: Treatment, day: date) -> int:
    """Close the client's open entries of ``treatment`` covering ``day`` (a local date): called
    by ``appointment_book`` and ``appointment_reschedule`` inside their transaction, so the entry
    closes exactly when the session is written. Returns how many."""
    return WaitlistEntry.objects.filter(
        client=client, treatment=treatment, status__in=OPEN, first_day__lte=day, last_day__gte=day
    ).update(status=WaitlistEntry.Status.BOOKED)


def waitlist_mark_booked_many(*, booked) -> int:
    """``waitlist_mark_booked`` for many sessions at once (an import's batch booking): ``booked``
    holds ``(client_id, treatment_id, day)``. Two queries. Returns how many entries closed."""
    booked = list(booked)
    if not booked:
        return 0
    days_of: dict[tuple[int, int], list[date]] = {}
    for client_id, treatment_id, day in booked:
        days_of.setdefault((client_id, treatment_id), []).append(day)
    rows = WaitlistEntry.objects.filter(
        client_id__in={client_id for client_id, _ in days_of}, status__in=OPEN
    ).values_list("pk", "client_id", "treatment_id", "first_day", "last_day")
    ids = [
        pk
        for pk, client_id, treatment_id, first_day, last_day in rows
        if any(first_day <= day <= last_day for day in days_of.get((client_id, treatment_id), ()))
    ]
    if not ids:
        return 0
    return WaitlistEntry.objects.filter(pk__in=ids).update(status=WaitlistEntry.Status.BOOKED)
