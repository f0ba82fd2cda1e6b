"""Every write to appointments and courses: book, move, cancel, and the status steps.

Each service runs in one transaction, checks every rule itself (through the same engine the
screens use, so they cannot disagree) with the client's row locked, and leaves the database's
constraints (exclusion constraints on PostgreSQL, check constraints everywhere) as the last word
at commit. A refused booking raises ``ValidationError`` with a message a client can read, naming
the reason and, where there is one, the next possible date (``bookings.services.refusals``);
nothing is written.

The path of one booking: ``appointment_book`` → ``selectors.availability.availability_inputs``
(what the engine needs, in a fixed number of queries) → ``availability.engine.check_start`` →
the insert → ``services.message_planning`` → ``clinic.outbox``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic import roles
from clinic.audit import audit_record
from clinic.locations import late_cancellation_hours, location_tz
from clinic.locks import users_lock
from clinic.models import Location, User
from consultations.areas import AREA_CODES, Area, area_labels

from ..availability import AvailabilityInputs, Reason, Slot, check_start
from ..locks import appointment_lock
from ..models import Appointment, AppointmentStatusChange, Course, Practitioner, Room, Treatment
from ..selectors.availability import availability_inputs, booking_location_id, treatment_catalogue
from ..status_hooks import status_hooks_run
from . import message_planning
from .refusals import BookingAsk, free_times_hint, insert_or_explain, start_refusal
from .waitlist import waitlist_mark_booked

Status = Appointment.Status
Channel = Appointment.Channel

# Times further than this from now are a typed or tampered value, not a session: refused before
# the engine turns them into days (a year-9999 date would overflow its calendar arithmetic).
FARTHEST_FROM_NOW = timedelta(days=5 * 366)
LATE_REASON_MAX_LENGTH = 500
SLOT_FIELDS = ["practitioner", "room", "course", "starts_at", "needling_starts_at", "needling_ends_at", "ends_at"]


def _resolve_treatment(treatment: Treatment | str) -> Treatment:
    if isinstance(treatment, Treatment):
        if not treatment.is_active:
            raise ValidationError({"treatment": "This treatment is no longer offered."})
        return treatment
    found = Treatment.objects.filter(slug=str(treatment), is_active=True).first()
    if found is None:
        raise ValidationError({"treatment": f"There is no treatment called “{treatment}”."})
    return found


def _clean_areas(areas, area_minutes: dict[str, int], treatment: Treatment) -> list[str]:
    chosen = list(dict.fromkeys(str(area) for area in (areas or ())))
    if not chosen:
        raise ValidationError({"areas": "Choose at least one area."})
    unknown = [area for area in chosen if area not in AREA_CODES]
    if unknown:
        raise ValidationError({"areas": f"“{unknown[0]}” is not an area we treat."})
    not_offered = [area for area in chosen if area not in area_minutes]
    if not_offered:
        raise ValidationError({"areas": f"{treatment} is not offered for {area_labels(not_offered).lower()}."})
    # The catalogue's order, so that equal sets read the same everywhere.
    return [area for area in Area.values if area in chosen]


def _check_choices(*, treatment: Treatment, practitioner: Practitioner | None, room: Room | None, catalogue) -> None:
    if practitioner is not None and practitioner.pk not in catalogue.practitioner_ids:
        raise ValidationError({"practitioner": f"{practitioner} does not give this treatment."})
    if room is not None and catalogue.location_id is not None and room.location_id != catalogue.location_id:
        raise ValidationError({"room": f"{room} is at {room.location}, not at the location of this booking."})
    if room is not None and room.pk not in catalogue.room_ids:
        raise ValidationError({"room": f"{room} is not equipped for this treatment."})


def _require_aware(starts_at: datetime) -> None:
    if not isinstance(starts_at, datetime) or timezone.is_naive(starts_at):
        raise ValidationError({"starts_at": "Choose a date and time."})
    now = timezone.now()
    if starts_at < now - FARTHEST_FROM_NOW:
        raise ValidationError({"starts_at": ValidationError("That time has already passed.", code=Reason.PAST)})
    if starts_at > now + FARTHEST_FROM_NOW:
        raise ValidationError({"starts_at": ValidationError("That date is too far ahead.", code=Reason.TOO_FAR)})


def _is_online(*, client: User, by: User | None) -> bool:
    """A client acting for themselves books online; anyone else must be staff who may book."""
    if by is not None and by.pk == client.pk:
        return True
    if by is None or not roles.can(by, roles.Capability.BOOK_FOR_CLIENT):
        raise ValidationError("Only the client or a member of staff can book this appointment.")
    return False


@dataclass(frozen=True)
class _Checked:
    """The engine's yes for one start time: the slot, and the course it joins."""

    slot: Slot
    course_id: int | None
    starts_new_course: bool
    needs_reason: bool
    note: str
    late_booking_reason: str


