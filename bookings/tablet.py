"""Check-in on the clinic's tablet (issue 17, item 9).

The front desk makes a one-time code for one of today's booked appointments
(``tablet_check_in_open``) and types it on the tablet (or opens the link shown with it). The code
is good for ``CODE_MINUTES``; entering it (``tablet_check_in_redeem``) logs out whoever was signed
in on the tablet and gives the client ``FINISH_MINUTES`` to confirm the health update and sign the
current consent if theirs is older (``tablet_check_in_complete``). The tablet session knows that
one check-in and nothing else: no account, no navigation, no other client's data. The desk sees
it arrive (``tablet_arrivals``, ``tablet_check_in_latest``) and checks the client in as usual.

Only an HMAC of the code is stored (keyed with the site's secret: a copy of the database alone
does not let anyone try codes offline). A code works once, for its appointment only, while the
appointment is booked and today. Every step is audited.
"""

import secrets
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from clinic import roles
from clinic.audit import audit_record
from clinic.compiled_queries import compiled_list
from clinic.models import ClinicProfile
from consultations.selectors import consent_to_sign, health_update_status
from consultations.services import consent_renew, health_update_submit

from .locks import appointment_lock
from .models import Appointment, TabletCheckIn

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed on a tablet
CODE_LENGTH = 8  # 40 bits, tried at most a few times a minute from one address, for minutes
CODE_MINUTES = 10
FINISH_MINUTES = 20

REFUSED = "This code does not work. Codes work once, for a few minutes: please ask at the desk for a new one."
ENDED = "This check-in has ended. Please ask at the desk."


def _digest(code: str) -> str:
    normalized = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return salted_hmac("bookings.tablet_check_in", normalized, algorithm="sha256").hexdigest()


def code_display(code: str) -> str:
    """The code as the desk reads it out: two groups of four."""
    return f"{code[:4]}-{code[4:]}"


def _refusal(appointment: Appointment, now: datetime) -> str | None:
    """Why this appointment cannot be checked in on the tablet now, or None."""
    tz = ClinicProfile.get().tz
    if appointment.status != Appointment.Status.BOOKED:
        return f"A session that is {appointment.get_status_display().lower()} cannot be checked in."
    if timezone.localtime(appointment.starts_at, tz).date() != timezone.localtime(now, tz).date():
        return "Clients can check in on the tablet on the day of their session only."
    return None


