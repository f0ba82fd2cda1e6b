"""Roles and what each may do: the one place that answers "may this user do X".

Roles are groups (created by a data migration). A capability is a plain name; the table below
is the design's "who may see what". Views and services ask ``can(user, Capability.X)``.
"""

from enum import StrEnum

from django.core.exceptions import PermissionDenied


class Role(StrEnum):
    CLIENT = "client"
    FRONT_DESK = "front_desk"
    PRACTITIONER = "practitioner"
    MANAGER = "manager"


STAFF_ROLES = frozenset({Role.FRONT_DESK, Role.PRACTITIONER, Role.MANAGER})

ROLE_LABELS = {
    Role.CLIENT: "Client",
    Role.FRONT_DESK: "Front desk",
    Role.PRACTITIONER: "Practitioner",
    Role.MANAGER: "Manager",
}


class Capability(StrEnum):
    BOOK_OWN = "book_own"  # a client books, moves and cancels their own sessions
    FILL_OWN_INTAKE = "fill_own_intake"
    VIEW_SCHEDULE = "view_schedule"  # the day and week schedules, contact details
    BOOK_FOR_CLIENT = "book_for_client"  # book, check in, cancel, no-show for anyone
    VIEW_CLEARANCE_STATUS = "view_clearance_status"
    VIEW_MEDICAL = "view_medical"  # medical answers of intake forms (audited)
    REVIEW_INTAKE = "review_intake"  # approve, decline, defer, ask
    RECORD_SESSION = "record_session"  # session records and aftercare
    VIEW_MESSAGES = "view_messages"  # the communication log
    MANAGE_CLINIC = "manage_clinic"  # catalogue, hours, rooms, staff, clinic profile
    TAKE_PAYMENTS = "take_payments"  # sell packages, take payments, refund, receipts (payments)
    VIEW_INSIGHTS = "view_insights"  # every figure of the insights page
    VIEW_OWN_FIGURES = "view_own_figures"  # a practitioner's own utilisation and course completion
    WORK_CALL_LIST = "work_call_list"  # the call list: clients to ring, reminders to send


CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.CLIENT: frozenset({Capability.BOOK_OWN, Capability.FILL_OWN_INTAKE}),
    Role.FRONT_DESK: frozenset(
        {
            Capability.VIEW_SCHEDULE,
            Capability.BOOK_FOR_CLIENT,
            Capability.VIEW_CLEARANCE_STATUS,
            Capability.VIEW_MESSAGES,
            Capability.TAKE_PAYMENTS,
            Capability.WORK_CALL_LIST,
        }
    ),
    Role.PRACTITIONER: frozenset(
        {
            Capability.VIEW_SCHEDULE,
            Capability.BOOK_FOR_CLIENT,
            Capability.VIEW_CLEARANCE_STATUS,
            Capability.VIEW_MEDICAL,
            Capability.REVIEW_INTAKE,
            Capability.RECORD_SESSION,
            Capability.VIEW_MESSAGES,
            Capability.VIEW_OWN_FIGURES,
        }
    ),
    Role.MANAGER: frozenset(
        {
            Capability.VIEW_SCHEDULE,
            Capability.BOOK_FOR_CLIENT,
            Capability.VIEW_CLEARANCE_STATUS,
            Capability.VIEW_MEDICAL,
            Capability.REVIEW_INTAKE,
            Capability.RECORD_SESSION,
            Capability.VIEW_MESSAGES,
            Capability.MANAGE_CLINIC,
            Capability.TAKE_PAYMENTS,
            Capability.VIEW_INSIGHTS,
            Capability.WORK_CALL_LIST,
        }
    ),
}

_CACHE_ATTR = "_clinic_roles"


def roles_of(user) -> frozenset[Role]:
    """The user's roles, read once per user object (one query, then cached on it)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = frozenset(role for role in Role if role.value in names)
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_roles(user) -> None:
    """Drop the cached roles after the user's groups changed."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def can(user, capability: Capability) -> bool:
    return any(capability in CAPABILITIES[role] for role in roles_of(user))


def is_staff_member(user) -> bool:
    return bool(roles_of(user) & STAFF_ROLES)


def is_client(user) -> bool:
    return Role.CLIENT in roles_of(user)


def require(user, capability: Capability) -> None:
    """Raise ``PermissionDenied`` unless the user may do it (services call this too)."""
    if not can(user, capability):
        raise PermissionDenied("You do not have access to this page.")


def primary_role(user) -> Role | None:
    """The role the navigation is built for: the most senior one the user has."""
    roles = roles_of(user)
    for role in (Role.MANAGER, Role.PRACTITIONER, Role.FRONT_DESK, Role.CLIENT):
        if role in roles:
            return role
    return None
