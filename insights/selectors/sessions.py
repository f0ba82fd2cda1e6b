"""The sessions of a scope: every appointment whose local day (at its location) is in the period,
cut by location, practitioner or room. The other selectors start here."""

from django.db.models import F, Q, QuerySet

from bookings.models import Appointment

from .scope import LocalDate, Scope, location_zone


def in_scope(scope: Scope) -> Q:
    """The scope's cut and period, for appointments annotated with ``local_day`` and inside the
    coarse bounds. The cheap test first: both databases stop at the first true arm of an OR,
    so only the sessions of the period's first and last hours pay for the conversion to local
    time."""
    sure_start, sure_end = scope.sure_bounds()
    on_the_days = Q(starts_at__gte=sure_start, starts_at__lt=sure_end) | Q(
        local_day__gte=scope.first_day, local_day__lte=scope.last_day
    )
    return scope.appointment_filter() & on_the_days


def with_local_day(appointments: QuerySet) -> QuerySet:
    return appointments.annotate(zone=location_zone(), local_day=LocalDate(F("starts_at"), F("zone")))


def sessions_in(scope: Scope) -> QuerySet:
    """Appointments of the scope, each annotated with ``zone`` (its location's) and ``local_day``."""
    start, end = scope.coarse_bounds()
    around = Appointment.objects.filter(starts_at__gte=start, starts_at__lt=end)
    return with_local_day(around).filter(in_scope(scope)).order_by()
