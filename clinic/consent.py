"""Marketing consent, apart from the messages a client needs about their care.

Marketing kinds (the course-window nudges and the review request) go to a person only while they
have opted in for the channel the message goes by (``MarketingConsent``). Reminders, aftercare
and every other kind are service messages and do not ask. The outbox holds the rule twice: a
marketing message planned for someone with no opt-in on any channel is written skipped
(``clinic.outbox.outbox_enqueue``), and the dispatcher checks again at send time for the channel
it picked (``clinic.dispatch``), so a withdrawal between the two stops it. This is the one model of
consent: the earlier "only essential messages" switch was folded into it (migration 0012), and the
Messages page and the records page both write these rows.

Every marketing message carries an unsubscribe link that works without logging in: a signed
token naming the person (``unsubscribe_token``), no expiry (old e-mails keep working), and a
``List-Unsubscribe`` header with RFC 8058 one-click for mail programs.
"""

from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from .audit import audit_record, client_ip
from .message_kinds import marketing_kinds
from .models import MarketingConsent, OutboundMessage

Channel = OutboundMessage.Channel
Via = MarketingConsent.Via


_SALT = "clinic.consent.unsubscribe"


def is_marketing(kind: str) -> bool:
    """Kinds registered with ``marketing=True`` (``clinic.message_kinds``): the course-window
    nudges and the review request are sent only with a current opt-in for the channel."""
    return kind in marketing_kinds()


def marketing_channels(*, person) -> set[str]:
    """The channels ``person`` has opted in to now. One query."""
    return set(
        MarketingConsent.objects.filter(person=person, withdrawn_at__isnull=True).values_list("channel", flat=True)
    )


def marketing_opted_in(*, person, channel: str | None = None) -> bool:
    """Whether ``person`` has a marketing opt-in in force (for ``channel``, or for any)."""
    rows = MarketingConsent.objects.filter(person=person, withdrawn_at__isnull=True)
    if channel:
        rows = rows.filter(channel=channel)
    return rows.exists()


def marketing_consent_set(*, person, channels, via: str, request=None) -> set[str]:
    """Make ``channels`` the person's marketing opt-ins: a new consent row for each channel
    added (when, how, from which address), the withdrawal recorded on each one dropped. Returns
    the channels in force. Idempotent: asking for what is already so writes nothing."""
    wanted = {channel for channel in channels if channel in Channel.values}
    if via not in Via.values:
        raise ValueError(f"unknown consent source {via!r}")
    now = timezone.now()
    with transaction.atomic():
        current = {
            row.channel: row
            for row in MarketingConsent.objects.select_for_update().filter(person=person, withdrawn_at__isnull=True)
        }
        for channel in sorted(set(current) - wanted):
            row = current[channel]
            row.withdrawn_at = now
            row.withdrawn_via = via
            row.save(update_fields=["withdrawn_at", "withdrawn_via"])
        for channel in sorted(wanted - set(current)):
            MarketingConsent.objects.create(
                person=person, channel=channel, given_at=now, given_via=via, given_ip=client_ip(request)
            )
        if wanted != set(current):
            audit_record(
                actor=person if via != Via.STAFF else getattr(request, "user", None),
                action="marketing_consent.update",
                target=person,
                request=request,
                subject=person,
                details={"channels": sorted(wanted), "via": via},
            )
    return wanted


def marketing_consent_withdraw_all(*, person, via: str, request=None) -> int:
    """Withdraw every marketing opt-in of ``person`` (the unsubscribe link). Returns how many
    were in force."""
    before = marketing_channels(person=person)
    marketing_consent_set(person=person, channels=(), via=via, request=request)
    return len(before)


def unsubscribe_token(*, person) -> str:
    return signing.dumps({"p": person.pk}, salt=_SALT, compress=True)


def unsubscribe_person_id(token: str) -> int | None:
    """The person an unsubscribe token names, or None for a token that was not signed here."""
    try:
        data = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return None
    person_id = data.get("p") if isinstance(data, dict) else None
    return person_id if isinstance(person_id, int) else None


def unsubscribe_path(*, person) -> str:
    return reverse("unsubscribe", kwargs={"token": unsubscribe_token(person=person)})
