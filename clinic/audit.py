"""The audit log's one writer, and the one answer to "where did this request come from"."""

import ipaddress

from django.conf import settings
from django.db import models

from .models import AuditEntry


def client_ip(request) -> str | None:
    """The caller's address: what the audit log, consent signatures and allauth's rate limits
    (through the account adapter) record and count by.

    With ``ALLAUTH_TRUSTED_PROXY_COUNT`` = N > 0 (env ``TRUSTED_PROXY_COUNT``: the proxies of
    ours in front of the app, each appending the address it was reached from), the address is
    the N-th ``X-Forwarded-For`` entry from the right: the one our outermost proxy wrote. Entries
    further left were written by the client and are ignored. With 0 (the default)
    ``X-Forwarded-For`` is ignored entirely and ``REMOTE_ADDR`` is the address.
    """
    if request is None:
        return None
    address = request.META.get("REMOTE_ADDR")
    hops = getattr(settings, "ALLAUTH_TRUSTED_PROXY_COUNT", 0)
    if hops > 0:
        forwarded = [entry.strip() for entry in request.headers.get("X-Forwarded-For", "").split(",")]
        forwarded = [entry for entry in forwarded if entry]
        if forwarded:
            # Fewer entries than proxies: the request came in through fewer of them; every entry
            # there is still one of our proxies' writing, and the leftmost is the client.
            address = forwarded[-min(hops, len(forwarded))]
    return _plain_address(address)


def _plain_address(value: str | None) -> str | None:
    """``value`` as a bare IP address ("[2001:db8::1]:443" and "203.0.113.9:5000" lose the
    port), or None for anything that is not an address."""
    value = (value or "").strip()
    if value.startswith("[") and "]" in value:
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def audit_record(
    *,
    actor,
    action: str,
    target: models.Model,
    request=None,
    subject=None,
    details: dict | None = None,
) -> AuditEntry:
    """Record that ``actor`` did ``action`` to ``target`` (from ``request``'s address).

    ``subject`` is the client whose record it is, so that "who looked at Jane's medical
    answers" is one query.
    """
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=str(target)[:200],
        subject=subject,
        ip_address=client_ip(request),
        details=details or {},
    )


def audit_record_many(*, actor, action: str, entries, request=None) -> list[AuditEntry]:
    """``audit_record`` for many targets at once (an import's thousands of bookings), in one
    insert: ``entries`` are ``(target, subject, details)``."""
    ip_address = client_ip(request)
    return AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                actor=actor if getattr(actor, "is_authenticated", False) else None,
                action=action,
                target_type=target._meta.label_lower,
                target_id=str(target.pk),
                target_repr=str(target)[:200],
                subject=subject,
                ip_address=ip_address,
                details=details or {},
            )
            for target, subject, details in entries
        ],
        batch_size=2000,
    )
