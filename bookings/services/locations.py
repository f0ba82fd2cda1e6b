"""Writes that tie the bookings side to locations: a practitioner's working hours at a location,
moving a room, closing a location for days, importing public holidays, deleting a location.

Each checks first and says what conflicts in words a manager reads; the database holds the
hardest rule itself (a practitioner at one location at a time: migration 0007), and a race that
passes the check meets the constraint, which is turned into the same message.
"""

from __future__ import annotations

from datetime import time

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from clinic.dates import datetime_label
from clinic.locations import location_tz
from clinic.models import Location

from ..models import Appointment, Practitioner, Room, TimeOff, Weekday, WorkingHours

HOURS_CONSTRAINT = "working_hours_one_location_at_a_time"


def _overlap_message(practitioner, other: WorkingHours) -> str:
    return (
        f"{practitioner} already works at {other.location} on {Weekday(other.weekday).label} "
        f"{other.start_time:%H:%M}-{other.end_time:%H:%M}: a practitioner is at one location at a time."
    )


def working_hours_conflict(
    *,
    practitioner: Practitioner,
    location_id: int,
    weekday: int,
    start_time: time,
    end_time: time,
    exclude_pk: int | None = None,
) -> str:
    """The message naming a block of the same practitioner on the same weekday at another
    location that overlaps this one, or the empty string."""
    clash = (
        WorkingHours.objects.filter(
            practitioner=practitioner, weekday=weekday, start_time__lt=end_time, end_time__gt=start_time
        )
        .exclude(location_id=location_id)
        .exclude(pk=exclude_pk)
        .select_related("location")
        .order_by("start_time")
        .first()
    )
    return _overlap_message(practitioner, clash) if clash else ""


def opening_hours_refusal(*, location: Location, weekday: int, start_time: time, end_time: time) -> str:
    """Why a block of working hours at ``location`` falls outside its opening hours, or the empty
    string (also when the location has no opening hours set)."""
    spans = {
        day: (opens, closes) for day, opens, closes in location.opening_hours.values_list("weekday", "opens", "closes")
    }
    if not spans:
        return ""
    day = Weekday(weekday).label
    span = spans.get(weekday)
    if span is None:
        return f"{location} is closed on {day}s: working hours there must fall on a day it is open."
    if start_time < span[0] or end_time > span[1]:
        return (
            f"{start_time:%H:%M}-{end_time:%H:%M} on {day} is outside the opening hours of {location} "
            f"({span[0]:%H:%M}-{span[1]:%H:%M})."
        )
    return ""


def working_hours_add(
    *, practitioner: Practitioner, location: Location, weekday: int, start_time: time, end_time: time
) -> WorkingHours:
    """Add a block of a practitioner's week at a location (local wall-clock times there).

    Raises ``ValidationError`` when the end is not after the start, when the block falls outside
    the location's opening hours, or when it overlaps the same practitioner's hours at another
    location (the message names it); nothing is written."""
    if end_time <= start_time:
        raise ValidationError({"end_time": "The block must end after it starts."})
    if refusal := opening_hours_refusal(location=location, weekday=weekday, start_time=start_time, end_time=end_time):
        raise ValidationError(refusal, code="outside_opening_hours")
    try:
        with transaction.atomic():
            # Two managers adding clashing blocks at once: the practitioner's row lock puts them in
            # turn (two concurrent inserts under an exclusion constraint can deadlock), so the
            # second one reads the first block and names it.
            Practitioner.objects.select_for_update().filter(pk=practitioner.pk).first()
            message = working_hours_conflict(
                practitioner=practitioner,
                location_id=location.pk,
                weekday=weekday,
                start_time=start_time,
                end_time=end_time,
            )
            if message:
                raise ValidationError(message, code="other_location")
            return WorkingHours.objects.create(
                practitioner=practitioner, location=location, weekday=weekday, start_time=start_time, end_time=end_time
            )
    except IntegrityError as error:
        if HOURS_CONSTRAINT not in str(error):
            raise
        # A block written without this service (the admin, a shell) got there first.
        message = working_hours_conflict(
            practitioner=practitioner,
            location_id=location.pk,
            weekday=weekday,
            start_time=start_time,
            end_time=end_time,
        )
        raise ValidationError(message or "These hours overlap the practitioner's hours at another location.") from None


