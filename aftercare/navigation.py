"""Aftercare's entries in the page shell: "My aftercare" for clients, the worried check-ins
queue for practitioners, and a dashboard panel for each."""

from clinic import roles
from clinic.navigation import NavItem

from . import selectors

NAV_ITEMS = [
    NavItem("My aftercare", "aftercare_mine", role=roles.Role.CLIENT, order=40),
    NavItem("Check-ins", "aftercare_worried", capability=roles.Capability.RECORD_SESSION, order=45),
    NavItem("My photos", "photos_mine", role=roles.Role.CLIENT, order=42),
    NavItem("Photo gallery", "photos_gallery", capability=roles.Capability.MANAGE_CLINIC, order=88),
]


def dashboard_panels(request) -> list[dict]:
    user = request.user
    if roles.is_client(user) and not roles.is_staff_member(user):
        plans = selectors.client_plans(client=user)[:1]
        return [
            {
                "template": "aftercare/_panel_client.html",
                "plan": plans[0] if plans else None,
                "due_check_ins": selectors.client_due_check_ins(client=user),
            }
        ]
    if roles.can(user, roles.Capability.RECORD_SESSION):
        return [{"template": "aftercare/_panel_practitioner.html", "worried": selectors.worried_check_ins_count()}]
    return []
