"""The sessions of a scope: every appointment whose local day (at its location) is in the period,
cut by location, practitioner or room. The other selectors start here."""

from django.db.models import F, Q, QuerySet

from bookings.models import Appointment

from .scope import LocalDate, Scope, location_zone


def sessions_in(scope: Scope) -> QuerySet:
    """Appointments of the scope, each annotated with ``zone`` (its location's) and ``local_day``."""
    start, end = scope.coarse_bounds()
    sure_start, sure_end = scope.sure_bounds()
    # The cheap test first: both databases stop at the first true arm of an OR, so only the
    # sessions of the period's first and last hours pay for the conversion to local time.
    on_the_days = Q(starts_at__gte=sure_start, starts_at__lt=sure_end) | Q(
        local_day__gte=scope.first_day, local_day__lte=scope.last_day
    )
    return (
        Appointment.objects.filter(scope.appointment_filter(), starts_at__gte=start, starts_at__lt=end)
        .annotate(zone=location_zone(), local_day=LocalDate(F("starts_at"), F("zone")))
        .filter(on_the_days)
        .order_by()
    )
