"""The clinic's clock: what day it is at the clinic, a wall-clock time on a day there, and the
middleware that renders every page in the clinic's time zone.

The clinic has one time zone (``ClinicProfile.time_zone``); stored instants are UTC. Templates'
``|date`` and ``|time`` show the active time zone, which ``ClinicTimeZoneMiddleware`` sets for each
request, so no view, filter or template block converts on its own.
"""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.utils import timezone

from .models import ClinicProfile
from .setup_cache import setup_cache_request


def clinic_today() -> date:
    """Today's date on the clinic's wall clock."""
    return timezone.localdate(timezone.now(), ClinicProfile.get().tz)


def local_time_on(day: date, at: time, tz: ZoneInfo | None = None) -> datetime:
    """``at`` (say 09:00) on ``day`` on the clinic's wall clock, as an aware instant: when a dated
    message goes out. ``tz`` saves a query where the caller has the clinic's zone already."""
    return datetime.combine(day, at, tzinfo=tz or ClinicProfile.get().tz)


class ClinicTimeZoneMiddleware:
    """Activate the clinic's time zone for the request (and keep its profile on
    ``request.clinic_profile``), so that templates show the clinic's wall-clock time whatever the
    server's zone. Views and the page shell read the profile from the request: one query a request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with setup_cache_request():
            profile = ClinicProfile.get()
            request.clinic_profile = profile
            timezone.activate(profile.tz)
            try:
                return self.get_response(request)
            finally:
                timezone.deactivate()
