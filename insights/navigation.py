"""Insights in the page shell: reached from the staff home page (the header has room for one row
at 1366 px), a card for managers (insights and the call list), the front desk (the call list) and
practitioners (their own figures). No queries: the card is links."""

from django.urls import reverse

from clinic import roles
from clinic.navigation import NavItem

NAV_ITEMS: list[NavItem] = []


def dashboard_panels(request) -> list[dict]:
    user = request.user
    links = []
    if roles.can(user, roles.Capability.VIEW_INSIGHTS):
        links.append(("Insights", reverse("insights:page")))
    elif roles.can(user, roles.Capability.VIEW_OWN_FIGURES):
        links.append(("My figures", reverse("insights:page")))
    if roles.can(user, roles.Capability.WORK_CALL_LIST):
        links.append(("Call list", reverse("insights:call_list")))
    if not links:
        return []
    return [{"template": "insights/_panel.html", "links": links}]
