"""Session length by role, and MFA before any staff page."""

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from . import roles
from .mfa import has_totp, mfa_required, session_passed_mfa


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


class StaffMFARequiredMiddleware:
    """No staff page opens until this session has passed the TOTP step.

    - A member of staff (or an admin user) without TOTP is sent to set it up: only the account
      pages open (the set-up itself, logging out).
    - One with TOTP whose session did not pass it (signed in by a path that skipped the code) is
      sent to enter a code; only that page and logging out open meanwhile, not the account
      pages, where the password step alone could remove the authenticator.
    """

    ALWAYS_OPEN = ("/static/", "/healthz", "/favicon")
    SET_UP_PREFIXES = ("/accounts/",)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and mfa_required(user)
            and not request.path.startswith(self.ALWAYS_OPEN)
            and not session_passed_mfa(request, user)
        ):
            if has_totp(user):
                if request.path not in (reverse("mfa_reauthenticate"), reverse("account_logout")):
                    return redirect(f"{reverse('mfa_reauthenticate')}?{urlencode({'next': request.get_full_path()})}")
            elif not request.path.startswith(self.SET_UP_PREFIXES):
                return redirect(f"{reverse('mfa_activate_totp')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
