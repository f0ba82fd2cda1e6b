"""The audit log's one writer."""

from django.db import models

from .models import AuditEntry


def client_ip(request) -> str | None:
    """The caller's address. REMOTE_ADDR only: behind a proxy, the proxy sets it right
    (gunicorn's --forwarded-allow-ips), so a client cannot forge it with a header."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


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
