"""Why a time cannot be booked, in words a client reads: the engine's reason, the next possible
date or the nearest free times, and the database's last word when it refuses a write that our
checks passed (another booking took the time meanwhile; the spacing trigger).

Used by the appointment services (``bookings.services.appointments``) only; each refusal is a
``ValidationError`` on ``starts_at`` with the engine's reason as its code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from clinic.models import User

from ..availability import AvailabilityInputs, Reason, StartCheck, find_availability, long_date
from ..models import Treatment
from ..selectors.availability import Catalogue, availability_inputs

# Reasons a time is not free right now: the answer offers the nearest free times.
TAKEN_REASONS = {Reason.PRACTITIONER_BUSY, Reason.ROOM_BUSY, Reason.FULLY_BOOKED, Reason.OUTSIDE_HOURS, Reason.CLOSED}
# The SQLSTATE of the spacing trigger (migration 0004): sessions on the same area too close.
SPACING_SQLSTATE = "23S01"
HINT_DAYS = 28


@dataclass(frozen=True)
class BookingAsk:
    """What was asked for: enough to say what else is free when the answer is no."""

    treatment: Treatment
    areas: list[str]
    client: User
    starts_at: datetime
    online: bool
    tz: ZoneInfo
    catalogue: Catalogue
    practitioner_id: int | None = None
    exclude_appointment_id: int | None = None


def free_times_hint(ask: BookingAsk) -> str:
    """ "The nearest free times are ..." (on the day asked for, closest to the time asked for;
    else the next day with free times, within four weeks), or the empty string."""
    day = ask.starts_at.astimezone(ask.tz).date()
    last_day = day + timedelta(days=HINT_DAYS - 1)
    inputs = availability_inputs(
        treatment=ask.treatment,
        areas=ask.areas,
        client=ask.client,
        first_day=day,
        last_day=last_day,
        online=ask.online,
        practitioner_id=ask.practitioner_id,
        exclude_appointment_id=ask.exclude_appointment_id,
        tz=ask.tz,
        catalogue=ask.catalogue,
    )
    return nearest_free_times(ask, inputs, day, last_day)


def nearest_free_times(ask: BookingAsk, inputs: AvailabilityInputs, first_day, last_day) -> str:
    """ "The nearest free times are ..." from inputs already read (the engine only)."""
    for found in find_availability(inputs, first_day, last_day, practitioner_id=ask.practitioner_id):
        if found.slots:
            nearest = sorted(found.slots, key=lambda slot: abs(slot.starts_at - ask.starts_at))[:3]
            times = ", ".join(
                slot.starts_at.astimezone(ask.tz).strftime("%H:%M")
                for slot in sorted(nearest, key=lambda slot: slot.starts_at)
            )
            return f" The nearest free times are on {long_date(found.day)}: {times}."
    return ""


def start_refusal(ask: BookingAsk, result: StartCheck, inputs: AvailabilityInputs, *, hint=None) -> ValidationError:
    """The engine said no to this start time: its reason, with the next possible date or the
    nearest free times (``hint(ask)``, by default ``free_times_hint``)."""
    hint = hint or free_times_hint
    message = result.message
    next_possible = result.day.next_possible if result.day else None
    if next_possible:
        message += f" The next possible date is {long_date(next_possible)}."
    elif result.reason in TAKEN_REASONS or result.reason in (Reason.NOTICE, Reason.CLIENT_BUSY):
        message += hint(ask)
    elif result.reason == Reason.CLEARANCE_MISSING and inputs.clearance and inputs.clearance.valid_from:
        message += f" The next possible date is {long_date(inputs.clearance.valid_from)}."
    return ValidationError({"starts_at": ValidationError(message, code=result.reason)})


def spacing_refusal(treatment: Treatment) -> ValidationError:
    # The minimum as the database holds it now: the trigger may have refused because a manager
    # raised it after the service read the treatment.
    min_days = Treatment.objects.filter(pk=treatment.pk).values_list("spacing_min_days", flat=True).first()
    message = (
        f"Sessions on the same area need at least {min_days} days between them; this date is too close to "
        f"another session of {treatment} on the same area. Please choose another date."
    )
    return ValidationError({"starts_at": ValidationError(message, code=Reason.SPACING)})


def insert_or_explain(write, ask: BookingAsk):
    """Run ``write`` in a savepoint. When the database refuses it although our checks passed,
    say why: an exclusion constraint (another booking took the time between our check and our
    insert: the nearest free times), or the spacing trigger (the treatment's minimum changed in
    between, or a session was written past the services)."""
    try:
        with transaction.atomic():
            return write()
    except IntegrityError as error:
        if getattr(error.__cause__, "sqlstate", None) == SPACING_SQLSTATE:
            raise spacing_refusal(ask.treatment) from error
        if "no_overlap" not in str(error):
            raise
        message = "That time has just been taken." + free_times_hint(ask)
        raise ValidationError({"starts_at": ValidationError(message, code="just_taken")}) from error
