"""The status steps of a session after it is booked: checked in, in treatment, completed, or a
no-show. Each runs in one transaction with the appointment locked (after its client), checks the
step is allowed from the current status, and records who and when."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic import roles
from clinic.clock import clinic_today
from clinic.models import ClinicProfile, User
from consultations.selectors import clearance_check, health_update_status

from ..locks import appointment_lock
from ..models import Appointment, Course
from ..status_hooks import status_hooks_run
from . import message_planning
from .appointments import Status, record_status


def _move(
    appointment: Appointment,
    *,
    to: str,
    allowed_from: tuple[str, ...],
    by: User,
    capability: roles.Capability,
    refusal: str,
    note: str = "",
    check=None,
) -> Appointment:
    roles.require(by, capability)
    with transaction.atomic():
        appointment = appointment_lock(appointment.pk)
        if appointment.status not in allowed_from:
            raise ValidationError(refusal.format(status=appointment.get_status_display().lower()))
        if check is not None:
            check(appointment)
        previous = appointment.status
        appointment.status = to
        appointment.save(update_fields=["status", "updated_at"])
        record_status(appointment, from_status=previous, by=by, note=note)
    return appointment


def appointment_check_in(*, appointment: Appointment, checked_in_by: User) -> Appointment:
    """The client has arrived: booked → checked in, on the session's day only, and only when the
    health update is in ("ok") and the clearance still holds. Raises ``ValidationError``."""

    def ready(current: Appointment) -> None:
        tz = ClinicProfile.get().tz
        if current.starts_at.astimezone(tz).date() != clinic_today():
            raise ValidationError("Clients can be checked in on the day of their session only.")
        health = health_update_status(client=current.client, appointment_id=current.pk, starts_at=current.starts_at)
        if health.code != "ok":
            raise ValidationError(f"The health update is not in order: {health.message}")
        if current.treatment.needs_clearance:
            clearance = clearance_check(
                client=current.client,
                treatment_slug=current.treatment.slug,
                areas=current.areas,
                on=current.starts_at.astimezone(tz).date(),
            )
            if not clearance.ok:
                raise ValidationError(f"The client is not cleared for this session: {clearance.message}")

    return _move(
        appointment,
        to=Status.CHECKED_IN,
        allowed_from=(Status.BOOKED,),
        by=checked_in_by,
        capability=roles.Capability.BOOK_FOR_CLIENT,
        refusal="A session that is {status} cannot be checked in.",
        check=ready,
    )


def appointment_start(*, appointment: Appointment, started_by: User) -> Appointment:
    """Checked in → in treatment (the practitioner begins). Raises ``ValidationError``."""
    return _move(
        appointment,
        to=Status.IN_TREATMENT,
        allowed_from=(Status.CHECKED_IN,),
        by=started_by,
        capability=roles.Capability.RECORD_SESSION,
        refusal="A session that is {status} cannot be started: check the client in first.",
    )


def appointment_complete(*, appointment: Appointment, completed_by: User, session_record) -> Appointment:
    """In treatment → completed, and plan the completion messages. No record, no completion:
    ``session_record`` is the record of this appointment that aftercare's ``session_complete``
    wrote in the same transaction (bookings cannot import aftercare, so it is checked by its
    appointment id). Raises ``ValidationError``."""
    if session_record is None or getattr(session_record, "appointment_id", None) != appointment.pk:
        raise ValidationError(
            "Record the session (needle depths, device and the skin's reaction) to complete it.",
            code="no_session_record",
        )
    with transaction.atomic():
        appointment = _move(
            appointment,
            to=Status.COMPLETED,
            allowed_from=(Status.IN_TREATMENT,),
            by=completed_by,
            capability=roles.Capability.RECORD_SESSION,
            refusal="A session that is {status} cannot be completed: start it first.",
            note=f"session record {session_record.pk}",
        )
        message_planning.appointment_messages_plan(appointment=appointment, event="completed")
        status_hooks_run("completed", appointment=appointment, by=completed_by)
        course = appointment.course
        done = course.appointments.filter(status=Status.COMPLETED).count()
        if done >= course.planned_sessions and course.status != Course.Status.FINISHED:
            course.status = Course.Status.FINISHED
            course.save(update_fields=["status"])
    return appointment


def appointment_no_show(*, appointment: Appointment, recorded_by: User) -> Appointment:
    """Booked → no-show, once the session's start has passed. The time no longer counts for
    spacing; pending messages are cancelled. Raises ``ValidationError``."""

    def started(current: Appointment) -> None:
        if current.starts_at > timezone.now():
            raise ValidationError("A session can be marked as a no-show only after its start time.")

    with transaction.atomic():
        appointment = _move(
            appointment,
            to=Status.NO_SHOW,
            allowed_from=(Status.BOOKED,),
            by=recorded_by,
            capability=roles.Capability.BOOK_FOR_CLIENT,
            refusal="A session that is {status} cannot be marked as a no-show.",
            check=started,
        )
        message_planning.appointment_messages_plan(appointment=appointment, event="no_show")
        status_hooks_run("no_show", appointment=appointment, by=recorded_by)
    return appointment
