"""Consultations in the page shell: the client's "My consultation", the practitioners' queue,
and their dashboard panels."""

from clinic import roles
from clinic.navigation import NavItem

from . import selectors
from .areas import area_labels
from .intake_steps import STEP_CODES, STEPS_BY_CODE
from .models import DEFAULT_TREATMENT_SLUG, IntakeStatus

NAV_ITEMS = [
    NavItem("My consultation", "consultations:home", role=roles.Role.CLIENT, order=10),
    NavItem("Review queue", "consultations:review_queue", capability=roles.Capability.REVIEW_INTAKE, order=20),
]


def dashboard_panels(request) -> list[dict]:
    user = request.user
    panels = []
    if roles.is_client(user):
        from clinic.clock import clinic_today

        check = selectors.clearance_check(
            client=user, treatment_slug=DEFAULT_TREATMENT_SLUG, areas=(), on=clinic_today()
        )
        current = selectors.client_current_intake(client=user)
        next_step = None
        if current is not None and current.status == IntakeStatus.DRAFT:
            missing = [code for code in STEP_CODES if code not in current.steps_done]
            next_step = STEPS_BY_CODE[missing[0]].title if missing else "Consent and signature"
        panels.append(
            {
                "template": "consultations/panel_client.html",
                "check": check,
                "current": current,
                "next_step": next_step,
                "cleared_areas": area_labels(check.cleared_areas),
            }
        )
    if roles.can(user, roles.Capability.REVIEW_INTAKE):
        panels.append({"template": "consultations/panel_queue.html", "count": selectors.review_queue_count()})
    return panels
