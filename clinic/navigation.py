"""The navigation of the page shell, by role.

Each app lists its entries in its own ``navigation.NAV_ITEMS`` (label, url name, capability or
role); this module puts them together in a fixed order. An url name that does not exist yet is
left out, so apps can be built one at a time.
"""

from dataclasses import dataclass
from importlib import import_module

from django.urls import NoReverseMatch, reverse

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


def _all_items() -> list[NavItem]:
    items = list(CORE_ITEMS)
    for app in APPS_WITH_NAVIGATION:
        try:
            module = import_module(f"{app}.navigation")
        except ModuleNotFoundError:
            continue
        items.extend(getattr(module, "NAV_ITEMS", []))
    return sorted(items, key=lambda item: item.order)


def navigation_for(user, current_path: str) -> list[dict]:
    if user is None or not user.is_authenticated:
        return []
    user_roles = roles.roles_of(user)
    entries = []
    for item in _all_items():
        if item.capability is not None and not roles.can(user, item.capability):
            continue
        if item.role is not None and item.role not in user_roles:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        current = current_path == url or (url != "/" and current_path.startswith(url) and item.order != 0)
        entries.append({"label": item.label, "url": url, "current": current})
    return entries
