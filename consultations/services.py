"""Every write of the consultations app: the client's intake and signature, the practitioner's
decisions. Consent versions and renewals are in ``consultations.consent``, health updates in
``consultations.health_updates`` (both re-exported here, where callers import them from).

Each service runs in one transaction, writes its outbox rows and audit entries inside it, and
raises ``ValidationError`` with words the person on the other side understands.
"""

from datetime import date, time, timedelta
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from clinic import roles
from clinic.audit import audit_record
from clinic.clock import clinic_today, local_time_on
from clinic.locks import users_lock
from clinic.outbox import outbox_enqueue

from .areas import Area, area_labels
from .consent import (  # noqa: F401 (consent_renew and consent_text_publish re-exported)
    _current_submitted,
    consent_renew,
    consent_text_current,
    consent_text_publish,
    signature_errors,
    signature_evidence,
)
from .health_updates import health_update_review, health_update_submit  # noqa: F401 (re-exported)
from .intake_steps import STEP_CODES, STEPS_BY_CODE, from_json, step_errors, to_json
from .messages import ConsultationKind
from .models import (
    DEFAULT_TREATMENT_SLUG,
    Clearance,
    ConsentSignature,
    ConsentText,
    HealthUpdate,
    Intake,
    IntakeFlag,
    IntakeStatus,
)
from .screening import approval_problems, screen

UNDER_REVIEW_MESSAGE = (
    "Your answers are with a practitioner for review, so they can't be changed right now. "
    "Nothing you sent is lost: you can update them as soon as the practitioner replies. "
    "If something important has changed, please call the clinic."
)
MIN_NEEDLE_DEPTH = Decimal("0.10")
MAX_NEEDLE_DEPTH = Decimal("3.00")
MAX_VALIDITY = relativedelta(months=24)
EXPIRY_NOTICE_DAYS = 30


# When a dated message (the re-consultation notice) goes out, on the clinic's wall clock.
MESSAGE_TIME = time(9)


# --- The client's intake -----------------------------------------------------------------------


def intake_draft_open(*, client) -> Intake:
    """The client's draft, started if there is none: a first intake starts empty, an amendment
    starts as a copy of the last version. Raises ``ValidationError`` while the last version is
    with a practitioner."""
    with transaction.atomic():
        users_lock(client.pk)
        draft = Intake.objects.filter(client=client, status=IntakeStatus.DRAFT).first()
        if draft is not None:
            return draft
        current = _current_submitted(client)
        if current is not None and current.status == IntakeStatus.PENDING:
            raise ValidationError(UNDER_REVIEW_MESSAGE)
        last_version = Intake.objects.filter(client=client).aggregate(v=Max("version"))["v"] or 0
        return Intake.objects.create(
            client=client,
            version=last_version + 1,
            answers=dict(current.answers) if current else {},
            steps_done=list(current.steps_done) if current else [],
        )


def intake_step_save(*, client, step: str, values: dict) -> Intake:
    """Save one step's answers on the client's draft (starting one if needed), so that progress
    is kept between steps. Raises ``ValidationError`` (by field) for answers that break a rule,
    or while the intake is under review; nothing is saved then."""
    if step not in STEPS_BY_CODE:
        raise ValidationError("There is no such step.")
    keys = STEPS_BY_CODE[step].keys
    values = {key: values.get(key) for key in keys}
    errors = step_errors(step, values, clinic_today())
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        draft = intake_draft_open(client=client)
        draft = Intake.objects.select_for_update().get(pk=draft.pk)
        draft.answers = {**draft.answers, **to_json(values)}
        if step not in draft.steps_done:
            draft.steps_done = [code for code in STEP_CODES if code in {*draft.steps_done, step}]
        draft.save(update_fields=["answers", "steps_done", "updated_at"])
        return draft


