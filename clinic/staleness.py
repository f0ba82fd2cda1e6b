"""Messages about a moment go stale: a "48 hours before" reminder that could only go out twenty
minutes before the session (the workers were down) is not sent but skipped, with a note that the
communication log shows.

Time-bound kinds (registered with ``time_bound=True`` in ``clinic.message_kinds``), and why:

- ``reminder`` (48 hours before, with pre-care) and ``health_update_request`` (three days before):
  their point is the time they give the client before the session;
- ``next_window_opens`` and ``window_closing`` ("5 days left to book"): their words name a moment;
- ``waitlist_offer``: a freed time is soon taken, and an offer for a time that has passed is
  never sent, however soon.

Not stale, whenever they go: confirmations, moves and cancellations (a record of a change, with the
calendar file), aftercare and its check-ins (safety advice), consultation decisions, clearance
expiry and course review notices (their dates are in their words), and alerts to practitioners.

The grace is ``settings.OUTBOX_STALE_GRACE_MINUTES`` (360: a reminder six hours late still
leaves the client more than a day and a half). A message sent again by the front desk is due when
they asked, so it is not stale.
"""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .dates import datetime_label
from .message_kinds import time_bound_kinds
from .models import OutboundMessage


def stale_grace() -> timedelta:
    return timedelta(minutes=getattr(settings, "OUTBOX_STALE_GRACE_MINUTES", 360))


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes >= 72 * 60:
        return f"{minutes // (24 * 60)} days"
    if minutes >= 120:
        return f"{minutes // 60} hours"
    return f"{minutes} minutes"


def _offered_time(message: OutboundMessage) -> datetime | None:
    """The offered time of a waitlist offer; a time without an offset is UTC, as everywhere in
    the app (``clinic.composing`` reads it so too)."""
    value = (message.context or {}).get("offered_starts_at")
    try:
        parsed = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:  # well formed but impossible: the message says what it can
        return None
    if parsed is not None and timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def message_stale_note(*, message: OutboundMessage, now: datetime, tz) -> str:
    """Why ``message`` must not be sent at ``now`` because its moment has passed (its note in the
    log), or "" when it may go."""
    if message.kind not in time_bound_kinds():
        return ""
    # An offer of a time (the waitlist's) is stale once that time has passed, however soon.
    if (message.context or {}).get("offered_starts_at"):
        offered = _offered_time(message)
        if offered is not None and offered <= now:
            return f"Not sent: the time it offered ({datetime_label(offered, 'short', tz=tz)}) has passed."
    late = now - message.due_at
    grace = stale_grace()
    if late <= grace:
        return ""
    due = timezone.localtime(message.due_at, tz)
    return (
        f"Not sent: due {datetime_label(due, 'short')}, it was {_duration(late)} late and no longer useful "
        f"(messages about a moment are skipped after {_duration(grace)})."
    )
