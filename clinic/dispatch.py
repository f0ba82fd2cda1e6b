"""The outbox dispatcher: claims due rows, sends them, records the outcome.

Guarantees:

- Claiming is ``SELECT ... FOR UPDATE SKIP LOCKED`` in a short transaction that moves the rows to
  "sending" under a lease (a token and an expiry). Any number of workers can dispatch at once and
  never claim the same row twice while its lease holds.
- Each row is marked sent right after its own send, by an UPDATE that names the lease token. A
  worker killed mid-batch leaves its unsent rows in "sending"; once the lease has run out the next
  dispatcher takes them over. Only the one message that was being sent at the moment of death can
  go out twice (sent, not yet marked).
- Every send is bounded: each network step of it (connecting, each answer of the SMTP server,
  each request to the SMS gateway) gives up after ``OUTBOX_SEND_TIMEOUT_SECONDS``, and a worker
  stops and hands its remaining rows back when less than two of those (15 s at least) are left of
  its lease. So a server that stops answering fails the attempt, retried later, instead of holding
  the row past the lease for another dispatcher to send again (``clinic.outbox_checks`` keeps the
  two settings apart).
- A failed send goes back to pending with ``next_attempt_at`` pushed out by the backoff; after
  ``OutboundMessage.MAX_ATTEMPTS`` attempts the row is failed and shows in the communication log.
  Attempts are counted when a row is claimed, so a message that kills its worker every time still
  ends up failed instead of looping.
- A message about a moment (a reminder, a health-update request, a window notice, a waitlist
  offer) that could only go out after its moment had passed by more than
  ``OUTBOX_STALE_GRACE_MINUTES`` is skipped with a note (``clinic.staleness``); so is one that its
  content builder finds moot (the next session is already booked).
- One model of consent (``clinic.consent``): service messages (about appointments, aftercare,
  the account, a waitlist the person joined) always go; a marketing message without a current
  opt-in for the channel it would go by is skipped. A message goes by SMS
  when the person prefers it and has a phone number, else by e-mail; an essential message whose
  texts failed twice goes by e-mail, so it reaches the person on at least one channel.

Settings (read when called): ``OUTBOX_BATCH_SIZE`` (100), ``OUTBOX_LEASE_SECONDS`` (120),
``OUTBOX_SEND_TIMEOUT_SECONDS`` (15), ``OUTBOX_RETRY_BACKOFF_SECONDS`` (60, 300, 900, 3600),
``OUTBOX_DISPATCH_SECONDS`` (50: how long one dispatcher run keeps claiming batches).
"""

import logging
import secrets
import smtplib
import time
from dataclasses import asdict, dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .composing import ComposedMessage, message_compose
from .consent import is_marketing, marketing_opted_in
from .models import ClinicProfile, OutboundMessage
from .sms import TextMessage, sms_backend
from .staleness import message_stale_note

logger = logging.getLogger(__name__)

Status = OutboundMessage.Status
Channel = OutboundMessage.Channel

# Stop using a lease when less than this is left of it (or two send timeouts, if more): sending
# one more message must fit.
LEASE_MARGIN = timedelta(seconds=15)


@dataclass
class DispatchReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    skipped: int = 0
    released: int = 0

    def add(self, other: "DispatchReport") -> None:
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)

    def as_dict(self) -> dict:
        return asdict(self)


def _setting(name: str, default):
    return getattr(settings, name, default)


def send_timeout() -> float:
    """Seconds after which one network step of a send gives up."""
    return _setting("OUTBOX_SEND_TIMEOUT_SECONDS", 15)


def lease_margin() -> timedelta:
    """How much of its lease a dispatcher keeps in hand: no send starts with less left."""
    return max(LEASE_MARGIN, timedelta(seconds=2 * send_timeout()))


def claimable(now) -> Q:
    """Rows a dispatcher may take at ``now``: pending and due (and past their retry time), or
    stuck in sending under a lease that has run out."""
    pending_due = Q(status=Status.PENDING, due_at__lte=now) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    abandoned = Q(status=Status.SENDING, lease_expires_at__lte=now)
    return pending_due | abandoned


