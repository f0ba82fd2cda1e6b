"""Consent versions and their signatures: publishing a new consent text, and the client signing
the current one when theirs is older (``consent_renew``). ``signature_evidence`` is what every
signature keeps, the intake's too. Re-exported by ``consultations.services``."""

import hashlib

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.audit import audit_record, client_ip
from clinic.locks import users_lock

from .models import ConsentRenewal, ConsentText, Intake, IntakeStatus
from .selectors import consent_to_sign


def signature_evidence(text: ConsentText, request) -> dict:
    """The address, user agent and a hash of the text signed, kept with every signature."""
    return {
        "ip_address": client_ip(request),
        "user_agent": (request.META.get("HTTP_USER_AGENT", "") if request else "")[:500],
        "text_sha256": hashlib.sha256(f"{text.title}\n{text.body}".encode()).hexdigest(),
    }


def _current_submitted(client) -> Intake | None:
    return (
        Intake.objects.filter(client=client, superseded_at__isnull=True)
        .exclude(status=IntakeStatus.DRAFT)
        .select_for_update()
        .first()
    )


# --- Consent text ------------------------------------------------------------------------------


def consent_text_current() -> ConsentText | None:
    return ConsentText.objects.order_by("-version").first()


def consent_text_publish(*, title: str, body: str, published_by) -> ConsentText:
    """Publish a new version of the consent text (the old ones stay, unchanged, with their
    signatures). Raises ``ValidationError`` for an empty body or a copy of the current one."""
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "The consent text cannot be empty."})
    with transaction.atomic():
        current = ConsentText.objects.select_for_update().order_by("-version").first()
        if current is not None and current.body == body and current.title == title:
            raise ValidationError("This is the same as the current version: nothing to publish.")
        text = ConsentText.objects.create(
            version=(current.version + 1) if current else 1,
            title=title or "Informed consent for micro-needling",
            body=body,
            published_by=published_by,
        )
        audit_record(actor=published_by, action="consent_text_published", target=text)
        return text


def consent_renew(
    *,
    client,
    full_name: str,
    agreed: bool,
    consent_version: int | None,
    appointment_id: int | None = None,
    request=None,
) -> ConsentRenewal:
    """The client signs the current consent text, which is newer than the one they signed with
    their intake (``consent_to_sign``). Keeps the name, time, address, user agent and a hash of
    the text, like the intake's signature. Raises ``ValidationError`` (by field where it can be)
    when there is nothing to sign, the text changed meanwhile, or the box or the name is missing;
    nothing is written then."""
    errors: dict[str, list[str]] = {}
    full_name = " ".join((full_name or "").split())
    if not agreed:
        errors["agreed"] = ["Please tick the box to confirm that you have read and agree to the consent."]
    if len(full_name) < 3 or " " not in full_name:
        errors["full_name"] = ["Please type your full name (first and last name) to sign."]
    with transaction.atomic():
        users_lock(client.pk)
        text = consent_to_sign(client=client)
        if text is None:
            raise ValidationError("There is no new consent to sign.")
        if consent_version is not None and consent_version != text.version:
            raise ValidationError(
                "The consent text was updated while you were reading it: please read the new version and sign again."
            )
        if errors:
            raise ValidationError(errors)
        intake = _current_submitted(client)
        renewal = ConsentRenewal.objects.create(
            client=client,
            intake=intake,
            consent_text=text,
            appointment_id=appointment_id,
            full_name=full_name,
            signed_at=timezone.now(),
            **signature_evidence(text, request),
        )
        audit_record(
            actor=client,
            action="consent_renewed",
            target=renewal,
            request=request,
            subject=client,
            details={"consent_version": text.version, "appointment_id": appointment_id},
        )
        return renewal
