"""Writing to and reading the outbox. Call the writers inside the transaction of the change that
causes them; sending is ``clinic.dispatch``'s job (a beat task every minute).

Contract for the other apps:

- ``outbox_enqueue(*, kind, recipient, due_at, key, appointment_id=None, context=None,
  essential=True, channel=None, version=1)``: plan one message, idempotent on ``key``;
  ``outbox_enqueue_many([PlannedMessage(...), ...])`` plans several in two queries.
- ``outbox_cancel_pending(*, appointment_id, kinds=None)``: cancel what has not gone out.
- Appointment messages are planned by
  ``bookings.services.message_planning.appointment_messages_plan``.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, F, Max, Min, Q, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import roles
from .audit import audit_record
from .consent import is_marketing, marketing_opted_in
from .message_kinds import clinical_kinds
from .models import OutboundMessage

logger = logging.getLogger(__name__)

# A message due this soon is sent by a dispatcher kicked at commit, not by the next beat tick.
SEND_NOW_WINDOW = timedelta(minutes=1)


def _kick_dispatcher() -> None:
    """Start a dispatcher run now. Losing this kick loses nothing: beat runs one every minute
    anyway, so a broker that is down only delays the message."""
    from .tasks import outbox_dispatch

    try:
        outbox_dispatch.delay()
    except Exception:  # the broker being away must not turn a committed booking into an error page
        logger.warning("could not kick the outbox dispatcher; the next beat tick will send", exc_info=True)


def _kick_after_commit_if_due(due_at: datetime) -> None:
    """One kick per transaction, however many messages it plans (a CSV import books thousands of
    sessions in one): a dispatcher run sends all that is due."""
    if due_at <= timezone.now() + SEND_NOW_WINDOW:
        pending = transaction.get_connection().run_on_commit
        if not any(callback is _kick_dispatcher for _sids, callback, *_rest in pending):
            transaction.on_commit(_kick_dispatcher)


def outbox_enqueue(
    *,
    kind: str,
    recipient,
    due_at: datetime,
    key: str,
    appointment_id: int | None = None,
    context: dict | None = None,
    essential: bool = True,
    channel: str | None = None,
    version: int = 1,
) -> OutboundMessage:
    """Plan one message. Idempotent on ``key``: a second call with the same key returns the
    existing row, and moves its due time and context if it is still pending.

    ``channel`` None follows the recipient's preference at sending time. ``context`` holds what
    the templates need (JSON; datetimes become ISO strings). ``version`` counts messages of one
    kind for one appointment (the database keeps (appointment, kind, version) unique).
    """
    if due_at.tzinfo is None:
        raise ValueError("due_at must be an aware datetime")
    # Marketing without an opt-in is written skipped, never pending (clinic.consent).
    withheld = is_marketing(kind) and not marketing_opted_in(person=recipient)
    # No savepoint of its own: callers plan messages inside their change's transaction, several
    # per booking, and get_or_create keeps its own for the insert race (a CSV import books
    # thousands in one transaction: records.csv_import).
    with transaction.atomic(savepoint=False):
        message, created = OutboundMessage.objects.get_or_create(
            idempotency_key=key,
            defaults={
                "kind": kind,
                "recipient": recipient,
                "due_at": due_at,
                "appointment_id": appointment_id,
                "version": version,
                "context": context or {},
                "essential": essential,
                "channel": channel or "",
                **(
                    {"status": OutboundMessage.Status.SKIPPED, "note": "No marketing consent when it was planned."}
                    if withheld
                    else {}
                ),
            },
        )
        if not created and message.status == OutboundMessage.Status.PENDING:
            message.due_at = due_at
            message.context = context or message.context
            message.save(update_fields=["due_at", "context", "updated_at"])
        if message.status == OutboundMessage.Status.PENDING:
            _kick_after_commit_if_due(message.due_at)
        return message


@dataclass(frozen=True)
class PlannedMessage:
    """One message to plan, as ``outbox_enqueue`` takes it."""

    kind: str
    recipient: Any
    due_at: datetime
    key: str
    appointment_id: int | None = None
    context: dict | None = None
    essential: bool = True
    channel: str | None = None
    version: int = 1


def outbox_enqueue_many(
    planned: Iterable[PlannedMessage], *, known: Iterable[OutboundMessage] | None = None
) -> list[OutboundMessage]:
    """Plan several messages in a fixed number of queries (one read of their keys, one insert),
    with ``outbox_enqueue``'s meaning: idempotent on each key, a pending row moved to its new due
    time and context. For a caller inside its own transaction that owns the keys (a booking
    service holding the client's lock): a concurrent insert of the same key fails that
    transaction instead of being merged. ``known``: the rows the caller has just read that are the
    only ones that can share a key with ``planned`` (it saves the read of the keys)."""
    planned = list(planned)
    for message in planned:
        if message.due_at.tzinfo is None:
            raise ValueError("due_at must be an aware datetime")
    with transaction.atomic(savepoint=False):
        keys = [p.key for p in planned]
        rows = known if known is not None else OutboundMessage.objects.filter(idempotency_key__in=keys)
        existing = {m.idempotency_key: m for m in rows if m.idempotency_key in keys}
        new = [
            OutboundMessage(
                idempotency_key=p.key,
                kind=p.kind,
                recipient=p.recipient,
                due_at=p.due_at,
                appointment_id=p.appointment_id,
                version=p.version,
                context=p.context or {},
                essential=p.essential,
                channel=p.channel or "",
            )
            for p in planned
            if p.key not in existing
        ]
        OutboundMessage.objects.bulk_create(new)
        for p in planned:
            message = existing.get(p.key)
            if message is not None and message.status == OutboundMessage.Status.PENDING:
                message.due_at = p.due_at
                message.context = p.context or message.context
                message.save(update_fields=["due_at", "context", "updated_at"])
    by_key = {m.idempotency_key: m for m in [*existing.values(), *new]}
    rows = [by_key[p.key] for p in planned]
    pending = [m.due_at for m in rows if m.status == OutboundMessage.Status.PENDING]
    if pending:
        _kick_after_commit_if_due(min(pending))
    return rows


def outbox_cancel_pending(*, appointment_id: int, kinds: Iterable[str] | None = None, note: str = "") -> int:
    """Cancel the appointment's messages that have not gone out yet. Returns how many."""
    rows = OutboundMessage.objects.filter(appointment_id=appointment_id, status=OutboundMessage.Status.PENDING)
    if kinds is not None:
        rows = rows.filter(kind__in=list(kinds))
    return rows.update(status=OutboundMessage.Status.CANCELLED, note=note[:200], updated_at=timezone.now())


def outbox_latest(*, appointment_id: int, kind: str) -> OutboundMessage | None:
    """The newest planned message of ``kind`` for the appointment (highest version), resends
    aside."""
    return (
        OutboundMessage.objects.filter(appointment_id=appointment_id, kind=kind, resend_of__isnull=True)
        .order_by("-version")
        .first()
    )


def outbox_latest_by_kind(*, appointment_id: int) -> dict[str, OutboundMessage]:
    """The newest planned message of each kind for the appointment (resends aside): one query."""
    latest: dict[str, OutboundMessage] = {}
    rows = OutboundMessage.objects.filter(appointment_id=appointment_id, resend_of__isnull=True).order_by(
        "kind", "-version"
    )
    for message in rows:
        latest.setdefault(message.kind, message)
    return latest


def outbox_next_version(*, appointment_id: int, kind: str) -> int:
    top = OutboundMessage.objects.filter(appointment_id=appointment_id, kind=kind, resend_of__isnull=True).aggregate(
        top=Max("version")
    )["top"]
    return (top or 0) + 1


RESEND_ON_ITS_WAY = "A copy is already on its way."
ON_ITS_WAY = (OutboundMessage.Status.PENDING, OutboundMessage.Status.SENDING)


def outbox_resend(*, message: OutboundMessage, resent_by, request=None) -> OutboundMessage:
    """Send ``message`` again, now, as a new row (the original stays as it was, for the record).
    One copy at a time: while a copy is pending or being sent, another click queues nothing
    (the database holds that too: ``outbox_one_resend_on_its_way``).

    Raises ValidationError for a message that was never sent or failed (nothing to send again:
    pending ones are on their way, cancelled ones were cancelled for a reason) or whose copy is
    still on its way, and PermissionDenied for anyone who may not see the communication log."""
    roles.require(resent_by, roles.Capability.VIEW_MESSAGES)
    if message.status not in (OutboundMessage.Status.SENT, OutboundMessage.Status.FAILED):
        raise ValidationError("Only a message that was sent or that failed can be sent again.")
    with transaction.atomic():
        # The lock on the original serialises two clicks; the second one sees the first's copy.
        original = OutboundMessage.objects.select_for_update().get(pk=message.pk)
        if original.resends.filter(status__in=ON_ITS_WAY).exists():
            raise ValidationError(RESEND_ON_ITS_WAY)
        copies = original.resends.count()
        copy = OutboundMessage.objects.create(
            kind=original.kind,
            recipient_id=original.recipient_id,
            appointment_id=original.appointment_id,
            version=original.version,
            context=original.context,
            # The front desk asked for it: it goes even to someone who opted out of extras.
            essential=True,
            channel=original.channel,
            idempotency_key=f"resend:{original.pk}:{copies + 1}",
            due_at=timezone.now(),
            resend_of=original,
        )
        audit_record(
            actor=resent_by,
            action="message_resend",
            target=copy,
            request=request,
            subject=original.recipient,
            details={"original": original.pk, "kind": original.kind},
        )
        _kick_after_commit_if_due(copy.due_at)
    return copy


def message_words_visible(*, message: OutboundMessage, viewer) -> bool:
    """Whether ``viewer`` may read what ``message`` said: anyone who may see the log for most
    kinds, only staff who may read medical answers for clinical ones (the front desk sees that
    they went out, not what they say)."""
    if not roles.can(viewer, roles.Capability.VIEW_MESSAGES):
        return False
    return message.kind not in clinical_kinds() or roles.can(viewer, roles.Capability.VIEW_MEDICAL)


def outbox_oldest_wait(*, now: datetime | None = None) -> timedelta | None:
    """How long the message that has waited longest for a dispatcher has been ready to send, or
    None when none is waiting. Ready since: its due time, its retry time after a failed attempt
    (a message waiting out its backoff is not waiting for a dispatcher), or the end of the lease
    of a worker that died with it. One query on the (status, due_at) index: the rows it reads are
    the few that the next dispatcher run would claim."""
    from .dispatch import claimable

    now = now or timezone.now()
    ready_since = Case(
        When(status=OutboundMessage.Status.SENDING, then=F("lease_expires_at")),
        default=Coalesce("next_attempt_at", "due_at"),
    )
    oldest = OutboundMessage.objects.filter(claimable(now)).aggregate(oldest=Min(ready_since))["oldest"]
    return None if oldest is None else max(now - oldest, timedelta(0))


def outbox_delay_alert(*, now: datetime | None = None) -> tuple[timedelta | None, str]:
    """(the oldest wait, the sentence to show) where the sentence is "" unless the oldest wait
    passes ``settings.OUTBOX_DELAY_ALERT_MINUTES`` (10): then the dispatcher is stalled (no worker,
    no beat, no broker) and nothing is going out. One query."""
    wait = outbox_oldest_wait(now=now)
    threshold = timedelta(minutes=getattr(settings, "OUTBOX_DELAY_ALERT_MINUTES", 10))
    if wait is None or wait <= threshold:
        return wait, ""
    minutes = int(wait.total_seconds() // 60)
    return wait, f"Messages are delayed: the oldest has waited {minutes} minute{'s' if minutes != 1 else ''}."


def message_log_people(*, query: str, limit: int = 20) -> list:
    """People whose name, e-mail or phone holds ``query`` (the log's search), one query."""
    query = query.strip()
    if not query:
        return []
    return list(
        get_user_model()
        .objects.filter(
            Q(email__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(phone__icontains=query)
        )
        .order_by("last_name", "first_name", "email")[:limit]
    )


def client_messages(*, client, limit: int = 200) -> list[OutboundMessage]:
    """The messages to one person (the communication log), nearest first: those still to be sent
    soonest first (a clearance-expiry notice a year ahead comes last of them), then the rest newest
    first. Each row's ``upcoming`` says which. One query."""
    upcoming = Q(status=OutboundMessage.Status.PENDING, due_at__gt=timezone.now())
    return list(
        OutboundMessage.objects.filter(recipient=client)
        .select_related("resend_of")
        .annotate(upcoming=Case(When(upcoming, then=True), default=False))
        .order_by("-upcoming", Case(When(upcoming, then=F("due_at"))).asc(), "-due_at", "-pk")[:limit]
    )


def _at_location(location_id: int) -> Q:
    """Messages for one location's log: those about a session there, and those about no session
    (an invitation, a course reminder: every location's staff see them)."""
    from django.apps import apps

    appointment = apps.get_model("bookings", "Appointment")
    here = appointment.objects.filter(room__location_id=location_id).values("pk")
    return Q(appointment_id__isnull=True) | Q(appointment_id__in=here)


def message_location_id(message: OutboundMessage) -> int | None:
    """The location of the session a message is about (None: about no session)."""
    from django.apps import apps

    if message.appointment_id is None:
        return None
    appointment = apps.get_model("bookings", "Appointment")
    return appointment.objects.filter(pk=message.appointment_id).values_list("room__location_id", flat=True).first()


def messages_needing_attention(*, limit: int = 100, location_id: int | None = None) -> list[OutboundMessage]:
    """Failed messages, newest first, with their recipients: what the front desk must look at
    (with ``location_id``: of that location's log)."""
    rows = OutboundMessage.objects.filter(status=OutboundMessage.Status.FAILED)
    if location_id is not None:
        rows = rows.filter(_at_location(location_id))
    return list(rows.select_related("recipient").order_by("-updated_at", "-pk")[:limit])


def recent_messages(
    *, status: str | None = None, limit: int = 100, location_id: int | None = None
) -> list[OutboundMessage]:
    rows = OutboundMessage.objects.select_related("recipient")
    if location_id is not None:
        rows = rows.filter(_at_location(location_id))
    if status:
        rows = rows.filter(status=status)
    return list(rows.order_by("-due_at", "-pk")[:limit])


def contact_preferences_update(
    *, user, preferred_channel: str, phone: str, marketing: list[str] | None = None, request=None
):
    """Set how a person wants to hear from the clinic: e-mail or text, and (``marketing``, when
    given) the channels they opt in to for marketing, through ``clinic.consent`` (when and how is
    recorded). Service messages are sent whatever they choose. Raises ValidationError when texts
    are chosen without a mobile number."""
    from .consent import marketing_consent_set
    from .locks import users_lock
    from .models import MarketingConsent, User

    phone = (phone or "").strip()
    if preferred_channel not in User.ContactChannel.values:
        raise ValidationError({"preferred_channel": "Choose e-mail or text message."})
    if preferred_channel == User.ContactChannel.SMS and not phone:
        raise ValidationError({"phone": "Add your mobile number to get text messages."})
    with transaction.atomic():
        (person,) = users_lock(user.pk)
        values = {"preferred_channel": preferred_channel, "phone": phone}
        changed = [name for name, value in values.items() if getattr(person, name) != value]
        if changed:
            for name in changed:
                setattr(person, name, values[name])
            person.save(update_fields=changed)
            audit_record(
                actor=user,
                action="contact_preferences.update",
                target=person,
                request=request,
                subject=person,
                details={"fields": changed},
            )
        if marketing is not None:
            marketing_consent_set(person=person, channels=marketing, via=MarketingConsent.Via.PORTAL, request=request)
    return person


def own_messages(*, user, limit: int = 50) -> list[OutboundMessage]:
    """What the clinic has sent to ``user`` (for their own page): sent messages, newest first."""
    return list(
        OutboundMessage.objects.filter(recipient=user, status=OutboundMessage.Status.SENT).order_by("-sent_at", "-pk")[
            :limit
        ]
    )
