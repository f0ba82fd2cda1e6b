"""Every write of the aftercare app."""

import logging
from datetime import datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from clinic import roles
from clinic.audit import audit_record
from clinic.clock import local_time_on
from clinic.models import ClinicProfile
from clinic.outbox import PlannedMessage, outbox_enqueue_many
from consultations.areas import Area

from . import plans
from .messages import AftercareKind
from .models import AftercarePlan, AreaDepth, CheckIn, SessionRecord
from .protocols import MAX_NEEDLE_DEPTH_MM, MIN_NEEDLE_DEPTH_MM
from .selectors import protocol_for

logger = logging.getLogger(__name__)

# Check-ins and review proposals go out mid-morning in the clinic's time zone.
MESSAGE_TIME = time(10, 0)
REVIEW_AFTER_MONTHS = 3
# The review proposal arrives two weeks before the proposed date, so there is time to book it.
REVIEW_NOTICE_DAYS = 14
PDF_STORAGE = "private"
NO_CLEARANCE_MESSAGE = (
    "This client has no clearance for this treatment on the session day any more, so the needle depths "
    "cannot be checked against one. A practitioner must review the client's consultation first."
)


def _depths_checked(*, appointment, depths: dict, max_mm: Decimal | None) -> dict[str, Decimal]:
    """Every treated area has one depth in mm, within the device's range and the clearance's
    maximum; errors are keyed ``depth_<area>`` so that a form can show them on the field."""
    errors: dict[str, list[str]] = {}
    checked: dict[str, Decimal] = {}
    treated = list(appointment.areas)
    for area in depths:
        if area not in treated:
            label = Area(area).label if area in Area.values else area
            errors.setdefault("__all__", []).append(f"{label} was not treated in this session.")
    for area in treated:
        label = Area(area).label
        raw = depths.get(area)
        if raw is None or raw == "":
            errors[f"depth_{area}"] = [f"Enter the needle depth used on the {label.lower()}, in mm."]
            continue
        try:
            value = Decimal(str(raw).strip())
        except InvalidOperation:
            errors[f"depth_{area}"] = [f"Enter the depth on the {label.lower()} as a number of millimetres, e.g. 1.0."]
            continue
        if not value.is_finite() or value != value.quantize(Decimal("0.01")):
            errors[f"depth_{area}"] = ["Enter the depth in millimetres with at most two decimals, e.g. 0.75."]
        elif value < MIN_NEEDLE_DEPTH_MM or value > MAX_NEEDLE_DEPTH_MM:
            errors[f"depth_{area}"] = [
                f"{value} mm is outside a micro-needling pen's range ({MIN_NEEDLE_DEPTH_MM}–{MAX_NEEDLE_DEPTH_MM} mm). "
                "Is it in millimetres?"
            ]
        elif max_mm is not None and value > max_mm:
            errors[f"depth_{area}"] = [
                f"{value} mm is deeper than this client's clearance allows ({max_mm} mm at most)."
            ]
        else:
            checked[area] = value
    if errors:
        raise ValidationError(errors)
    return checked


def covering_for(*, appointment, user) -> str | None:
    """The name of the appointment's own practitioner when ``user`` is someone else, else None.

    Any practitioner (or manager) may record a colleague's session: cover for a colleague who is
    ill or running late is real. It is never silent: the record page says "covering for X" and the
    audit entry of the record names X (``session_complete``)."""
    if appointment.practitioner_id is None or appointment.practitioner.user_id == user.pk:
        return None
    own = appointment.practitioner.user
    return own.get_full_name() or own.email


