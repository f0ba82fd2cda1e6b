"""Session length by role, and MFA before any staff page."""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from . import roles


class RoleSessionExpiryMiddleware:
    """Staff sessions end after STAFF_SESSION_IDLE_MINUTES without a request; clients' after
    CLIENT_SESSION_IDLE_MINUTES. With SESSION_SAVE_EVERY_REQUEST the expiry moves forward on
    each request, so this is an idle timeout, not a fixed one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            minutes = (
                settings.STAFF_SESSION_IDLE_MINUTES
                if roles.is_staff_member(user) or user.is_superuser
                else settings.CLIENT_SESSION_IDLE_MINUTES
            )
            request.session.set_expiry(minutes * 60)
        return self.get_response(request)


def _has_mfa(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class StaffMFARequiredMiddleware:
    """A member of staff (or an admin user) without TOTP is sent to set it up before any page
    other than the account and MFA pages opens."""

    ALLOWED_PREFIXES = ("/accounts/", "/static/", "/healthz", "/favicon")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and (roles.is_staff_member(user) or user.is_staff or user.is_superuser)
            and not request.path.startswith(self.ALLOWED_PREFIXES)
            and not _has_mfa(user)
        ):
            return redirect(f"{reverse('mfa_activate_totp')}?next={request.path}")
        return self.get_response(request)