def _future_bookings(**filters):
    return Appointment.objects.filter(
        status__in=Appointment.ACTIVE_STATUSES, ends_at__gt=timezone.now(), **filters
    ).order_by("starts_at")


def room_location_change_check(*, room: Room, location_id: int | None) -> None:
    """Raises ``ValidationError`` when a room with future bookings would move to another
    location: the sessions booked in it were booked at the old address."""
    if room.pk is None or location_id is None:
        return
    stored = Room.objects.filter(pk=room.pk).values_list("location_id", flat=True).first()
    if stored is None or stored == location_id:
        return
    booked = _future_bookings(room=room)
    count = booked.count()
    if count:
        first = booked.first()
        raise ValidationError(
            {
                "location": ValidationError(
                    f"{room} has {count} future booking{'s' if count != 1 else ''} (the first on "
                    f"{datetime_label(first.starts_at, tz=room.location.tz)}): move or cancel "
                    "them before moving the room to another location.",
                    code="room_has_bookings",
                )
            }
        )


def location_delete_check(*, location: Location) -> None:
    """Raises ``ValidationError`` when a location still has future bookings in its rooms."""
    booked = _future_bookings(room__location=location)
    count = booked.count()
    if count:
        raise ValidationError(
            f"{location} has {count} future booking{'s' if count != 1 else ''}: move or cancel them before "
            "deleting the location (or mark it inactive).",
            code="location_has_bookings",
        )


def _day_span(day, tz):
    from datetime import datetime, timedelta

    return (
        datetime.combine(day, time(0), tzinfo=tz),
        datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz),
    )


def location_closure_add(*, location: Location, first_day, last_day=None, reason: str = "") -> TimeOff:
    """Close a location from the start of ``first_day`` to the end of ``last_day`` (local days
    there): nothing is offered then. Raises ``ValidationError`` when the days are the wrong way
    round or sessions are booked then (they are named: move or cancel them first)."""
    last_day = last_day or first_day
    if last_day < first_day:
        raise ValidationError({"last_day": "The last day must not be before the first."})
    tz = location_tz(location)
    starts_at, _ = _day_span(first_day, tz)
    _, ends_at = _day_span(last_day, tz)
    booked = Appointment.objects.filter(
        status__in=Appointment.ACTIVE_STATUSES, room__location=location, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).order_by("starts_at")
    count = booked.count()
    if count:
        first = booked.first()
        raise ValidationError(
            f"{location} has {count} session{'s' if count != 1 else ''} booked then (the first at "
            f"{datetime_label(first.starts_at, tz=tz)}): move or cancel them before closing.",
            code="closure_has_bookings",
        )
    return TimeOff.objects.create(location=location, starts_at=starts_at, ends_at=ends_at, reason=reason[:200])


def holidays_import(*, location: Location, country: str, year: int, subdivision: str = "") -> list[TimeOff]:
    """Close ``location`` on each public holiday of ``country`` (an ISO 3166 code such as GB)
    and ``subdivision`` (such as ENG) in ``year``, from the ``holidays`` package; a day already
    closed there is left as it is, so importing twice adds nothing. The manager edits or deletes
    the closures afterwards like any other.

    Raises ``ValidationError`` naming an unknown country or region, or a holiday on which sessions
    are booked (the whole import is refused and nothing is written)."""
    import holidays

    country = (country or "").strip().upper()
    subdivision = (subdivision or "").strip().upper()
    supported = holidays.list_supported_countries()
    if country not in supported:
        raise ValidationError({"country": f"“{country}” is not a country the holiday calendar knows (try GB, IE, US)."})
    if subdivision and subdivision not in supported[country]:
        regions = ", ".join(supported[country]) or "none"
        raise ValidationError(
            {
                "subdivision": f"{country} has no region “{subdivision}” in the holiday calendar (its regions: {regions})."
            }
        )
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": "Choose a year between 2000 and 2100."})
    calendar = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    tz = location_tz(location)
    made: list[TimeOff] = []
    with transaction.atomic():
        closed = {
            timezone.localtime(starts_at, tz).date()
            for starts_at in TimeOff.objects.filter(
                location=location, practitioner__isnull=True, room__isnull=True
            ).values_list("starts_at", flat=True)
        }
        for day, name in sorted(calendar.items()):
            if day in closed:
                continue
            made.append(location_closure_add(location=location, first_day=day, reason=f"{name} (public holiday)"))
    return made
