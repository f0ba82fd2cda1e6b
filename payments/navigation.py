"""payments' entries in the page shell: the client's account, and a manager's dashboard panel
(prices and packages, the money reports): a manager's menu is full already."""

from clinic import roles
from clinic.navigation import NavItem

NAV_ITEMS = [
    NavItem("My account", "payments:mine", role=roles.Role.CLIENT, order=42),
]


def dashboard_panels(request) -> list[dict]:
    if roles.can(request.user, roles.Capability.MANAGE_CLINIC):
        return [{"template": "payments/_panel_manager.html"}]
    return []