def _day_inputs(ask: BookingAsk, *, practitioner_id: int | None) -> AvailabilityInputs:
    day = ask.starts_at.astimezone(ask.tz).date()
    return availability_inputs(
        treatment=ask.treatment,
        areas=ask.areas,
        client=ask.client,
        first_day=day,
        last_day=day,
        online=ask.online,
        practitioner_id=practitioner_id,
        exclude_appointment_id=ask.exclude_appointment_id,
        tz=ask.tz,
        catalogue=ask.catalogue,
    )


def _check(
    ask: BookingAsk, inputs: AvailabilityInputs, *, practitioner, room, late_booking_reason: str, hint=free_times_hint
) -> _Checked:
    """Run the engine for this one start time; raise with the reason and the next possibility,
    or when staff book after the course's window without a reason. ``hint`` says where else there
    is room (the batch booking of an import passes its own, which sees the sessions it holds)."""
    result = check_start(
        inputs,
        ask.starts_at,
        practitioner_id=practitioner.pk if practitioner else None,
        room_id=room.pk if room else None,
    )
    if result.slot is None:
        raise start_refusal(ask, result, inputs, hint=hint)
    day = result.day
    reason = (late_booking_reason or "").strip()
    if day.needs_reason and not reason:
        message = f"{day.note} Please give the reason for booking after the course's window."
        raise ValidationError({"late_booking_reason": ValidationError(message, code=Reason.OUTSIDE_WINDOW)})
    if day.needs_reason and len(reason) > LATE_REASON_MAX_LENGTH:
        message = f"Ensure this value has at most {LATE_REASON_MAX_LENGTH} characters (it has {len(reason)})."
        raise ValidationError({"late_booking_reason": ValidationError(message, code="max_length")})
    return _Checked(
        result.slot,
        day.course_id,
        day.starts_new_course,
        day.needs_reason,
        day.note,
        reason if day.needs_reason else "",
    )


def _slot_values(checked: _Checked, course: Course) -> dict:
    """The appointment's fields that the engine's answer sets, for a new booking or a move."""
    slot = checked.slot
    return {
        "practitioner_id": slot.practitioner_id,
        "room_id": slot.room_id,
        "course": course,
        "starts_at": slot.starts_at,
        "needling_starts_at": slot.needling_starts_at,
        "needling_ends_at": slot.needling_ends_at,
        "ends_at": slot.ends_at,
        "starts_new_course": checked.starts_new_course,
        "late_booking_reason": checked.late_booking_reason,
    }


def _course_for(
    *,
    checked: _Checked,
    client,
    treatment: Treatment,
    areas: list[str],
    day: date,
    inputs: AvailabilityInputs,
    moving: Appointment | None = None,
) -> Course:
    """The course the session joins (the engine's answer), else a new one. A moved session that
    starts a course and was alone in its own keeps that course rather than leave it empty."""
    if checked.course_id is not None:
        return Course.objects.get(pk=checked.course_id)
    if (
        moving is not None
        and not Appointment.objects.filter(course_id=moving.course_id, status__in=Appointment.ACTIVE_STATUSES)
        .exclude(pk=moving.pk)
        .exists()
    ):
        return moving.course
    # The clearance the engine read for this day and these areas: its course length, if set.
    planned = (inputs.clearance.planned_sessions if inputs.clearance else None) or treatment.planned_sessions
    return Course.objects.create(client=client, treatment=treatment, areas=areas, planned_sessions=planned)


def record_status(appointment: Appointment, *, from_status: str, by: User | None, note: str = "") -> None:
    AppointmentStatusChange.objects.create(
        appointment=appointment, from_status=from_status, to_status=appointment.status, changed_by=by, note=note[:300]
    )


def _ask_for_booking(*, client, treatment, areas, starts_at, booked_by, practitioner, room, location) -> BookingAsk:
    """Everything checked before the transaction: the treatment, areas, practitioner and room,
    the time's shape, and who books (online or the desk)."""
    treatment = _resolve_treatment(treatment)
    location_id = booking_location_id(location.pk if location is not None else None, room=room)
    catalogue = treatment_catalogue(treatment=treatment, location_id=location_id)
    areas = _clean_areas(areas, catalogue.area_minutes, treatment)
    _require_aware(starts_at)
    _check_choices(treatment=treatment, practitioner=practitioner, room=room, catalogue=catalogue)
    online = _is_online(client=client, by=booked_by)
    if online and not treatment.bookable_online:
        raise ValidationError({"treatment": f"{treatment} is booked by the clinic: please call us."})
    ask = BookingAsk(
        treatment=treatment,
        areas=areas,
        client=client,
        starts_at=starts_at,
        online=online,
        tz=location_tz(location_id),
        catalogue=catalogue,
        practitioner_id=practitioner.pk if practitioner else None,
    )
    return ask


