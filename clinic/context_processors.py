from django.utils.functional import SimpleLazyObject

from . import roles
from .models import ClinicProfile
from .navigation import navigation_for


def _delay_alert() -> str:
    from .outbox import outbox_delay_alert

    return outbox_delay_alert()[1]


def _footer(request, profile):
    """Whose address the footer shows: the location the page is about (set on the request by the
    views that know it), else the one location, else none (the clinic's name only: with several
    locations a page about none of them names no address, rather than the first one's)."""
    from .locations import clinic_at, several_locations

    location = getattr(request, "page_location", None)
    if location is not None:
        return clinic_at(location)
    if several_locations():
        return None
    return profile


def clinic_shell(request):
    """What every page's shell needs: the clinic, the user's role and their navigation; and for
    managers, "Messages are delayed..." when the dispatcher has stalled (one query, made only when
    a page shows it; none for anyone else)."""
    user = getattr(request, "user", None)
    role = roles.primary_role(user) if user is not None else None
    profile = getattr(request, "clinic_profile", None) or ClinicProfile.get()
    return {
        "clinic": profile,
        "footer_place": SimpleLazyObject(lambda: _footer(request, profile) or ""),
        "user_role": role,
        "user_role_label": roles.ROLE_LABELS.get(role, "") if role else "",
        "nav_items": navigation_for(user, request.path),
        "outbox_delay": SimpleLazyObject(_delay_alert) if role == roles.Role.MANAGER else "",
    }
