"""Check-in on the clinic's tablet (``bookings.tablet``): the desk's side (make a code, watch it
arrive) and the tablet's side (enter the code, answer, done), which needs no account."""

from django.contrib import messages
from django.contrib.auth import logout
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from clinic import roles
from clinic.audit import client_ip
from clinic.privacy import medical_page

from .. import tablet
from ..forms import TabletCheckInForm, TabletCodeForm
from ..selectors import desk as desk_selectors
from .common import needs

SESSION_KEY = "tablet_check_in"
# Codes tried from one address: at most this many per window (a code has 40 bits and lives for
# minutes; this keeps guessing hopeless).
CODE_TRIES = 10
CODE_TRIES_WINDOW_SECONDS = 600


@require_POST
@needs(roles.Capability.BOOK_FOR_CLIENT)
@never_cache
def desk_tablet_open(request, appointment_id):
    """Make the one-time code for today's client and show it once."""
    appointment = desk_selectors.desk_appointment(appointment_id=appointment_id)
    try:
        check_in, code = tablet.tablet_check_in_open(appointment=appointment, opened_by=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("desk_appointment", appointment_id=appointment_id)
    start_url = reverse("tablet_start")
    return render(
        request,
        "bookings/desk_tablet_code.html",
        {
            "appointment": appointment,
            "check_in": check_in,
            "code": tablet.code_display(code),
            "start_url": request.build_absolute_uri(start_url),
            "link": request.build_absolute_uri(f"{start_url}?code={code}"),
        },
    )


@needs(roles.Capability.BOOK_FOR_CLIENT)
@never_cache
def desk_tablet_status(request, appointment_id):
    """Where today's tablet check-in of an appointment stands (polled by the desk's page)."""
    appointment = desk_selectors.desk_appointment(appointment_id=appointment_id)
    return render(
        request,
        "bookings/_tablet_status.html",
        {"appointment": appointment, "check_in": tablet.tablet_check_in_latest(appointment_id=appointment.pk)},
    )


def _too_many_tries(request) -> bool:
    key = f"tablet-code-tries:{client_ip(request)}"
    cache.add(key, 0, CODE_TRIES_WINDOW_SECONDS)
    try:
        return cache.incr(key) > CODE_TRIES
    except ValueError:  # expired between add and incr
        cache.set(key, 1, CODE_TRIES_WINDOW_SECONDS)
        return False


@never_cache
def tablet_start(request):
    """The tablet's page: type the desk's code. Entering it signs out whoever used the browser
    before, so the client can reach nothing but their own check-in."""
    form = TabletCodeForm(
        request.POST if request.method == "POST" else None, initial={"code": request.GET.get("code", "")}
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        if _too_many_tries(request):
            form.add_error(None, "Too many codes were tried on this tablet. Please ask at the desk.")
            status = 429
        else:
            try:
                check_in = tablet.tablet_check_in_redeem(code=form.cleaned_data["code"], request=request)
            except ValidationError as exc:
                form.add_error("code", exc)
                status = 400
            else:
                logout(request)
                request.session[SESSION_KEY] = {"id": check_in.pk, "digest": check_in.digest}
                return redirect("tablet_check_in")
    elif request.method == "POST":
        status = 400
    return render(request, "bookings/tablet_start.html", {"form": form}, status=status)


@medical_page
def tablet_check_in(request):
    """The client's check-in on the tablet: their session, the health question and the consent
    to sign, if those are missing. Only the check-in the tablet's session holds."""
    held = request.session.get(SESSION_KEY) or {}
    check_in = tablet.tablet_check_in_active(check_in_id=held.get("id"), digest=held.get("digest"))
    if check_in is None:
        request.session.pop(SESSION_KEY, None)
        return render(request, "bookings/tablet_ended.html", {"message": tablet.ENDED}, status=410)
    needs_now = tablet.tablet_check_in_needs(check_in=check_in)
    form = TabletCheckInForm(
        request.POST if request.method == "POST" else None,
        needs_health=needs_now["health"],
        consent=needs_now["consent"],
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                tablet.tablet_check_in_complete(
                    check_in=check_in,
                    anything_changed=data.get("anything_changed"),
                    details=data.get("details", ""),
                    full_name=data.get("full_name", ""),
                    agreed=data.get("agreed", False),
                    consent_version=data.get("consent_version"),
                    request=request,
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.error_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, exc)
            else:
                request.session.pop(SESSION_KEY, None)
                request.session["tablet_done_name"] = check_in.appointment.client.get_short_name()
                return redirect("tablet_done")
    return render(
        request,
        "bookings/tablet_check_in.html",
        {
            "check_in": check_in,
            "appointment": check_in.appointment,
            "needs": needs_now,
            "form": form,
        },
        status=status,
    )


@never_cache
def tablet_done(request):
    """Thank you: the tablet is ready for the next code (the name is shown once)."""
    return render(request, "bookings/tablet_done.html", {"name": request.session.pop("tablet_done_name", "")})