def _after_write(appointment: Appointment, *, event: str, day: date, by, request, details: dict) -> None:
    """What follows a booking or a move, in its transaction: the messages planned, the client's
    waitlist entries for that day closed (by whichever path they booked: online, the desk, the
    admin, a script), the audit entry."""
    message_planning.appointment_messages_plan(appointment=appointment, event=event)
    waitlist_mark_booked(client=appointment.client, treatment=appointment.treatment, day=day)
    audit_record(
        actor=by,
        action=f"appointment.{event}",
        target=appointment,
        request=request,
        subject=appointment.client,
        details=details,
    )


def appointment_book(
    *,
    client: User,
    treatment: Treatment | str,
    areas,
    starts_at: datetime,
    booked_by: User | None,
    practitioner: Practitioner | None = None,
    room: Room | None = None,
    late_booking_reason: str = "",
    request=None,
    location: Location | None = None,
) -> Appointment:
    """Book a session for ``client`` arriving at ``starts_at`` (numbing start) at ``location`` (else
    the room's, else the default); sessions at every location count for spacing and overlaps.

    ``booked_by`` is the client (an online booking: 24 hours' notice, up to 90 days ahead, only
    dates inside an open course window) or staff who may book for clients (no notice; later than
    the window only with ``late_booking_reason``). The practitioner and room are assigned when not
    given. Guarantees, with the client's row locked: clearance on the day for these areas, the
    spacing rule against both neighbours, working hours, no overlap for practitioner, room or
    client; a course joined or started; the status history and the confirmation message written;
    the client's open waitlist entries covering that day closed. Raises ``ValidationError``
    naming the reason (and the next possible date); writes nothing then.
    """
    ask = _ask_for_booking(
        client=client, treatment=treatment, areas=areas, starts_at=starts_at, booked_by=booked_by,
        practitioner=practitioner, room=room, location=location,
    )  # fmt: skip
    day = starts_at.astimezone(ask.tz).date()
    with transaction.atomic():
        users_lock(client.pk)
        inputs = _day_inputs(ask, practitioner_id=ask.practitioner_id)
        checked = _check(ask, inputs, practitioner=practitioner, room=room, late_booking_reason=late_booking_reason)
        course = _course_for(
            checked=checked, client=client, treatment=ask.treatment, areas=ask.areas, day=day, inputs=inputs
        )
        values = _slot_values(checked, course)
        channel = Channel.ONLINE if ask.online else Channel.STAFF

        def write():
            return Appointment.objects.create(
                client=client,
                treatment=ask.treatment,
                areas=ask.areas,
                status=Status.BOOKED,
                booked_by=booked_by,
                channel=channel,
                **values,
            )

        appointment = insert_or_explain(write, ask)
        record_status(appointment, from_status="", by=booked_by, note=checked.note)
        details = {"channel": appointment.channel, "starts_new_course": checked.starts_new_course}
        _after_write(appointment, event="booked", day=day, by=booked_by, request=request, details=details)
    return appointment


def _movable(appointment: Appointment, *, changed_by: User) -> tuple[Appointment, bool]:
    """The appointment locked and fresh, if it may be moved by ``changed_by``; and whether this is
    the client acting online."""
    appointment = appointment_lock(appointment.pk)
    if appointment.status != Status.BOOKED:
        raise ValidationError(f"A session that is {appointment.get_status_display().lower()} cannot be moved.")
    online = _is_online(client=appointment.client, by=changed_by)
    if online and appointment.starts_at <= timezone.now():
        # As for cancelling: once the time has come, only the clinic can change it (or record
        # the no-show); a client cannot move it away.
        raise ValidationError("This session has already started: please call the clinic.")
    return appointment, online


