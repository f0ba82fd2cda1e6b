"""The price list and the packages on sale, kept by managers."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from clinic import roles
from clinic.audit import audit_record

from ..models import Package, Price
from ..money import money_checked


def _areas_checked(treatment, areas) -> list[str]:
    areas = sorted(set(areas or ()))
    if not areas:
        raise ValidationError({"areas": ["Choose at least one area."]})
    offered = set(treatment.areas.values_list("area", flat=True))
    unknown = [a for a in areas if a not in offered]
    if unknown:
        raise ValidationError({"areas": [f"{treatment.name} does not cover: {', '.join(unknown)}."]})
    return areas


def _tax_checked(tax_rate) -> Decimal:
    rate = Decimal(tax_rate)
    if rate < 0 or rate >= 100:
        raise ValidationError({"tax_rate": ["A tax rate is a percentage from 0 to 99.99."]})
    return rate


def price_save(*, treatment, areas, location, amount, tax_rate, saved_by, request=None) -> Price:
    """Set the price of a session of ``treatment`` on ``areas`` at ``location``. A changed price
    is a new row (the old one is retired), so what was charged before stays explained."""
    roles.require(saved_by, roles.Capability.MANAGE_CLINIC)
    areas = _areas_checked(treatment, areas)
    amount = money_checked(Decimal(amount))
    tax_rate = _tax_checked(tax_rate)
    with transaction.atomic():
        current = (
            Price.objects.select_for_update()
            .filter(treatment=treatment, areas=areas, location=location, is_active=True)
            .first()
        )
        if current is not None and current.amount == amount and current.tax_rate == tax_rate:
            return current
        if current is not None:
            current.is_active = False
            current.save(update_fields=["is_active"])
        price = Price.objects.create(
            treatment=treatment, areas=areas, location=location, amount=amount, tax_rate=tax_rate
        )
        audit_record(
            actor=saved_by,
            action="price.saved",
            target=price,
            request=request,
            details={"amount": str(amount), "tax_rate": str(tax_rate), "replaces": current.pk if current else None},
        )
    return price


def package_save(
    *,
    name: str,
    treatment,
    areas,
    location,
    sessions: int,
    price,
    tax_rate,
    validity_months: int,
    saved_by,
    package: Package | None = None,
    is_active: bool = True,
    request=None,
) -> Package:
    """Create a package, or change one (sales already made keep what they were sold)."""
    roles.require(saved_by, roles.Capability.MANAGE_CLINIC)
    areas = _areas_checked(treatment, areas)
    price = money_checked(Decimal(price))
    tax_rate = _tax_checked(tax_rate)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": ["Give the package a name."]})
    if sessions < 1:
        raise ValidationError({"sessions": ["A package has at least one session."]})
    if validity_months < 1:
        raise ValidationError({"validity_months": ["A package is valid for at least one month."]})
    fields = {
        "name": name[:120],
        "treatment": treatment,
        "areas": areas,
        "location": location,
        "sessions": sessions,
        "price": price,
        "tax_rate": tax_rate,
        "validity_months": validity_months,
        "is_active": is_active,
    }
    with transaction.atomic():
        if package is None:
            package = Package.objects.create(**fields)
        else:
            for name_, value in fields.items():
                setattr(package, name_, value)
            package.save(update_fields=list(fields))
        audit_record(
            actor=saved_by,
            action="package.saved",
            target=package,
            request=request,
            details={"price": str(price), "sessions": sessions},
        )
    return package
