"""Session length by role, and MFA before any staff page."""

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from . import roles
from .mfa import has_totp, mfa_required, session_passed_mfa

SESSION_REFRESH_SECONDS = 60
SESSION_SAVED_AT_KEY = "_clinic_saved_at"


def session_keep_alive(session, user) -> None:
    """Give a signed-in session its role's idle timeout, and have it saved (its expiry moved on to
    now + the role's minutes) when its last save is ``SESSION_REFRESH_SECONDS`` old or older.

    Saving on every request (an UPDATE of the session's row each time) is more than the timeout
    needs. A session therefore ends between ``minutes - SESSION_REFRESH_SECONDS`` and ``minutes``
    after the last request: never later than the setting says."""
    minutes = (
        settings.STAFF_SESSION_IDLE_MINUTES
        if roles.is_staff_member(user) or user.is_superuser
        else settings.CLIENT_SESSION_IDLE_MINUTES
    )
    if session.get_expiry_age() != minutes * 60:
        session.set_expiry(minutes * 60)
    now = int(timezone.now().timestamp())
    saved_at = session.get(SESSION_SAVED_AT_KEY)
    if session.modified or not isinstance(saved_at, int) or now - saved_at >= SESSION_REFRESH_SECONDS:
        session[SESSION_SAVED_AT_KEY] = now  # saved with the response


def session_keep_alive_on_login(sender, request, user, **kwargs) -> None:
    """Signing in saves the session: it starts with its role's timeout (``user_logged_in``)."""
    if request is not None and hasattr(request, "session"):
        session_keep_alive(request.session, user)


class RoleSessionExpiryMiddleware:
    """Staff sessions end after STAFF_SESSION_IDLE_MINUTES without a request; clients' after
    CLIENT_SESSION_IDLE_MINUTES: an idle timeout, not a fixed one (``session_keep_alive``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            session_keep_alive(request.session, user)
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
