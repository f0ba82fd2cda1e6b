"""The price of a session, and whether a prepaid session covers it."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from clinic.locations import location_tz

from ..models import PackageSale, Price


def price_for(*, treatment_id: int, areas, location_id: int) -> Price | None:
    """The active price of a session of this treatment on exactly these areas at this location."""
    return (
        Price.objects.filter(
            treatment_id=treatment_id, areas=sorted(set(areas or ())), location_id=location_id, is_active=True
        )
        .order_by("-pk")
        .first()
    )


@dataclass(frozen=True)
class SessionCost:
    price: Price | None
    prepaid_by: PackageSale | None  # the package whose session it would use
    expired: PackageSale | None  # a package that would have covered it but has expired

    @property
    def amount(self) -> Decimal | None:
        return self.price.amount if self.price else None


def session_cost(appointment) -> SessionCost:
    """What ``appointment`` costs: its price and the package it would use when completed. Three
    queries at most."""
    location_id = appointment.room.location_id
    day: date = timezone.localtime(appointment.starts_at, location_tz(location_id)).date()
    sales = list(
        PackageSale.objects.filter(
            client_id=appointment.client_id,
            treatment_id=appointment.treatment_id,
            areas=sorted(appointment.areas),
            sessions_used__lt=F("sessions"),
        ).order_by("expires_on", "pk")
    )
    valid = [s for s in sales if s.expires_on >= day]
    expired = [s for s in sales if s.expires_on < day]
    used = getattr(appointment, "_payments_use", None)
    return SessionCost(
        price=price_for(treatment_id=appointment.treatment_id, areas=appointment.areas, location_id=location_id),
        prepaid_by=used or (valid[0] if valid else None),
        expired=expired[-1] if expired and not valid else None,
    )
