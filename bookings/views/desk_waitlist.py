"""The front desk's waitlist: open entries, offering a freed time, adding a client."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from clinic import roles
from clinic.clock import clinic_today
from clinic.errors import error_show
from consultations.areas import Area
from consultations.selectors import clearance_check

from ..forms import WaitlistJoinForm
from ..models import Treatment, WaitlistEntry
from ..selectors import desk as desk_selectors
from ..services import waitlist
from .common import needs, parse_instant, safe_next
from .flow_location import desk_location


@needs(roles.Capability.BOOK_FOR_CLIENT)
def desk_waitlist(request):
    place = desk_location(request)
    entries = desk_selectors.open_waitlist(
        from_day=clinic_today(), location_id=place["location"].pk if place["several"] else None
    )
    return render(request, "bookings/desk_waitlist.html", {"entries": entries, "place": place})


@require_POST
@needs(roles.Capability.BOOK_FOR_CLIENT)
def desk_waitlist_offer(request, entry_id):
    entry = WaitlistEntry.objects.filter(pk=entry_id).first()
    starts_at = parse_instant(request.POST.get("starts_at"))
    back = safe_next(request, reverse("desk_waitlist"))
    if entry is None or starts_at is None:
        messages.error(request, "That offer could not be read. Please try again.")
        return redirect(back)
    try:
        waitlist.waitlist_offer(entry=entry, starts_at=starts_at, offered_by=request.user)
    except ValidationError as exc:
        error_show(request, exc)
    else:
        messages.success(request, f"Offered to {entry.client.get_full_name()}: they get a message with a link to book.")
    return redirect(back)


@needs(roles.Capability.BOOK_FOR_CLIENT)
def desk_waitlist_join(request, client_id):
    """Put a client on the waitlist from the desk (someone on the phone with no time that suits)."""
    client = desk_selectors.desk_client(client_id=client_id)
    treatment = Treatment.objects.filter(is_active=True).order_by("pk").first()
    if treatment is None:
        raise Http404("No treatment to wait for.")
    today = clinic_today()
    offered = list(treatment.areas.values_list("area", flat=True))
    clearance = None
    if treatment.needs_clearance:
        clearance = clearance_check(client=client, treatment_slug=treatment.slug, areas=(), on=today)
        offered = [code for code in offered if code in clearance.cleared_areas]
    form = WaitlistJoinForm(
        request.POST or None,
        initial={"first_day": today + timedelta(days=1), "last_day": today + timedelta(days=14)},
        area_choices=[(code, Area(code).label) for code in offered],
    )
    if request.method == "POST" and form.is_valid():
        try:
            place = desk_location(request, activate=False)
            waitlist.waitlist_join(
                client=client,
                treatment=treatment,
                joined_by=request.user,
                location=place["location"] if place["several"] else None,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            error_show(form, exc)
        else:
            messages.success(request, f"{client.get_full_name()} is on the waitlist.")
            return redirect("desk_waitlist")
    return render(
        request,
        "bookings/waitlist_join.html",
        {"form": form, "treatment": treatment, "for_client": client, "no_areas": not offered, "clearance": clearance},
    )
