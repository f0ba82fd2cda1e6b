"""Demo money for `make run` (idempotent: every write has a fixed key or is got-or-created).

- Session prices for micro-needling at every active location (20% VAT), and two course packages
  per location priced below three single sessions.
- One client's course package sold, one of its sessions used by a completed session, paid on the
  card terminal, and part of it refunded.
- Another client's completed session charged at the list price and part-paid in cash: a balance
  to collect at the desk.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from bookings.models import Appointment, Treatment
from clinic import roles
from clinic.models import Location

from .models import LedgerEntry, Package, PackageUse, Price
from .services import charge_record, package_sell, payment_take, refund_make
from .services.sessions import _package_use

PRICES = {
    ("face",): Decimal("180.00"),
    ("neck",): Decimal("120.00"),
    ("decolletage",): Decimal("130.00"),
    ("face", "neck"): Decimal("240.00"),
    ("abdomen",): Decimal("200.00"),
    ("thighs",): Decimal("200.00"),
}
PACKAGES = [
    ("Face course of 3", ("face",), Decimal("460.00")),
    ("Face and neck course of 3", ("face", "neck"), Decimal("620.00")),
]


def _price_list(treatment) -> int:
    made = 0
    offered = set(treatment.areas.values_list("area", flat=True))
    for location in Location.objects.filter(is_active=True):
        for areas, amount in PRICES.items():
            if not set(areas) <= offered:
                continue
            _, created = Price.objects.get_or_create(
                treatment=treatment,
                areas=sorted(areas),
                location=location,
                is_active=True,
                defaults={"amount": amount, "tax_rate": Decimal("20.00")},
            )
            made += created
        for name, areas, price in PACKAGES:
            if set(areas) <= offered:
                Package.objects.get_or_create(
                    name=name,
                    treatment=treatment,
                    location=location,
                    defaults={"areas": sorted(areas), "sessions": 3, "price": price, "validity_months": 12},
                )
    return made


def _sold_and_part_used(completed, desk) -> bool:
    """A package matching a completed session, sold, that session using it, paid and part
    refunded."""
    for appointment in completed:
        package = Package.objects.filter(
            treatment=appointment.treatment, areas=sorted(appointment.areas), location=appointment.room.location
        ).first()
        if package is None:
            continue
        try:
            with transaction.atomic():
                sale = package_sell(client=appointment.client, package=package, sold_by=desk, key="demo-sale")
                if not PackageUse.objects.filter(appointment=appointment).exists():
                    _package_use(appointment=appointment, reason=PackageUse.Reason.COMPLETED, by=desk)
                payment = payment_take(
                    client=appointment.client,
                    location_id=sale.location_id,
                    amount=sale.price,
                    method=LedgerEntry.Method.CARD_TERMINAL,
                    key="demo-package-payment",
                    taken_by=desk,
                )
                refund_make(
                    payment=payment,
                    amount=Decimal("20.00"),
                    method=LedgerEntry.Method.CARD_TERMINAL,
                    key="demo-refund",
                    reason="Goodwill: the session started late",
                    refunded_by=desk,
                )
            return True
        except ValidationError:
            continue  # not cleared for it today: try the next client
    return False


def _charged_and_part_paid(completed, desk, skip_client_id) -> bool:
    for appointment in completed:
        if appointment.client_id == skip_client_id or PackageUse.objects.filter(appointment=appointment).exists():
            continue
        price = Price.objects.filter(
            treatment=appointment.treatment,
            areas=sorted(appointment.areas),
            location=appointment.room.location,
            is_active=True,
        ).first()
        if price is None:
            continue
        with transaction.atomic():
            charge_record(
                client=appointment.client,
                location_id=appointment.room.location_id,
                amount=price.amount,
                tax_rate=price.tax_rate,
                charge_for=LedgerEntry.ChargeFor.SESSION,
                description=f"{appointment.treatment.name}: {appointment.area_labels}",
                key=f"session:{appointment.pk}",
                recorded_by=desk,
                appointment=appointment,
            )
            payment_take(
                client=appointment.client,
                location_id=appointment.room.location_id,
                amount=Decimal("100.00"),
                method=LedgerEntry.Method.CASH,
                key="demo-session-payment",
                taken_by=desk,
                appointment=appointment,
            )
        return True
    return False


def seed(people, stdout=None) -> None:
    treatment = Treatment.objects.filter(slug="microneedling").first()
    if treatment is None:
        return
    made = _price_list(treatment)
    desks = people["staff"].get(roles.Role.FRONT_DESK) or people["staff"].get(roles.Role.MANAGER)
    desk = desks[0]
    completed = list(
        Appointment.objects.filter(status=Appointment.Status.COMPLETED, treatment=treatment)
        .select_related("client", "treatment", "room__location")
        .order_by("starts_at", "pk")
    )
    sold = _sold_and_part_used(completed, desk)
    sale_client_id = (
        LedgerEntry.objects.filter(idempotency_key="package:demo-sale").values_list("client_id", flat=True).first()
    )
    charged = LedgerEntry.objects.filter(idempotency_key="demo-session-payment").exists() or _charged_and_part_paid(
        completed, desk, sale_client_id
    )
    if stdout is not None:
        stdout.write(
            f"Payments: {made} price{'s' if made != 1 else ''} added; a package sold and part-used: "
            f"{'yes' if sold else 'no'}; a session charged and part-paid: {'yes' if charged else 'no'}."
        )