def intake_submit(
    *,
    client,
    full_name: str,
    agreed: bool,
    consent_version: int | None = None,
    client_note: str = "",
    request=None,
) -> Intake:
    """Sign the consent and send the client's draft for review.

    Guarantees: every step is complete and valid; the signature keeps the name, time, IP
    address, user agent and the exact consent version (and a hash of its text); the flags the
    answers raise are stored; the previous version is superseded (kept) and any clearance it
    gave is withdrawn, since it was given for other answers. Raises ``ValidationError``
    otherwise, writing nothing."""
    full_name, errors = signature_errors(full_name=full_name, agreed=agreed)
    with transaction.atomic():
        users_lock(client.pk)
        draft, text, today = _draft_ready_to_send(client, consent_version=consent_version)
        if errors:
            raise ValidationError(errors)
        _draft_send(
            draft, client=client, text=text, full_name=full_name, client_note=client_note, today=today, request=request
        )
        audit_record(actor=client, action="intake_submitted", target=draft, request=request, subject=client)
        return draft


def _draft_ready_to_send(client, *, consent_version: int | None) -> tuple[Intake, ConsentText, date]:
    """The client's draft (locked), complete and valid, and the consent text it is signed
    against; else ``ValidationError``."""
    draft = Intake.objects.select_for_update().filter(client=client, status=IntakeStatus.DRAFT).first()
    if draft is None:
        current = _current_submitted(client)
        if current is not None and current.status == IntakeStatus.PENDING:
            raise ValidationError(UNDER_REVIEW_MESSAGE)
        raise ValidationError("There is no consultation form to send: please fill it in first.")
    missing = [STEPS_BY_CODE[code].title for code in STEP_CODES if code not in draft.steps_done]
    if missing:
        raise ValidationError(f"Please complete these steps first: {', '.join(missing)}.")
    today = clinic_today()
    typed = from_json(draft.answers)
    for code in STEP_CODES:
        if step_errors(code, {key: typed.get(key) for key in STEPS_BY_CODE[code].keys}, today):
            raise ValidationError(f"Please check the step “{STEPS_BY_CODE[code].title}”: an answer needs a fix.")
    text = consent_text_current()
    if text is None:
        raise ValidationError("The consent text is not available: please call the clinic.")
    if consent_version is not None and consent_version != text.version:
        raise ValidationError(
            "The consent text was updated while you were reading it: please read the new version and sign again."
        )
    return draft, text, today


def _draft_send(draft: Intake, *, client, text: ConsentText, full_name: str, client_note: str, today: date, request):
    """Supersede the previous version (withdrawing its clearances), send the draft for review
    with the flags its answers raise, and keep the signature."""
    now = timezone.now()
    previous = _current_submitted(client)
    if previous is not None:
        previous.superseded_at = now
        previous.save(update_fields=["superseded_at", "updated_at"])
    Clearance.objects.filter(client=client, revoked_at__isnull=True).update(
        revoked_at=now, revoked_reason="The client sent new consultation answers."
    )
    draft.status = IntakeStatus.PENDING
    draft.submitted_at = now
    draft.client_note = (client_note or "").strip()
    draft.save(update_fields=["status", "submitted_at", "client_note", "updated_at"])
    IntakeFlag.objects.bulk_create(
        IntakeFlag(
            intake=draft,
            rule_code=flag.rule_code,
            severity=flag.severity,
            title=flag.title,
            reason=flag.reason,
            areas=sorted(flag.areas),
            defer_until=flag.defer_until,
        )
        for flag in screen(draft.answers, today)
    )
    ConsentSignature.objects.create(
        intake=draft,
        consent_text=text,
        full_name=full_name,
        signed_at=now,
        **signature_evidence(text, request),
    )


# --- The practitioner's decisions --------------------------------------------------------------


def _lock_for_decision(intake: Intake, decided_by) -> Intake:
    roles.require(decided_by, roles.Capability.REVIEW_INTAKE)
    locked = Intake.objects.select_for_update().select_related("client").get(pk=intake.pk)
    if locked.superseded_at is not None:
        raise ValidationError(
            "The client has sent a newer version of this form since you opened it: please review that one."
        )
    if locked.status != IntakeStatus.PENDING:
        raise ValidationError(f"This form is no longer waiting for review ({locked.get_status_display().lower()}).")
    return locked


