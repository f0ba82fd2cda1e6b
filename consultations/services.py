"""Every write of the consultations app: the client's intake and signature, the practitioner's
decisions, health updates. Consent versions and renewals are in ``consultations.consent``
(re-exported here).

Each service runs in one transaction, writes its outbox rows and audit entries inside it, and
raises ``ValidationError`` with words the person on the other side understands.
"""

from datetime import date, time, timedelta
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
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
    signature_evidence,
)
from .intake_steps import STEP_CODES, STEPS_BY_CODE, from_json, step_errors, to_json
from .messages import ConsultationKind
from .models import (
    DEFAULT_TREATMENT_SLUG,
    Clearance,
    ConsentSignature,
    HealthUpdate,
    Intake,
    IntakeFlag,
    IntakeStatus,
)
from .screening import approval_problems, screen
from .selectors import HEALTH_UPDATE_DAYS_BEFORE

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
    errors: dict[str, list[str]] = {}
    full_name = " ".join((full_name or "").split())
    if not agreed:
        errors["agreed"] = ["Please tick the box to confirm that you have read and agree to the consent."]
    if len(full_name) < 3 or " " not in full_name:
        errors["full_name"] = ["Please type your full name (first and last name) to sign."]
    with transaction.atomic():
        users_lock(client.pk)
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
        if errors:
            raise ValidationError(errors)

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
        audit_record(actor=client, action="intake_submitted", target=draft, request=request, subject=client)
        return draft


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
    today = clinic_today()
    if valid_until is None or valid_until <= today:
        problems.append(("valid_months", "The clearance must be valid until a date after today."))
    elif valid_until > today + MAX_VALIDITY:
        problems.append(("valid_months", "A clearance can be valid for at most 24 months."))
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
        # Changes that sent the client back to review are settled by this new review.
        HealthUpdate.objects.filter(
            client=intake.client, review_outcome=HealthUpdate.Outcome.REVIEW_AGAIN, cleared_again_at__isnull=True
        ).update(cleared_again_at=now)
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
        return clearance


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


# --- Health updates ----------------------------------------------------------------------------


def _practitioners():
    return get_user_model().objects.filter(groups__name=roles.Role.PRACTITIONER, is_active=True).order_by("pk")


def health_update_submit(
    *,
    client,
    appointment_id: int,
    session_date: date,
    anything_changed: bool,
    details: str,
    submitted_by,
    request=None,
) -> HealthUpdate:
    """Record the client's answer to "has anything changed since your last visit?" for one
    appointment, within 7 days before it.

    A reported change sends the client back to review (``clearance_check`` says
    "health_review", ``health_update_status`` "needs_review") and alerts the practitioners
    through the outbox. A change already reported cannot be withdrawn by a later "no change".
    Raises ``ValidationError`` for a date outside the window, a change without details, or a
    person who may not answer for this client."""
    if submitted_by.pk != client.pk and not roles.can(submitted_by, roles.Capability.BOOK_FOR_CLIENT):
        raise ValidationError("Only the client or the clinic's staff can answer this.")
    details = (details or "").strip()
    today = clinic_today()
    if session_date < today:
        raise ValidationError("This session has already taken place.")
    if session_date > today + timedelta(days=HEALTH_UPDATE_DAYS_BEFORE):
        raise ValidationError("You can tell us about changes in the week before your session.")
    if anything_changed and not details:
        raise ValidationError({"details": "Please tell us what has changed."})
    with transaction.atomic():
        users_lock(client.pk)
        update = HealthUpdate.objects.select_for_update().filter(client=client, appointment_id=appointment_id).first()
        if update is not None and update.anything_changed:
            raise ValidationError(
                "You have already told us about a change for this session: a practitioner will look at it."
            )
        fields = {
            "session_date": session_date,
            "anything_changed": anything_changed,
            "details": details if anything_changed else "",
            "submitted_at": timezone.now(),
            "submitted_by": submitted_by,
        }
        if update is None:
            update = HealthUpdate.objects.create(client=client, appointment_id=appointment_id, **fields)
        else:
            for name, value in fields.items():
                setattr(update, name, value)
            update.save(update_fields=list(fields))
        if anything_changed:
            for practitioner in _practitioners():
                outbox_enqueue(
                    kind=ConsultationKind.HEALTH_CHANGE_ALERT,
                    recipient=practitioner,
                    due_at=timezone.now(),
                    key=f"health_change:{update.pk}:{practitioner.pk}",
                    appointment_id=appointment_id,
                    # No medical detail in a message: the practitioner reads it in the app.
                    context={
                        "client_name": str(client),
                        "session_date": session_date.isoformat(),
                        "health_update_id": update.pk,
                        "review_url": reverse("consultations:health_update_detail", args=[update.pk]),
                    },
                )
        audit_record(
            actor=submitted_by,
            action="health_update_submitted",
            target=update,
            request=request,
            subject=client,
            details={"anything_changed": anything_changed},
        )
        return update


def health_update_review(
    *, health_update: HealthUpdate, reviewed_by, outcome: str, note: str = "", request=None
) -> HealthUpdate:
    """A practitioner's answer to a reported health change: the client stays cleared, or goes
    back to review (clearance withdrawn, their form re-opened with the practitioner's
    question). Raises ``ValidationError`` if already reviewed or if the question is missing."""
    roles.require(reviewed_by, roles.Capability.REVIEW_INTAKE)
    if outcome not in (HealthUpdate.Outcome.STILL_CLEARED, HealthUpdate.Outcome.REVIEW_AGAIN):
        raise ValidationError("Choose whether the client stays cleared or needs a new review.")
    note = (note or "").strip()
    if outcome == HealthUpdate.Outcome.REVIEW_AGAIN and len(note) < 5:
        raise ValidationError({"note": "Tell the client what to update in their form."})
    with transaction.atomic():
        update = HealthUpdate.objects.select_for_update().select_related("client").get(pk=health_update.pk)
        if not update.anything_changed or update.review_outcome:
            raise ValidationError("This health update has already been reviewed.")
        now = timezone.now()
        update.review_outcome = outcome
        update.review_note = note
        update.reviewed_by = reviewed_by
        update.reviewed_at = now
        update.save(update_fields=["review_outcome", "review_note", "reviewed_by", "reviewed_at"])
        client = update.client
        if outcome == HealthUpdate.Outcome.REVIEW_AGAIN:
            Clearance.objects.filter(client=client, revoked_at__isnull=True).update(
                revoked_at=now, revoked_reason="A health change needs a new review."
            )
            current = _current_submitted(client)
            if current is not None and current.status != IntakeStatus.PENDING:
                current.status = IntakeStatus.QUESTION
                current.decision_note = note
                current.decided_by = reviewed_by
                current.decided_at = now
                current.deferred_until = None
                current.save(
                    update_fields=[
                        "status",
                        "decision_note",
                        "decided_by",
                        "decided_at",
                        "deferred_until",
                        "updated_at",
                    ]
                )
            outbox_enqueue(
                kind=ConsultationKind.INTAKE_DECISION,
                recipient=client,
                due_at=now,
                key=f"health_review:{update.pk}",
                appointment_id=update.appointment_id,
                context={"decision": "question", "note": note, "intake_url": reverse("consultations:home")},
            )
        audit_record(
            actor=reviewed_by,
            action=f"health_update_{outcome}",
            target=update,
            request=request,
            subject=client,
        )
        return update
