"""Aftercare's entries in the page shell: "My aftercare" for clients, the worried check-ins
queue for practitioners, and a dashboard panel for each (the client's links their photos, the
manager's the photo gallery)."""

from clinic import roles
from clinic.navigation import NavItem

from . import selectors
from .photos.selectors import gallery_count

NAV_ITEMS = [
    NavItem("My aftercare", "aftercare_mine", role=roles.Role.CLIENT, order=40),
    NavItem("Check-ins", "aftercare_worried", capability=roles.Capability.RECORD_SESSION, order=45),
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
        panels = [{"template": "aftercare/_panel_practitioner.html", "worried": selectors.worried_check_ins_count()}]
        if roles.can(user, roles.Capability.MANAGE_CLINIC):
            # The gallery is reached from here, not the menu: a manager's menu is full already.
            panels.append({"template": "aftercare/photos/_panel_gallery.html", "marketing": gallery_count()})
        return panels
    return []