def _decide(intake: Intake, *, decided_by, status: str, note: str = "", deferred_until=None, request=None):
    intake.status = status
    intake.decided_by = decided_by
    intake.decided_at = timezone.now()
    intake.decision_note = note
    intake.deferred_until = deferred_until
    intake.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "deferred_until", "updated_at"])
    outbox_enqueue(
        kind=ConsultationKind.INTAKE_DECISION,
        recipient=intake.client,
        due_at=timezone.now(),
        key=f"intake_decision:{intake.pk}",
        context={
            "decision": status,
            "note": note,
            "deferred_until": deferred_until.isoformat() if deferred_until else None,
            "intake_url": reverse("consultations:home"),
        },
    )
    audit_record(
        actor=decided_by,
        action=f"intake_{status}",
        target=intake,
        request=request,
        subject=intake.client,
        details={"note": note} if note else None,
    )


def intake_approve(
    *,
    intake: Intake,
    decided_by,
    areas,
    max_needle_depth_mm,
    planned_sessions: int,
    valid_until: date,
    acknowledged_flag_ids=(),
    treatment_slug: str = DEFAULT_TREATMENT_SLUG,
    request=None,
) -> Clearance:
    """Approve a pending intake: create the clearance bookings will ask about.

    Guarantees: no area in the scope of an absolute flag is ever cleared; every relative flag
    was acknowledged one by one (recorded on the flag with who and when); the client gets the
    decision and, 30 days before it ends, a reminder to renew. Raises ``ValidationError``
    listing every problem, writing nothing."""
    areas = frozenset(areas or ())
    today = clinic_today()
    depth, problems = _approval_input_problems(
        areas=areas, max_needle_depth_mm=max_needle_depth_mm, planned_sessions=planned_sessions,
        valid_until=valid_until, today=today,
    )  # fmt: skip
    with transaction.atomic():
        intake = _lock_for_decision(intake, decided_by)
        not_asked = areas - set(intake.requested_areas)
        if not_asked:
            problems.append(("areas", f"The client did not ask for {area_labels(not_asked).lower()} to be treated."))
        flags = list(intake.flags.all())
        acknowledged_ids = {int(pk) for pk in acknowledged_flag_ids}
        acknowledged_codes = {flag.rule_code for flag in flags if flag.pk in acknowledged_ids}
        problems.extend(approval_problems(flags=flags, areas=areas, acknowledged_codes=acknowledged_codes))
        if problems:
            by_field: dict[str, list[str]] = {}
            for field, message in problems:
                by_field.setdefault(field or "__all__", []).append(message)
            raise ValidationError(by_field)
        now = timezone.now()
        relative_ids = [flag.pk for flag in flags if flag.severity == "relative"]
        IntakeFlag.objects.filter(pk__in=relative_ids).update(acknowledged_by=decided_by, acknowledged_at=now)
        clearance = Clearance.objects.create(
            client=intake.client,
            intake=intake,
            treatment_slug=treatment_slug,
            areas=[code for code in Area.values if code in areas],
            max_needle_depth_mm=depth,
            planned_sessions=planned_sessions,
            valid_from=today,
            valid_until=valid_until,
            decided_by=decided_by,
            decided_at=now,
        )
        _decide(intake, decided_by=decided_by, status=IntakeStatus.APPROVED, request=request)
        _approval_follow_up(intake, clearance, now=now)
        return clearance