def session_complete(
    *,
    appointment,
    recorded_by,
    depths: dict,
    device: str,
    cartridge_lot: str,
    passes: int,
    reaction: str,
    products_applied: str = "",
    serum: str = "",
    fitzpatrick: str = "",
    skin_type: str = "",
    reaction_notes: str = "",
    client_note: str = "",
    request=None,
) -> SessionRecord:
    """Record what was done in ``appointment`` and complete it, in one transaction: the record,
    its depths, the appointment's completion (``bookings.services.appointment_complete``), the
    aftercare plan, the day-1 and day-3 check-ins and their messages, and (at the end of a
    course) the review proposal. The PDF is rendered after commit by a task.

    Guarantees: no completion without a record; a record by someone other than the appointment's
    own practitioner is audited as ``session_record.create_covering`` naming that practitioner
    (``covering_for``); every treated area has a depth no deeper than
    the client's clearance allows (a treatment that needs a clearance is refused without one). Raises ``PermissionDenied`` for anyone who may not record
    sessions, ``ValidationError`` (keyed by field where it can be) for bad input or a session
    that is already recorded or not in a state to complete; nothing is written then.
    """
    from bookings.services.appointment_status import appointment_complete

    roles.require(recorded_by, roles.Capability.RECORD_SESSION)
    tz = ClinicProfile.get().tz
    with transaction.atomic():
        appointment = _appointment_locked(appointment.pk)
        checked = _session_depths_checked(appointment=appointment, depths=depths, tz=tz)
        record = _session_record_checked(
            appointment=appointment, recorded_by=recorded_by, device=device, cartridge_lot=cartridge_lot,
            passes=passes, products_applied=products_applied, serum=serum, fitzpatrick=fitzpatrick,
            skin_type=skin_type, reaction=reaction, reaction_notes=reaction_notes, client_note=client_note,
        )  # fmt: skip
        record.save()
        AreaDepth.objects.bulk_create(
            AreaDepth(record=record, area=area, needle_depth_mm=mm) for area, mm in checked.items()
        )
        appointment_complete(appointment=appointment, completed_by=recorded_by, session_record=record)
        plan = _plan_create(record=record, appointment=appointment, depths=checked, tz=tz)
        _session_record_audit(
            record=record, appointment=appointment, recorded_by=recorded_by, plan=plan, request=request
        )
        if plan is not None:
            plan_id = plan.pk
            transaction.on_commit(lambda: _render_later(plan_id))
    return record


def _appointment_locked(appointment_id: int):
    """The appointment, locked, with what recording the session reads. The client's row first,
    then the appointment: the booking services' lock order, so a cancellation arriving at the
    same moment waits instead of deadlocking."""
    from bookings.locks import appointment_lock
    from bookings.models import Appointment

    appointment_lock(appointment_id)
    return Appointment.objects.select_related("client", "treatment", "course", "practitioner__user").get(
        pk=appointment_id
    )


def _session_depths_checked(*, appointment, depths: dict, tz) -> dict[str, Decimal]:
    """The depths by area, once the session is not recorded yet and each depth is within what
    the client's clearance allows on the session's day; else ``ValidationError``."""
    from consultations.selectors import clearance_check

    if SessionRecord.objects.filter(appointment=appointment).exists():
        raise ValidationError("This session has already been recorded.")
    session_day = timezone.localtime(appointment.starts_at, tz).date()
    clearance = clearance_check(
        client=appointment.client,
        treatment_slug=appointment.treatment.slug,
        areas=list(appointment.areas),
        on=session_day,
    )
    if appointment.treatment.needs_clearance and clearance.max_needle_depth_mm is None:
        # A clearance withdrawn since check-in (new answers, a health change) leaves no maximum
        # to check the depths against: without this, any depth up to the pen's range passed.
        raise ValidationError(NO_CLEARANCE_MESSAGE)
    return _depths_checked(appointment=appointment, depths=depths, max_mm=clearance.max_needle_depth_mm)


def _session_record_checked(
    *, appointment, recorded_by, device, cartridge_lot, passes, products_applied, serum, fitzpatrick, skin_type,
    reaction, reaction_notes, client_note,
) -> SessionRecord:  # fmt: skip
    """The session record (not saved yet), its text trimmed and validated; an unexpected
    reaction must be described."""
    record = SessionRecord(
        appointment=appointment,
        recorded_by=recorded_by,
        device=(device or "").strip(),
        cartridge_lot=(cartridge_lot or "").strip(),
        passes=passes,
        products_applied=(products_applied or "").strip(),
        serum=(serum or "").strip(),
        fitzpatrick=fitzpatrick or "",
        skin_type=skin_type or "",
        reaction=reaction,
        reaction_notes=(reaction_notes or "").strip(),
        client_note=(client_note or "").strip(),
    )
    if record.reaction == SessionRecord.Reaction.UNEXPECTED and not record.reaction_notes:
        raise ValidationError({"reaction_notes": ["Describe the unexpected reaction."]})
    record.full_clean(exclude=["appointment"])
    return record


