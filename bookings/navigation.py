"""The booking screens in the shell's navigation and on the home pages."""

from datetime import datetime, time, timedelta

from django.urls import reverse
from django.utils import timezone

from clinic.clock import clinic_today
from clinic.dates import date_label
from clinic.models import ClinicProfile
from clinic.navigation import NavItem
from clinic.roles import Capability, Role

NAV_ITEMS = [
    NavItem("Book a session", "book_start", role=Role.CLIENT, order=20),
    NavItem("My appointments", "my_appointments", role=Role.CLIENT, order=21),
    NavItem("My course", "my_course", role=Role.CLIENT, order=22),
    NavItem("Day", "desk_day", capability=Capability.VIEW_SCHEDULE, order=20),
    NavItem("Week", "desk_week", capability=Capability.VIEW_SCHEDULE, order=21),
    NavItem("Clients", "desk_clients", capability=Capability.BOOK_FOR_CLIENT, order=22),
    NavItem("Waitlist", "desk_waitlist", capability=Capability.BOOK_FOR_CLIENT, order=23),
    NavItem("My day", "practice_day", role=Role.PRACTITIONER, order=15),
]


def _arrival_words(moment, tz) -> dict:
    local = timezone.localtime(moment, tz)
    return {"day": date_label(local, "day"), "time": f"{local:%H:%M}"}


def dashboard_panels(request) -> list[dict]:
    from clinic import roles

    from .selectors.client import client_appointment_lists

    user = request.user
    if roles.is_client(user) and not roles.is_staff_member(user):
        upcoming = client_appointment_lists(client=user).upcoming
        tz = ClinicProfile.get().tz
        return [
            {
                "template": "bookings/_panel_client.html",
                "next": upcoming[0] if upcoming else None,
                # Formatted here: the home page is not rendered in the clinic's zone, and the
                # template's date filter would turn an aware time back into the server's.
                "arrives": _arrival_words(upcoming[0].starts_at, tz) if upcoming else None,
                "count": len(upcoming),
            }
        ]
    if roles.can(user, Capability.VIEW_SCHEDULE):
        return [
            {
                "template": "bookings/_panel_staff.html",
                "day_url": reverse("desk_day"),
                "today": _todays_sessions(user),
                "is_practitioner": Role.PRACTITIONER in roles.roles_of(user),
            }
        ]
    return []


def _todays_sessions(user) -> dict:
    """Today's sessions at the clinic and, for a practitioner, their own: one query."""
    from django.db.models import Count, Q

    from bookings.models import Appointment

    tz = ClinicProfile.get().tz
    today = clinic_today()
    start = timezone.make_aware(datetime.combine(today, time(0)), tz)
    rows = Appointment.objects.filter(
        starts_at__gte=start, starts_at__lt=start + timedelta(days=1), status__in=Appointment.ACTIVE_STATUSES
    ).aggregate(
        total=Count("pk"),
        mine=Count("pk", filter=Q(practitioner__user=user)),
        waiting=Count("pk", filter=Q(status=Appointment.Status.CHECKED_IN)),
    )
    return rows