def _approval_input_problems(
    *, areas: frozenset, max_needle_depth_mm, planned_sessions, valid_until: date | None, today: date
) -> tuple[Decimal | None, list[tuple[str | None, str]]]:
    """The needle depth as a number (None if it is not one) and what is wrong with the
    practitioner's choices, field by field, before the intake is even read."""
    problems: list[tuple[str | None, str]] = []
    if not areas:
        problems.append(("areas", "Choose at least one area to clear."))
    if areas - set(Area.values):
        problems.append(("areas", "Choose areas from the list."))
    try:
        depth = Decimal(str(max_needle_depth_mm))
    except (InvalidOperation, TypeError):
        depth = None
    if depth is None or not (MIN_NEEDLE_DEPTH <= depth <= MAX_NEEDLE_DEPTH):
        problems.append(
            (
                "max_needle_depth_mm",
                f"The maximum needle depth must be between {MIN_NEEDLE_DEPTH} and {MAX_NEEDLE_DEPTH} mm.",
            )
        )
    if not isinstance(planned_sessions, int) or not 1 <= planned_sessions <= 12:
        problems.append(("planned_sessions", "The planned number of sessions must be between 1 and 12."))
    if valid_until is None or valid_until <= today:
        problems.append(("valid_months", "The clearance must be valid until a date after today."))
    elif valid_until > today + MAX_VALIDITY:
        problems.append(("valid_months", "A clearance can be valid for at most 24 months."))
    return depth, problems


def _approval_follow_up(intake: Intake, clearance: Clearance, *, now) -> None:
    """After an approval: health changes that sent the client back to review are settled by
    it, and the client is reminded to renew 30 days before the clearance ends."""
    HealthUpdate.objects.filter(
        client=intake.client, review_outcome=HealthUpdate.Outcome.REVIEW_AGAIN, cleared_again_at__isnull=True
    ).update(cleared_again_at=now)
    valid_until, treatment_slug = clearance.valid_until, clearance.treatment_slug
    outbox_enqueue(
        kind=ConsultationKind.CLEARANCE_EXPIRING,
        recipient=intake.client,
        due_at=max(now, local_time_on(valid_until - timedelta(days=EXPIRY_NOTICE_DAYS), MESSAGE_TIME)),
        key=f"clearance_expiring:{clearance.pk}",
        context={
            "valid_until": valid_until.isoformat(),
            "treatment_slug": treatment_slug,
            "treatment_name": "micro-needling" if treatment_slug == DEFAULT_TREATMENT_SLUG else treatment_slug,
            "consultation_url": reverse("consultations:home"),
        },
    )


def intake_decline(*, intake: Intake, decided_by, reason: str, request=None) -> Intake:
    """Decline a pending intake with a reason the client reads. Raises ``ValidationError``
    without a reason."""
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise ValidationError({"reason": "Please give the client a reason in a sentence or two."})
    with transaction.atomic():
        intake = _lock_for_decision(intake, decided_by)
        _decide(intake, decided_by=decided_by, status=IntakeStatus.DECLINED, note=reason, request=request)
        return intake


def intake_defer(*, intake: Intake, decided_by, until: date, reason: str = "", request=None) -> Intake:
    """Defer a pending intake until a date after today. Raises ``ValidationError`` otherwise."""
    if until is None or until <= clinic_today():
        raise ValidationError({"until": "Choose a date after today."})
    if until > clinic_today() + MAX_VALIDITY:
        raise ValidationError({"until": "Defer by at most 24 months; the client can send a new form later."})
    with transaction.atomic():
        intake = _lock_for_decision(intake, decided_by)
        _decide(
            intake,
            decided_by=decided_by,
            status=IntakeStatus.DEFERRED,
            note=(reason or "").strip(),
            deferred_until=until,
            request=request,
        )
        return intake


def intake_ask(*, intake: Intake, decided_by, question: str, request=None) -> Intake:
    """Ask the client a question; they answer by amending their intake (a new version)."""
    question = (question or "").strip()
    if len(question) < 5:
        raise ValidationError({"question": "Please write the question for the client."})
    with transaction.atomic():
        intake = _lock_for_decision(intake, decided_by)
        _decide(intake, decided_by=decided_by, status=IntakeStatus.QUESTION, note=question, request=request)
        return intake