def tablet_check_in_open(*, appointment: Appointment, opened_by, request=None) -> tuple[TabletCheckIn, str]:
    """A new one-time code for ``appointment`` (booked, today), returned with its row: the code
    itself is never stored and cannot be shown again. An open code for the same appointment is
    revoked. Raises ``PermissionDenied`` for anyone but the front desk and managers,
    ``ValidationError`` for an appointment that is not booked for today."""
    roles.require(opened_by, roles.Capability.BOOK_FOR_CLIENT)
    now = timezone.now()
    with transaction.atomic():
        appointment = appointment_lock(appointment.pk)
        refusal = _refusal(appointment, now)
        if refusal:
            raise ValidationError(refusal)
        TabletCheckIn.objects.filter(
            appointment=appointment, completed_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        check_in = TabletCheckIn.objects.create(
            appointment=appointment,
            digest=_digest(code),
            opened_by=opened_by,
            created_at=now,
            expires_at=now + timedelta(minutes=CODE_MINUTES),
        )
        audit_record(
            actor=opened_by,
            action="tablet_check_in.opened",
            target=check_in,
            request=request,
            subject=appointment.client,
            details={"appointment_id": appointment.pk},
        )
    return check_in, code


def tablet_check_in_redeem(*, code: str, request=None) -> TabletCheckIn:
    """The code typed on the tablet: the check-in it opens, now started (it cannot be entered
    again) with ``FINISH_MINUTES`` to finish. Raises ``ValidationError(REFUSED)`` for an unknown,
    used, revoked or expired code, or one whose appointment is no longer booked for today (the
    same words for all: the tablet tells a guesser nothing)."""
    now = timezone.now()
    with transaction.atomic():
        found = TabletCheckIn.objects.filter(digest=_digest(code)).values_list("pk", "appointment_id").first()
        if found is None:
            raise ValidationError(REFUSED)
        appointment = appointment_lock(found[1])
        check_in = TabletCheckIn.objects.select_for_update().get(pk=found[0])
        if (
            check_in.revoked_at is not None
            or check_in.redeemed_at is not None
            or check_in.expires_at <= now
            or _refusal(appointment, now)
        ):
            raise ValidationError(REFUSED)
        check_in.redeemed_at = now
        check_in.expires_at = now + timedelta(minutes=FINISH_MINUTES)
        check_in.save(update_fields=["redeemed_at", "expires_at"])
        audit_record(
            actor=None,
            action="tablet_check_in.redeemed",
            target=check_in,
            request=request,
            subject=appointment.client,
            details={"appointment_id": appointment.pk, "opened_by": check_in.opened_by_id},
        )
    return check_in


def tablet_check_in_active(*, check_in_id, digest) -> TabletCheckIn | None:
    """The started, unfinished, unexpired check-in that a tablet session holds (its id and
    digest), with the appointment the page shows; None otherwise (also when the appointment was
    cancelled or moved meanwhile)."""
    if not isinstance(check_in_id, int) or not isinstance(digest, str):
        return None
    check_in = (
        TabletCheckIn.objects.filter(
            pk=check_in_id,
            digest=digest,
            redeemed_at__isnull=False,
            completed_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .select_related("appointment__client", "appointment__treatment", "appointment__practitioner__user")
        .first()
    )
    if check_in is None or _refusal(check_in.appointment, timezone.now()):
        return None
    return check_in


def tablet_check_in_needs(*, check_in: TabletCheckIn) -> dict:
    """What the client still has to do on the tablet: ``health`` (True when the health update
    for this session is not in yet) and ``consent`` (the consent text to sign, or None)."""
    appointment = check_in.appointment
    health = health_update_status(
        client=appointment.client, appointment_id=appointment.pk, starts_at=appointment.starts_at
    )
    return {
        "health": health.code in ("missing", "not_due"),
        "consent": consent_to_sign(client=appointment.client),
    }


def _lock_open(check_in: TabletCheckIn, now) -> tuple[Appointment, TabletCheckIn]:
    """Lock the appointment, then the check-in; raises ``ENDED`` unless the check-in is entered
    and still open and the appointment can still be checked in."""
    appointment = appointment_lock(check_in.appointment_id)
    current = TabletCheckIn.objects.select_for_update().get(pk=check_in.pk)
    if (
        current.redeemed_at is None
        or current.completed_at is not None
        or current.revoked_at is not None
        or current.expires_at <= now
        or _refusal(appointment, now)
    ):
        raise ValidationError(ENDED)
    return appointment, current


def _check_health_answer(needs: dict, anything_changed: bool | None, details: str) -> None:
    """Raises ``ValidationError`` by field when the health question is due and not answered."""
    if not needs["health"]:
        return
    errors: dict[str, list[str]] = {}
    if anything_changed is None:
        errors["anything_changed"] = ["Please answer whether anything about your health has changed."]
    if anything_changed and not (details or "").strip():
        errors["details"] = ["Please tell us what has changed."]
    if errors:
        raise ValidationError(errors)


def tablet_check_in_complete(
    *,
    check_in: TabletCheckIn,
    anything_changed: bool | None,
    details: str = "",
    full_name: str = "",
    agreed: bool = False,
    consent_version: int | None = None,
    request=None,
) -> TabletCheckIn:
    """The client's answers on the tablet, for the check-in's own appointment and client only:
    the health update (``consultations.services.health_update_submit``, as the client) when it is
    not in yet, the current consent (``consent_renew``) when theirs is older. Then the check-in is
    finished and cannot be used again. All or nothing: raises ``ValidationError`` (by field where
    it can be) for a missing answer, or ``ENDED`` when the check-in is no longer open."""
    now = timezone.now()
    with transaction.atomic():
        appointment, current = _lock_open(check_in, now)
        client = appointment.client
        needs = tablet_check_in_needs(check_in=current)
        _check_health_answer(needs, anything_changed, details)
        if needs["health"]:
            tz = ClinicProfile.get().tz
            health_update_submit(
                client=client,
                appointment_id=appointment.pk,
                session_date=timezone.localtime(appointment.starts_at, tz).date(),
                anything_changed=bool(anything_changed),
                details=details,
                submitted_by=client,
                request=request,
            )
        if needs["consent"] is not None:
            consent_renew(
                client=client,
                full_name=full_name,
                agreed=agreed,
                consent_version=consent_version,
                appointment_id=appointment.pk,
                request=request,
            )
        current.completed_at = now
        current.save(update_fields=["completed_at"])
        audit_record(
            actor=client,
            action="tablet_check_in.completed",
            target=current,
            request=request,
            subject=client,
            details={
                "appointment_id": appointment.pk,
                "opened_by": current.opened_by_id,
                "health_update": needs["health"],
                "consent_version": needs["consent"].version if needs["consent"] else None,
            },
        )
    return current


def tablet_check_in_latest(*, appointment_id: int) -> TabletCheckIn | None:
    """The newest tablet check-in of an appointment made today, for the desk's view of it."""
    tz = ClinicProfile.get().tz
    today = timezone.localtime(timezone.now(), tz).date()
    check_in = TabletCheckIn.objects.filter(appointment_id=appointment_id, revoked_at__isnull=True).first()
    if check_in is None or timezone.localtime(check_in.created_at, tz).date() != today:
        return None
    return check_in


def tablet_arrivals(*, day: date, tz) -> dict[int, datetime]:
    """Appointment id -> when the client finished on the tablet, for the appointments of ``day``
    in the clinic's zone ``tz`` (one query, compiled once: the desk's day runs it on each view)."""
    start = timezone.make_aware(datetime.combine(day, time(0)), tz)
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time(0)), tz)
    return dict(compiled_list(_arrivals_query, range_start=start, range_end=end))


def _arrivals_query(*, range_start, range_end):
    return TabletCheckIn.objects.filter(
        completed_at__isnull=False, appointment__starts_at__gte=range_start, appointment__starts_at__lt=range_end
    ).values_list("appointment_id", "completed_at")
