"""What a session costs when it ends: a completed session uses a prepaid session of a valid
package or is charged at the price list's price; a no-show or a late cancellation by the client
uses one or is charged a fee, as the clinic's policy says (``PAYMENTS_MISSED_SESSION_POLICY``:
"use_session" or "charge_fee"; ``PAYMENTS_MISSED_SESSION_FEE``).

bookings calls these through its status hooks (``bookings.status_hooks``, registered in
``PaymentsConfig.ready``), inside the status change's transaction with the client's row and the
appointment locked; the package's row is locked here too, so two sessions completed at once
never use more sessions than were sold (the database's check holds the same)."""

from decimal import Decimal

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from clinic.audit import audit_record
from clinic.dates import date_label
from clinic.locations import location_tz

from ..models import LedgerEntry, PackageSale, PackageUse
from ..selectors.prices import price_for
from .ledger import charge_record

USE_SESSION = "use_session"
CHARGE_FEE = "charge_fee"


def missed_session_policy() -> str:
    return getattr(settings, "PAYMENTS_MISSED_SESSION_POLICY", USE_SESSION)


def missed_session_fee() -> Decimal:
    return Decimal(str(getattr(settings, "PAYMENTS_MISSED_SESSION_FEE", "0")))


def _session_day(appointment):
    return timezone.localtime(appointment.starts_at, location_tz(appointment.room.location_id)).date()


def _package_use(*, appointment, reason: str, by) -> PackageUse | None:
    """Use one session of the client's valid package for this treatment and these areas (the one
    that expires first), or None when there is none. Locks the packages' rows first."""
    day = _session_day(appointment)
    candidates = list(
        PackageSale.objects.filter(
            client_id=appointment.client_id,
            treatment_id=appointment.treatment_id,
            areas=sorted(appointment.areas),
            sessions_used__lt=F("sessions"),
            expires_on__gte=day,
        )
        .order_by("pk")
        .select_for_update()
    )
    if not candidates:
        return None
    sale = min(candidates, key=lambda s: (s.expires_on, s.pk))
    sale.sessions_used += 1
    sale.save(update_fields=["sessions_used"])
    use = PackageUse.objects.create(sale=sale, appointment=appointment, number=sale.sessions_used, reason=reason)
    audit_record(
        actor=by,
        action="package.session_used",
        target=sale,
        subject=appointment.client,
        details={"appointment": appointment.pk, "number": use.number, "reason": reason},
    )
    return use


def _expired_note(appointment) -> str:
    """ " (package expired on …)" when the client has an expired package that would have covered
    this session: the desk sees why it was charged."""
    expired = (
        PackageSale.objects.filter(
            client_id=appointment.client_id,
            treatment_id=appointment.treatment_id,
            areas=sorted(appointment.areas),
            sessions_used__lt=F("sessions"),
            expires_on__lt=_session_day(appointment),
        )
        .order_by("-expires_on")
        .values_list("expires_on", flat=True)
        .first()
    )
    return f" (package expired on {date_label(expired)})" if expired else ""


def on_session_completed(*, appointment, by) -> None:
    """A completed session uses a prepaid session, else is charged its price (an expired package is
    not used: the charge says so). No price for it in the list: nothing is charged."""
    if PackageUse.objects.filter(appointment=appointment).exists():
        return
    if _package_use(appointment=appointment, reason=PackageUse.Reason.COMPLETED, by=by) is not None:
        return
    price = price_for(
        treatment_id=appointment.treatment_id, areas=appointment.areas, location_id=appointment.room.location_id
    )
    if price is None:
        return
    charge_record(
        client=appointment.client,
        location_id=appointment.room.location_id,
        amount=price.amount,
        tax_rate=price.tax_rate,
        charge_for=LedgerEntry.ChargeFor.SESSION,
        description=f"{appointment.treatment.name}: {appointment.area_labels}{_expired_note(appointment)}",
        key=f"session:{appointment.pk}",
        recorded_by=by,
        appointment=appointment,
    )


def on_session_missed(*, appointment, by) -> None:
    """A no-show, or a late cancellation by the client (a cancellation by the clinic, or in time,
    costs nothing): per the policy, a prepaid session is used (none valid: the fee is charged), or
    the fee is charged. A fee of zero charges nothing."""
    from bookings.models import Appointment

    if appointment.status == Appointment.Status.CANCELLED:
        if not appointment.cancellation_late or appointment.cancelled_by_party != Appointment.CancelledBy.CLIENT:
            return
        reason = PackageUse.Reason.LATE_CANCELLATION
    elif appointment.status == Appointment.Status.NO_SHOW:
        reason = PackageUse.Reason.NO_SHOW
    else:
        return
    if missed_session_policy() == USE_SESSION:
        if _package_use(appointment=appointment, reason=reason, by=by) is not None:
            return
    fee = missed_session_fee()
    if fee <= 0:
        return
    label = PackageUse.Reason(reason).label
    charge_record(
        client=appointment.client,
        location_id=appointment.room.location_id,
        amount=fee,
        tax_rate=Decimal("0"),
        charge_for=LedgerEntry.ChargeFor.FEE,
        description=f"{label} fee: {appointment.treatment.name}, {date_label(_session_day(appointment))}",
        key=f"fee:{appointment.pk}",
        recorded_by=by,
        appointment=appointment,
    )
