"""Selling a course package to a client."""

import uuid
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic import roles
from clinic.audit import audit_record
from clinic.locations import location_tz
from clinic.locks import users_lock
from consultations.selectors import clearance_check

from ..models import LedgerEntry, Package, PackageSale
from .ledger import charge_record


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it has fewer days)."""
    import calendar

    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _clearance_required(*, client, package: Package, today: date) -> None:
    if not package.treatment.needs_clearance:
        return
    clearance = clearance_check(
        client=client, treatment_slug=package.treatment.slug, areas=list(package.areas), on=today
    )
    if not clearance.ok:
        raise ValidationError(
            f"A package can be sold only to a client cleared for its treatment and areas: {clearance.message}",
            code="not_cleared",
        )


def package_sell(*, client, package: Package, sold_by, key: str = "", request=None) -> PackageSale:
    """Sell ``package`` to ``client`` at the package's location: the sale (what was sold is copied:
    sessions, price, tax, areas; it expires ``validity_months`` after today) and its charge on the
    client's account, in one transaction. Payment is taken separately (``payment_take``).

    Idempotent on ``key`` (the form's): a double click sells one package. Raises
    ``PermissionDenied`` for anyone but the desk and managers, ``ValidationError`` for a package no
    longer on sale or a client not cleared for its treatment and areas today."""
    roles.require(sold_by, roles.Capability.TAKE_PAYMENTS)
    key = key or uuid.uuid4().hex
    if not package.is_active:
        raise ValidationError("This package is no longer on sale.")
    today = timezone.localtime(timezone.now(), location_tz(package.location_id)).date()
    _clearance_required(client=client, package=package, today=today)
    charge_key = f"package:{key}"
    with transaction.atomic():
        users_lock(client.pk)
        charged = LedgerEntry.objects.filter(idempotency_key=charge_key).select_related("package_sale").first()
        if charged is not None and charged.package_sale is not None:
            return charged.package_sale
        sale = PackageSale.objects.create(
            client=client,
            package=package,
            location_id=package.location_id,
            treatment_id=package.treatment_id,
            areas=sorted(package.areas),
            sessions=package.sessions,
            price=package.price,
            tax_rate=package.tax_rate,
            sold_by=sold_by,
            expires_on=add_months(today, package.validity_months),
        )
        charge_record(
            client=client,
            location_id=package.location_id,
            amount=package.price,
            tax_rate=package.tax_rate,
            charge_for=LedgerEntry.ChargeFor.PACKAGE,
            description=f"{package.name} ({package.sessions} sessions, {package.area_labels})",
            key=charge_key,
            recorded_by=sold_by,
            package_sale=sale,
            request=request,
        )
        audit_record(
            actor=sold_by,
            action="package.sold",
            target=sale,
            request=request,
            subject=client,
            details={"package": package.pk, "price": str(package.price), "expires_on": sale.expires_on.isoformat()},
        )
    return sale
