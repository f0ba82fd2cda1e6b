"""Staff MFA: who needs it, and whether *this session* passed it.

Having an authenticator is not enough: a session signed in by any path that skipped the code
(the Django admin's own login form did, until it was routed through allauth) must not open a
staff page. allauth keeps a record of each authentication step of the session (password,
password reset, mfa); a staff session is let through only when one of them is an "mfa" step
of the signed-in user.
"""

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator

from . import roles

MFA_METHOD = "mfa"


def mfa_required(user) -> bool:
    """Staff, and anyone who can reach the Django admin, need TOTP."""
    return roles.is_staff_member(user) or user.is_staff or user.is_superuser


def session_passed_mfa(request, user) -> bool:
    """Whether this session recorded a TOTP (or recovery code) step for ``user``. No query: the
    records live in the session."""
    return any(record.get("method") == MFA_METHOD for record in get_authentication_records(request, user))


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def record_totp_activation(sender, request, user, authenticator, **kwargs) -> None:
    """Setting TOTP up means typing a valid code from the new authenticator: that is this
    session's MFA step, so a new member of staff is not asked for a second code straight away.
    (Connected to allauth's ``authenticator_added`` signal in ``ClinicConfig.ready``.)"""
    from allauth.account.internal.flows.login import record_authentication

    if request is None or authenticator.type != Authenticator.Type.TOTP:
        return
    record_authentication(request, user, MFA_METHOD, id=authenticator.pk, type=authenticator.type, activated=True)
