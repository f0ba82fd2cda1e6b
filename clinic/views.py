from importlib import import_module

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import roles
from .errors import error_show
from .forms import ClinicProfileForm
from .health import health_report
from .models import ClinicProfile
from .navigation import APPS_WITH_NAVIGATION
from .rule_changes import ChangeNeedsConfirmation
from .services import clinic_profile_update


def home(request):
    """The public front page: what the clinic offers, and the way to a consultation."""
    if request.user.is_authenticated:
        return redirect("dashboard")
    return render(request, "clinic/home.html")


def _dashboard_panels(request) -> list[dict]:
    panels = []
    for app in APPS_WITH_NAVIGATION:
        try:
            module = import_module(f"{app}.navigation")
        except ModuleNotFoundError:
            continue
        builder = getattr(module, "dashboard_panels", None)
        if builder is not None:
            panels.extend(builder(request))
    return panels


@login_required
def dashboard(request):
    """The first page after login: the client's home, or the staff member's."""
    template = "clinic/dashboard_staff.html" if roles.is_staff_member(request.user) else "clinic/dashboard_client.html"
    return render(request, template, {"panels": _dashboard_panels(request)})


@login_required
def clinic_profile_edit(request):
    """The clinic's profile. A new time zone that booked sessions would no longer fit shows them
    first; "Save anyway" confirms exactly the zone that was shown (its name is the button's value)."""
    roles.require(request.user, roles.Capability.MANAGE_CLINIC)
    profile = ClinicProfile.get()
    form = ClinicProfileForm(request.POST or None, instance=ClinicProfile.objects.get(pk=profile.pk))
    misfits = []
    if request.method == "POST" and form.is_valid():
        try:
            clinic_profile_update(
                actor=request.user,
                request=request,
                save_anyway=request.POST.get("save_anyway") == form.cleaned_data["time_zone"],
                **{name: form.cleaned_data[name] for name in form.Meta.fields},
            )
        except ChangeNeedsConfirmation as exc:
            misfits = exc.misfits
            error_show(form, exc)
        except ValidationError as exc:
            error_show(form, exc)
        else:
            messages.success(request, "The clinic's profile is saved.")
            return redirect("clinic_profile_edit")
    return render(request, "clinic/profile_form.html", {"form": form, "misfits": misfits})


@never_cache
@require_GET
def healthz(request):
    healthy, report = health_report()
    return JsonResponse(report, status=200 if healthy else 503)
