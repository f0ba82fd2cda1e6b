"""Health updates: the client's answer to "has anything changed since your last visit?" in the
week before a session, and a practitioner's review of a reported change. Re-exported by
``consultations.services``, where callers import them from.

Each service runs in one transaction, writes its outbox rows and audit entries inside it, and
raises ``ValidationError`` with words the person on the other side understands.
"""

from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from clinic import roles
from clinic.audit import audit_record
from clinic.clock import clinic_today
from clinic.locks import users_lock
from clinic.outbox import outbox_enqueue

from .consent import _current_submitted
from .messages import ConsultationKind
from .models import Clearance, HealthUpdate, IntakeStatus
from .selectors import HEALTH_UPDATE_DAYS_BEFORE


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
    details = _health_update_checked(
        client=client, session_date=session_date, anything_changed=anything_changed, details=details,
        submitted_by=submitted_by,
    )  # fmt: skip
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
            _health_change_alert(update, client=client, session_date=session_date)
        audit_record(
            actor=submitted_by,
            action="health_update_submitted",
            target=update,
            request=request,
            subject=client,
            details={"anything_changed": anything_changed},
        )
        return update


def _health_update_checked(*, client, session_date: date, anything_changed: bool, details: str, submitted_by) -> str:
    """The details, stripped, once the answer may be given: by the client or the desk, in the
    week before the session, with details when something changed."""
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
    return details


def _health_change_alert(update: HealthUpdate, *, client, session_date: date) -> None:
    """Every practitioner is told through the outbox, without the medical detail: they read it
    in the app."""
    for practitioner in _practitioners():
        outbox_enqueue(
            kind=ConsultationKind.HEALTH_CHANGE_ALERT,
            recipient=practitioner,
            due_at=timezone.now(),
            key=f"health_change:{update.pk}:{practitioner.pk}",
            appointment_id=update.appointment_id,
            context={
                "client_name": str(client),
                "session_date": session_date.isoformat(),
                "health_update_id": update.pk,
                "review_url": reverse("consultations:health_update_detail", args=[update.pk]),
            },
        )


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
