"""What every booking screen shares: access checks and parsing small inputs. (The clinic's clock
and time zone are ``clinic.clock``'s: its middleware renders every page in the clinic's zone.)"""

from collections.abc import Callable
from datetime import date, datetime
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from clinic import roles


def needs(capability: roles.Capability) -> Callable:
    """Logged in, and allowed to do ``capability`` (403 otherwise)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not roles.can(request.user, capability):
                raise PermissionDenied("You do not have access to this page.")
            return view(request, *args, **kwargs)

        return login_required(wrapper)

    return decorator


# Days further than this from today are a typed or tampered address, not a schedule to show.
FARTHEST_DAYS = 5 * 366


def parse_day(value: str | None, default: date) -> date:
    """A day from a query string; anything unreadable or absurdly far away gives ``default``."""
    try:
        parsed = date.fromisoformat(value) if value else default
    except ValueError:
        return default
    if parsed is not None and abs((parsed - timezone.localdate()).days) > FARTHEST_DAYS:
        return default
    return parsed


def parse_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def parse_instant(value: str | None) -> datetime | None:
    """An ISO instant from a form; None unless it is aware (a naive one is a tampered form)."""
    try:
        parsed = datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    if parsed is None or parsed.tzinfo is None:
        return None
    return parsed


def safe_next(request, fallback: str) -> str:
    """The page to go back to after an action: the form's ``next`` when it is a page of this
    site, else ``fallback`` (a tampered ``next`` must not send staff to another site)."""
    wanted = request.POST.get("next") or request.GET.get("next")
    # Only a path of this site: "NaN" would pass the host check and then be taken by redirect()
    # for a view name (a 500).
    if (
        wanted
        and wanted.startswith("/")
        and url_has_allowed_host_and_scheme(
            wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return wanted
    return fallback
