from . import roles
from .models import ClinicProfile
from .navigation import navigation_for


def clinic_shell(request):
    """What every page's shell needs: the clinic, the user's role and their navigation."""
    user = getattr(request, "user", None)
    role = roles.primary_role(user) if user is not None else None
    return {
        "clinic": ClinicProfile.get(),
        "user_role": role,
        "user_role_label": roles.ROLE_LABELS.get(role, "") if role else "",
        "nav_items": navigation_for(user, request.path),
    }