def _session_record_audit(*, record, appointment, recorded_by, plan, request) -> None:
    """Audit the new record; one made by someone covering for the appointment's practitioner is
    ``session_record.create_covering`` and names that practitioner."""
    details = {"appointment_id": appointment.pk, "plan_id": plan.pk if plan else None}
    covered = covering_for(appointment=appointment, user=recorded_by)
    if covered is not None:
        details["covering_for"] = {"practitioner_id": appointment.practitioner_id, "name": covered}
    audit_record(
        actor=recorded_by,
        action="session_record.create_covering" if covered is not None else "session_record.create",
        target=record,
        request=request,
        subject=appointment.client,
        details=details,
    )


def _render_later(plan_id: int) -> None:
    """Queue the PDF. Losing this loses nothing: the aftercare e-mail renders a missing PDF
    when it is sent, and the download does too."""
    from .tasks import aftercare_pdf_render_task

    try:
        aftercare_pdf_render_task.delay(plan_id)
    except Exception:  # a broker that is down must not turn a completed session into an error page
        logger.warning("could not queue the aftercare PDF of plan %s", plan_id, exc_info=True)


def _review_message(appointment, plan, review_on, session_on, completed_in_course: int, tz) -> PlannedMessage:
    """The course review proposal, two weeks before the proposed review (one per course)."""
    return PlannedMessage(
        kind=AftercareKind.COURSE_REVIEW,
        recipient=appointment.client,
        due_at=local_time_on(review_on - timedelta(days=REVIEW_NOTICE_DAYS), MESSAGE_TIME, tz),
        key=f"aftercare:course-review:{appointment.course_id}",
        appointment_id=appointment.pk,
        context={
            "review_on": review_on.isoformat(),
            "last_session_on": session_on.isoformat(),
            "sessions_done": completed_in_course,
            "treatment_name": appointment.treatment.name,
            "plan_url": reverse("aftercare_plan", args=[plan.pk]),
        },
        essential=False,
    )


def _plan_create(
    *, record: SessionRecord, appointment, depths: dict[str, Decimal], tz, plan_messages: bool = True
) -> AftercarePlan | None:
    protocol = protocol_for(treatment_slug=appointment.treatment.slug)
    if protocol is None:
        # A treatment without a protocol still completes; the practitioner hands out paper.
        logger.warning("No aftercare protocol for treatment %s", appointment.treatment.slug)
        return None
    from bookings.models import Appointment

    completed_in_course = Appointment.objects.filter(
        course=appointment.course, status=Appointment.Status.COMPLETED
    ).count()
    course_finished = completed_in_course >= appointment.course.planned_sessions
    completed_at = timezone.now()
    # A record typed up after the day (late paperwork) still dates the plan from the session.
    if timezone.localtime(completed_at, tz).date() != timezone.localtime(appointment.starts_at, tz).date():
        completed_at = appointment.ends_at
    content = plans.build_plan(
        protocol,
        depths=depths,
        skin_types=[code for code in (record.fitzpatrick, record.skin_type) if code],
        completed_at=completed_at,
        tz=tz,
        next_window_days=(appointment.treatment.spacing_min_days, appointment.treatment.spacing_max_days),
        course_finished=course_finished,
        review_after_months=REVIEW_AFTER_MONTHS,
    )
    session_on = timezone.localtime(completed_at, tz).date()
    review_on = datetime.fromisoformat(content["review"]["on"]).date() if content["review"] else None
    plan = AftercarePlan.objects.create(
        record=record,
        appointment=appointment,
        client=appointment.client,
        session_on=session_on,
        content=content,
        course_finished=course_finished,
        review_on=review_on,
    )
    planned = _check_ins_create(plan, appointment=appointment, tz=tz, plan_messages=plan_messages)
    if review_on is not None and plan_messages:
        planned.append(_review_message(appointment, plan, review_on, session_on, completed_in_course, tz))
    if planned:
        outbox_enqueue_many(planned)  # one read of the keys, one insert: not a savepoint per message
    return plan


def _check_ins_create(plan: AftercarePlan, *, appointment, tz, plan_messages: bool) -> list[PlannedMessage]:
    """The plan's day-1 and day-3 check-ins, each due at the message time on its day, and (unless
    ``plan_messages`` is off) the messages that ask the client about them."""
    planned: list[PlannedMessage] = []
    for day in CheckIn.DAYS:
        due_at = local_time_on(plan.session_on + timedelta(days=day), MESSAGE_TIME, tz)
        check_in = CheckIn.objects.create(plan=plan, day=day, due_at=due_at)
        if not plan_messages:
            continue
        planned.append(
            PlannedMessage(
                kind=AftercareKind.AFTERCARE_CHECKIN,
                recipient=appointment.client,
                due_at=due_at,
                key=f"aftercare:check-in:{check_in.pk}",
                appointment_id=appointment.pk,
                context={
                    "day": day,
                    "session_on": plan.session_on.isoformat(),
                    "check_in_id": check_in.pk,
                    "checkin_url": reverse("aftercare_check_in", args=[check_in.pk]),
                },
            )
        )
    return planned