def outbox_claim_due(*, limit: int | None = None, lease_seconds: int | None = None) -> tuple[str, list[int]]:
    """Claim up to ``limit`` due rows for this caller. Returns the lease token and the claimed ids
    (oldest due first). Rows taken over from a dead worker that already used every attempt are
    marked failed instead."""
    limit = limit or _setting("OUTBOX_BATCH_SIZE", 100)
    lease_seconds = lease_seconds or _setting("OUTBOX_LEASE_SECONDS", 120)
    token = secrets.token_hex(16)
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            OutboundMessage.objects.filter(claimable(now))
            .order_by("due_at", "pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return token, []
        OutboundMessage.objects.filter(pk__in=ids, attempts__gte=OutboundMessage.MAX_ATTEMPTS).update(
            status=Status.FAILED,
            lease_token="",
            lease_expires_at=None,
            next_attempt_at=None,
            last_error="The worker stopped while sending, on the last attempt; it may not have gone out.",
        )
        claimed = OutboundMessage.objects.filter(pk__in=ids, attempts__lt=OutboundMessage.MAX_ATTEMPTS).update(
            status=Status.SENDING,
            lease_token=token,
            lease_expires_at=now + timedelta(seconds=lease_seconds),
            attempts=F("attempts") + 1,
        )
    if claimed < len(ids):
        ids = list(OutboundMessage.objects.filter(pk__in=ids, lease_token=token).values_list("pk", flat=True))
    return token, ids


def _backoff(attempts: int) -> timedelta:
    steps = _setting("OUTBOX_RETRY_BACKOFF_SECONDS", (60, 300, 900, 3600))
    return timedelta(seconds=steps[min(attempts, len(steps)) - 1])


def _mine(message: OutboundMessage, token: str):
    return OutboundMessage.objects.filter(pk=message.pk, status=Status.SENDING, lease_token=token)


def _finish(message: OutboundMessage, token: str, **fields) -> bool:
    updated = _mine(message, token).update(lease_token="", lease_expires_at=None, updated_at=timezone.now(), **fields)
    if not updated:
        logger.warning("outbox message %s: lease lost before its outcome was recorded", message.pk)
    return bool(updated)


# An essential message whose texts failed this many times goes by e-mail from then on.
SMS_ATTEMPTS_BEFORE_EMAIL = 2


def _channel_for(message: OutboundMessage) -> tuple[str, str, str]:
    """(channel, address, note): the recipient's choice unless the row asks for one. SMS needs a
    phone number, so without one the message goes by e-mail; and an essential message does not
    wait on a text gateway that keeps failing: after two failed attempts it goes by e-mail."""
    recipient = message.recipient
    wanted = message.channel or recipient.preferred_channel
    if wanted == Channel.SMS:
        if not recipient.phone:
            return Channel.EMAIL, recipient.email, "No phone number on file, so it went by e-mail."
        if message.essential and message.attempts > SMS_ATTEMPTS_BEFORE_EMAIL:
            return Channel.EMAIL, recipient.email, "Text messages failed, so it went by e-mail."
        return Channel.SMS, recipient.phone, ""
    return Channel.EMAIL, recipient.email, ""


def _send_email(connection, message: OutboundMessage, composed: ComposedMessage, address: str) -> None:
    email = EmailMultiAlternatives(
        subject=composed.subject,
        body=composed.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        connection=connection,
        headers={"X-Clinic-Message": str(message.pk), **composed.headers},
    )
    email.attach_alternative(composed.html, "text/html")
    for attachment in composed.attachments:
        email.attach(attachment.filename, attachment.content, attachment.mimetype)
    try:
        connection.open()  # once per batch: a no-op while the session is open
        if connection.send_messages([email]) != 1:
            raise RuntimeError("The e-mail server did not accept the message.")
    except Exception:
        _email_session_drop(connection)
        raise


def _email_session_drop(connection) -> None:
    """After a failed send the SMTP session is in an unknown state (an answer may still be on its
    way): close its socket without the QUIT that would wait on a server that stopped answering.
    The next e-mail opens a new session. (Django's SMTP backend keeps the session in
    ``connection``, and a half-opened one in ``_partial_connection``; other backends have none.)"""
    for name in ("connection", "_partial_connection"):
        session = getattr(connection, name, None)
        if isinstance(session, smtplib.SMTP):
            try:
                session.close()
            except OSError:
                pass
            setattr(connection, name, None)


def _email_connection_close(connection) -> None:
    try:
        connection.close()
    except (OSError, smtplib.SMTPException) as exc:  # the QUIT went unanswered: the sends are recorded
        logger.warning("outbox: closing the e-mail connection failed: %s", exc)
        _email_session_drop(connection)


def _not_to_be_sent(message: OutboundMessage, clinic) -> tuple[str, str] | None:
    """(status, note) for a message that must not go out at all, checked before it is composed."""
    recipient = message.recipient
    if not recipient.is_active:
        return Status.CANCELLED, "The account is closed."
    if is_marketing(message.kind):
        channel, _, _ = _channel_for(message)
        if not marketing_opted_in(person=recipient, channel=channel):
            return Status.SKIPPED, f"No marketing consent for {Channel(channel).label} at sending time."
    stale = message_stale_note(message=message, now=timezone.now(), tz=clinic.tz)
    if stale:
        return Status.SKIPPED, stale[:200]
    return None


def _deliver(message, token, *, clinic, connection, texts) -> str:
    """Send one claimed message and record the outcome. Returns "sent", "cancelled", "skipped",
    "retried" or "failed"."""
    withheld = _not_to_be_sent(message, clinic)
    if withheld is not None:
        status, note = withheld
        _finish(message, token, status=status, note=note)
        return str(status)
    try:
        composed = message_compose(message=message, clinic=clinic)
        if composed.skip:
            _finish(message, token, status=Status.SKIPPED, note=composed.skip[:200])
            return "skipped"
        channel, address, note = _channel_for(message)
        if channel == Channel.SMS:
            texts.send_messages([TextMessage(to=address, body=composed.sms, message_id=message.pk)])
        else:
            _send_email(connection, message, composed, address)
    except Exception as exc:  # any failure of a send is an attempt's error, kept for the front desk
        logger.warning("outbox message %s: attempt %s failed: %s", message.pk, message.attempts, exc)
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if message.attempts >= OutboundMessage.MAX_ATTEMPTS:
            _finish(message, token, status=Status.FAILED, last_error=error, next_attempt_at=None)
            return "failed"
        _finish(
            message,
            token,
            status=Status.PENDING,
            last_error=error,
            next_attempt_at=timezone.now() + _backoff(message.attempts),
        )
        return "retried"
    _finish(
        message,
        token,
        status=Status.SENT,
        sent_at=timezone.now(),
        sent_via=channel,
        address=address[:254],
        note=note,
        subject=composed.subject,
        body_text=composed.sms if channel == Channel.SMS else composed.text,
        last_error="",
        next_attempt_at=None,
    )
    return "sent"


def _release(ids: list[int], token: str) -> int:
    """Hand claimed, unsent rows back (this worker is running out of lease)."""
    return OutboundMessage.objects.filter(pk__in=ids, status=Status.SENDING, lease_token=token).update(
        status=Status.PENDING, lease_token="", lease_expires_at=None, attempts=F("attempts") - 1
    )


def outbox_deliver_claimed(*, token: str, ids: list[int]) -> DispatchReport:
    """Send the rows claimed under ``token``, one at a time, recording each outcome at once."""
    report = DispatchReport(claimed=len(ids))
    messages = list(
        OutboundMessage.objects.filter(pk__in=ids, status=Status.SENDING, lease_token=token)
        .select_related("recipient")
        .order_by("due_at", "pk")
    )
    clinic = ClinicProfile.get()
    # Opened by the first e-mail, so that a mail server that does not answer fails that message's
    # attempt (and texts still go), not the whole run.
    connection = get_connection(timeout=send_timeout())
    texts = sms_backend(timeout=send_timeout())
    margin = lease_margin()
    try:
        for index, message in enumerate(messages):
            if timezone.now() >= message.lease_expires_at - margin:
                report.released += _release([m.pk for m in messages[index:]], token)
                break
            outcome = _deliver(message, token, clinic=clinic, connection=connection, texts=texts)
            setattr(report, outcome, getattr(report, outcome) + 1)
    finally:
        _email_connection_close(connection)
    return report


def outbox_dispatch_due(*, seconds: float | None = None, batch_size: int | None = None) -> DispatchReport:
    """Claim and send due batches until none is due or ``seconds`` have passed. Safe to run in
    many workers at once."""
    budget = seconds if seconds is not None else _setting("OUTBOX_DISPATCH_SECONDS", 50)
    deadline = time.monotonic() + budget
    report = DispatchReport()
    while True:
        token, ids = outbox_claim_due(limit=batch_size)
        if not ids:
            break
        report.add(outbox_deliver_claimed(token=token, ids=ids))
        if time.monotonic() >= deadline:
            break
    return report
