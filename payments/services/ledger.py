"""The client's ledger: charges, payments and refunds. Rows are only ever inserted.

Every writer locks the client's row first (``clinic.locks.users_lock``: people first, by id, in
every app), then the receipt counter of the location: two desks taking money from one client
go in turn, and two payments at one location take consecutive receipt numbers."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from clinic import roles
from clinic.audit import audit_record
from clinic.locks import users_lock

from ..models import LedgerEntry
from ..money import money_checked, money_label
from ..receipts import receipt_issue

Kind = LedgerEntry.Kind


def _key_checked(key: str) -> str:
    key = (key or "").strip()
    if not key or len(key) > 100:
        raise ValidationError("This form has expired: open it again.", code="idempotency_key_missing")
    return key


def _already_recorded(key: str, **expected) -> LedgerEntry | None:
    """The entry a double submit of the same form already wrote, or None. The same key with other
    figures is refused (a reused form), never silently taken as the first."""
    entry = LedgerEntry.objects.filter(idempotency_key=key).first()
    if entry is None:
        return None
    for name, value in expected.items():
        if getattr(entry, name) != value:
            raise ValidationError(
                "This form was already used for another entry: open it again.", code="idempotency_key_reused"
            )
    return entry


def _insert(entry: LedgerEntry) -> LedgerEntry:
    """Insert ``entry``; a concurrent insert with the same key (two desks, a double click) makes
    this one return the row that won instead."""
    try:
        with transaction.atomic():
            entry.save(force_insert=True)
    except IntegrityError:
        existing = LedgerEntry.objects.filter(idempotency_key=entry.idempotency_key).first()
        if existing is None:
            raise
        return existing
    return entry


def charge_record(
    *,
    client,
    location_id: int,
    amount: Decimal,
    charge_for: str,
    description: str,
    key: str,
    recorded_by,
    tax_rate: Decimal = Decimal("0"),
    appointment=None,
    package_sale=None,
    request=None,
) -> LedgerEntry:
    """Charge ``client`` (a session, a package, a fee). Idempotent on ``key``. Raises
    ``ValidationError`` for an amount that is not more than zero. Runs inside the caller's
    transaction when there is one (a package sale, a completed session)."""
    amount = money_checked(Decimal(amount))
    key = _key_checked(key)
    with transaction.atomic():
        users_lock(client.pk)
        existing = _already_recorded(key, kind=Kind.CHARGE, client_id=client.pk)
        if existing is not None:
            return existing
        entry = _insert(
            LedgerEntry(
                client=client,
                location_id=location_id,
                kind=Kind.CHARGE,
                amount=amount,
                tax_rate=tax_rate,
                charge_for=charge_for,
                description=description[:200],
                appointment=appointment,
                package_sale=package_sale,
                idempotency_key=key,
                recorded_by=recorded_by if getattr(recorded_by, "is_authenticated", False) else None,
            )
        )
        audit_record(
            actor=recorded_by,
            action="ledger.charge",
            target=entry,
            request=request,
            subject=client,
            details={"amount": str(amount), "for": charge_for},
        )
    return entry


def payment_take(
    *,
    client,
    location_id: int,
    amount,
    method: str,
    key: str,
    taken_by,
    appointment=None,
    tax_rate: Decimal | None = None,
    request=None,
) -> LedgerEntry:
    """Record money the client paid at the desk (card on the clinic's own terminal, cash, bank
    transfer, voucher) and issue its numbered receipt, e-mailed through the outbox.

    Idempotent on ``key`` (the form's): a double click or two desks submitting the same form
    record one payment. Raises ``PermissionDenied`` for anyone but the desk and managers,
    ``ValidationError`` for an amount that is not more than zero or an unknown method; nothing is
    written then."""
    roles.require(taken_by, roles.Capability.TAKE_PAYMENTS)
    amount = money_checked(Decimal(amount))
    if method not in LedgerEntry.Method.values:
        raise ValidationError({"method": ["Choose how the client paid."]})
    key = _key_checked(key)
    if tax_rate is None:
        tax_rate = _tax_rate_of_latest_charge(client_id=client.pk, appointment=appointment)
    with transaction.atomic():
        users_lock(client.pk)
        existing = _already_recorded(key, kind=Kind.PAYMENT, client_id=client.pk, amount=amount)
        if existing is not None:
            return existing
        entry = _insert(
            LedgerEntry(
                client=client,
                location_id=location_id,
                kind=Kind.PAYMENT,
                amount=amount,
                method=method,
                tax_rate=tax_rate,
                appointment=appointment,
                description=_payment_description(appointment),
                idempotency_key=key,
                recorded_by=taken_by,
                recorded_at=timezone.now(),
            )
        )
        receipt = receipt_issue(entry=entry)
        audit_record(
            actor=taken_by,
            action="ledger.payment",
            target=entry,
            request=request,
            subject=client,
            details={"amount": str(amount), "method": method, "receipt": receipt.label},
        )
    return entry


def _payment_description(appointment) -> str:
    if appointment is None:
        return "Payment on account"
    return f"{appointment.treatment.name}: {appointment.area_labels}"


def _tax_rate_of_latest_charge(*, client_id: int, appointment=None) -> Decimal:
    """The tax rate a payment's receipt shows: that of the charge it most likely pays (the
    appointment's, else the client's latest charge), else none."""
    charges = LedgerEntry.objects.filter(client_id=client_id, kind=Kind.CHARGE)
    if appointment is not None and charges.filter(appointment=appointment).exists():
        charges = charges.filter(appointment=appointment)
    rate = charges.order_by("-recorded_at", "-pk").values_list("tax_rate", flat=True).first()
    return rate if rate is not None else Decimal("0")


def refundable(payment: LedgerEntry) -> Decimal:
    """What is left to refund of ``payment``: its amount less its refunds."""
    refunded = payment.refunds.aggregate(total=Sum("amount"))["total"] or Decimal("0")
    return payment.amount - refunded


def refund_make(
    *, payment: LedgerEntry, amount, method: str, key: str, refunded_by, reason: str = "", request=None
) -> LedgerEntry:
    """Give back (part of) a payment: a refund entry pointing to it, with its own receipt. The
    payment itself is never changed. Raises ``ValidationError`` for an amount that is not more
    than zero or more than what remains refundable of that payment (earlier refunds count; the
    client's row lock makes two desks refunding at once go in turn)."""
    roles.require(refunded_by, roles.Capability.TAKE_PAYMENTS)
    amount = money_checked(Decimal(amount))
    if method not in LedgerEntry.Method.values:
        raise ValidationError({"method": ["Choose how the money goes back."]})
    key = _key_checked(key)
    with transaction.atomic():
        users_lock(payment.client_id)
        payment = LedgerEntry.objects.select_related("client").get(pk=payment.pk)
        if payment.kind != Kind.PAYMENT:
            raise ValidationError("Only a payment can be refunded.")
        existing = _already_recorded(key, kind=Kind.REFUND, refund_of_id=payment.pk, amount=amount)
        if existing is not None:
            return existing
        left = refundable(payment)
        if amount > left:
            raise ValidationError(
                {
                    "amount": [
                        f"At most {money_label(left)} of this payment can be refunded "
                        f"({money_label(payment.amount)} paid, {money_label(payment.amount - left)} already refunded)."
                    ]
                }
            )
        entry = _insert(
            LedgerEntry(
                client=payment.client,
                location_id=payment.location_id,
                kind=Kind.REFUND,
                amount=amount,
                method=method,
                tax_rate=payment.tax_rate,
                refund_of=payment,
                appointment_id=payment.appointment_id,
                # No free text in the ledger (it is kept when a client is forgotten): the reason
                # goes to the audit entry.
                description=f"Refund of a {payment.get_method_display().lower()} payment",
                idempotency_key=key,
                recorded_by=refunded_by,
            )
        )
        receipt = receipt_issue(entry=entry)
        audit_record(
            actor=refunded_by,
            action="ledger.refund",
            target=entry,
            request=request,
            subject=payment.client,
            details={"amount": str(amount), "payment": payment.pk, "receipt": receipt.label, "reason": reason[:300]},
        )
    return entry