def aftercare_pdf_render(*, plan_id: int) -> AftercarePlan:
    """Render the plan's PDF into private storage. The aftercare e-mail (planned by the booking
    services at completion) attaches it when it is sent (``aftercare.messages``).

    Idempotent: a plan whose PDF is stored is returned as it is (the row lock makes a second
    worker wait, then find it done)."""
    from .pdf import plan_pdf_bytes

    with transaction.atomic():
        plan = (
            AftercarePlan.objects.select_for_update()
            .select_related("client", "record__recorded_by", "appointment__treatment")
            .get(pk=plan_id)
        )
        storage = storages[PDF_STORAGE]
        if plan.pdf_name and storage.exists(plan.pdf_name):
            return plan
        content = plan_pdf_bytes(plan=plan)
        name = storage.save(f"aftercare/{plan.client_id}/plan-{plan.pk}.pdf", ContentFile(content))
        plan.pdf_name = name
        plan.pdf_rendered_at = timezone.now()
        plan.save(update_fields=["pdf_name", "pdf_rendered_at"])
    return plan


def aftercare_pdf_read(*, plan: AftercarePlan, viewer, request=None) -> bytes:
    """The plan's PDF bytes for someone the selector let through, rendering it now if the
    worker has not yet; every read is audited."""
    if not plan.pdf_name or not storages[PDF_STORAGE].exists(plan.pdf_name):
        plan = aftercare_pdf_render(plan_id=plan.pk)
    with storages[PDF_STORAGE].open(plan.pdf_name, "rb") as handle:
        content = handle.read()
    audit_record(actor=viewer, action="aftercare_plan.download", target=plan, request=request, subject=plan.client)
    return content


def check_in_answer(*, check_in: CheckIn, client, answer: str, comment: str = "") -> CheckIn:
    """The client's answer to "how is your skin?". A worried answer needs a comment and puts the
    check-in in the practitioners' queue. Raises ``ValidationError``; the client may change an
    answer until a practitioner has seen it."""
    comment = (comment or "").strip()
    with transaction.atomic():
        check_in = CheckIn.objects.select_for_update().select_related("plan").get(pk=check_in.pk)
        if check_in.plan.client_id != client.pk:
            raise ValidationError("This check-in is not yours.")
        if check_in.seen_at is not None:
            raise ValidationError("Your practitioner has already read your answer; please call the clinic instead.")
        if answer not in CheckIn.Answer.values:
            raise ValidationError({"answer": ["Choose how your skin is."]})
        if answer == CheckIn.Answer.WORRIED and not comment:
            raise ValidationError({"comment": ["Tell us what worries you, so your practitioner can help."]})
        check_in.answer = answer
        check_in.comment = comment
        check_in.answered_at = timezone.now()
        check_in.full_clean(exclude=["plan", "due_at"])
        check_in.save(update_fields=["answer", "comment", "answered_at"])
    return check_in


def check_in_mark_seen(*, check_in: CheckIn, seen_by, request=None) -> CheckIn:
    """A practitioner has read a worried check-in (and called the client): it leaves the queue.
    Idempotent. Raises ``ValidationError`` for a check-in that is not a worried answer: marking an
    unanswered one seen would stop the client from answering it."""
    roles.require(seen_by, roles.Capability.RECORD_SESSION)
    with transaction.atomic():
        check_in = CheckIn.objects.select_for_update().select_related("plan__client").get(pk=check_in.pk)
        if check_in.answer != CheckIn.Answer.WORRIED:
            raise ValidationError("Only a worried answer waits to be marked as seen.")
        if check_in.seen_at is None:
            check_in.seen_by = seen_by
            check_in.seen_at = timezone.now()
            check_in.save(update_fields=["seen_by", "seen_at"])
            audit_record(
                actor=seen_by, action="check_in.seen", target=check_in, request=request, subject=check_in.plan.client
            )
    return check_in
