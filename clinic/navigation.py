"""The navigation of the page shell, by role.

Each app lists its entries in its own ``navigation.NAV_ITEMS`` (label, url name, capability or
role); this module puts them together in a fixed order. An url name that does not exist yet is
left out, so apps can be built one at a time.
"""

import functools
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

from . import roles


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    capability: roles.Capability | None = None
    role: roles.Role | None = None
    order: int = 50


CORE_ITEMS = [
    NavItem("Home", "dashboard", order=0),
    NavItem("Messages", "message_log", capability=roles.Capability.VIEW_MESSAGES, order=80),
    NavItem("Messages", "my_messages", role=roles.Role.CLIENT, order=85),
    NavItem("Clinic profile", "clinic_profile_edit", capability=roles.Capability.MANAGE_CLINIC, order=90),
]

APPS_WITH_NAVIGATION = ("consultations", "bookings", "aftercare", "records", "payments", "insights")


@functools.cache
def _all_items() -> tuple[NavItem, ...]:
    items = list(CORE_ITEMS)
    for app in APPS_WITH_NAVIGATION:
        try:
            module = import_module(f"{app}.navigation")
        except ModuleNotFoundError:
            continue
        items.extend(getattr(module, "NAV_ITEMS", []))
    return tuple(sorted(items, key=lambda item: item.order))


@functools.lru_cache(maxsize=64)
def _entries(user_roles: frozenset[roles.Role], urlconf: str | None, prefix: str) -> tuple[tuple[str, str, int], ...]:
    """(label, url, order) of what these roles see: the same for everyone with these roles, so
    built once per process (and URL configuration, and script prefix)."""
    entries = []
    for item in _all_items():
        if item.capability is not None and not any(item.capability in roles.CAPABILITIES[r] for r in user_roles):
            continue
        if item.role is not None and item.role not in user_roles:
            continue
        try:
            url = reverse(item.url_name, urlconf=urlconf)
        except NoReverseMatch:
            continue
        entries.append((item.label, url, item.order))
    return tuple(entries)


def navigation_for(user, current_path: str) -> list[dict]:
    if user is None or not user.is_authenticated:
        return []
    return [
        {
            "label": label,
            "url": url,
            "current": current_path == url or (url != "/" and current_path.startswith(url) and order != 0),
        }
        for label, url, order in _entries(
            roles.roles_of(user), get_urlconf() or settings.ROOT_URLCONF, get_script_prefix()
        )
    ]