def appointment_reschedule(
    *,
    appointment: Appointment,
    starts_at: datetime,
    changed_by: User,
    practitioner: Practitioner | None = None,
    room: Room | None = None,
    late_booking_reason: str = "",
    request=None,
) -> Appointment:
    """Move a booked session to ``starts_at`` (with the same checks as booking, both neighbours
    re-checked, the session itself left out); a client cannot move one whose time has come.
    Keeps the practitioner unless another is given or they are not free; joins or starts the
    right course; moves its planned messages; closes the client's open waitlist entries covering
    the new day. Raises ``ValidationError``; writes nothing then."""
    _require_aware(starts_at)
    with transaction.atomic():
        appointment, online = _movable(appointment, changed_by=changed_by)
        client, treatment = appointment.client, appointment.treatment
        # A move stays at the session's location (a new room there, or the one given).
        location_id = booking_location_id(room=room or appointment.room)
        tz = location_tz(location_id)
        catalogue = treatment_catalogue(treatment=treatment, location_id=location_id)
        _check_choices(treatment=treatment, practitioner=practitioner, room=room, catalogue=catalogue)
        ask = BookingAsk(
            treatment=treatment,
            areas=appointment.areas,
            client=client,
            starts_at=starts_at,
            online=online,
            tz=tz,
            catalogue=catalogue,
            practitioner_id=practitioner.pk if practitioner else None,
            exclude_appointment_id=appointment.pk,
        )
        inputs = _day_inputs(ask, practitioner_id=None)
        # Prefer the practitioner the client already had, if they are free then.
        if practitioner is None and check_start(inputs, starts_at, practitioner_id=appointment.practitioner_id).slot:
            practitioner = appointment.practitioner
        checked = _check(ask, inputs, practitioner=practitioner, room=room, late_booking_reason=late_booking_reason)
        day = starts_at.astimezone(tz).date()
        course = _course_for(
            checked=checked,
            client=client,
            treatment=treatment,
            areas=appointment.areas,
            day=day,
            inputs=inputs,
            moving=appointment,
        )
        previous_start = appointment.starts_at
        for name, value in _slot_values(checked, course).items():
            setattr(appointment, name, value)
        fields = [*SLOT_FIELDS, "starts_new_course", "late_booking_reason", "updated_at"]
        insert_or_explain(lambda: appointment.save(update_fields=fields), ask)
        details = {"from": previous_start.isoformat(), "to": appointment.starts_at.isoformat()}
        _after_write(appointment, event="rescheduled", day=day, by=changed_by, request=request, details=details)
    return appointment


def appointment_cancel(
    *, appointment: Appointment, cancelled_by: User, reason: str = "", party: str | None = None, request=None
) -> Appointment:
    """Cancel a session, by the client or by staff who may book, for the clinic or on the client's behalf
    (``party="client"``: a client on the phone); late when closer to the start than the late-cancellation window
    (48 hours by default). Frees the time, cancels pending messages, records who, for whom and when, tells the
    status hooks (payments). Raises ``ValidationError`` for a session that has started, passed or is closed."""
    now = timezone.now()
    with transaction.atomic():
        appointment = appointment_lock(appointment.pk)
        by_client = cancelled_by is not None and cancelled_by.pk == appointment.client_id
        if not by_client and not roles.can(cancelled_by, roles.Capability.BOOK_FOR_CLIENT):
            raise ValidationError("Only the client or a member of staff can cancel this appointment.")
        allowed = (Status.BOOKED,) if by_client else (Status.BOOKED, Status.CHECKED_IN)
        if appointment.status not in allowed:
            raise ValidationError(
                f"This session is {appointment.get_status_display().lower()}: it cannot be cancelled"
                + (" online; please call the clinic." if by_client and appointment.is_active else ".")
            )
        if appointment.starts_at <= now and appointment.status == Status.BOOKED and by_client:
            raise ValidationError("This session has already started: please call the clinic.")
        previous = appointment.status
        appointment.status = Status.CANCELLED
        appointment.cancelled_at = now
        appointment.cancelled_by = cancelled_by
        appointment.cancelled_by_party = (
            Appointment.CancelledBy.CLIENT
            if by_client or party == Appointment.CancelledBy.CLIENT
            else Appointment.CancelledBy.CLINIC
        )
        appointment.cancellation_late = appointment.starts_at - now < timedelta(
            hours=late_cancellation_hours(appointment.room.location_id)
        )
        appointment.cancellation_reason = (reason or "").strip()
        appointment.save(
            update_fields=[
                "status",
                "cancelled_at",
                "cancelled_by",
                "cancelled_by_party",
                "cancellation_late",
                "cancellation_reason",
                "updated_at",
            ]
        )
        note = (
            "late " if appointment.cancellation_late else ""
        ) + f"cancellation by the {appointment.cancelled_by_party}"
        record_status(appointment, from_status=previous, by=cancelled_by, note=note)
        message_planning.appointment_messages_plan(appointment=appointment, event="cancelled")
        status_hooks_run("cancelled", appointment=appointment, by=cancelled_by)
        audit_record(
            actor=cancelled_by,
            action="appointment.cancelled",
            target=appointment,
            request=request,
            subject=appointment.client,
            details={"late": appointment.cancellation_late, "by": appointment.cancelled_by_party},
        )
    return appointment
