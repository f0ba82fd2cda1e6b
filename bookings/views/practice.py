"""Practitioners: my day (clients with their clearance and maximum needle depth), my week, and
the private calendar feed."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from clinic import roles
from clinic.clock import clinic_today
from clinic.models import ClinicProfile
from consultations.areas import area_labels

from ..models import Appointment, Practitioner
from ..selectors.schedules import practitioner_week_schedule
from ..services.calendar_feed import (
    calendar_feed_ics,
    calendar_feed_live,
    calendar_feed_practitioner,
    calendar_feed_token_create,
    calendar_feed_token_revoke,
)
from .common import needs, parse_day
from .desk import _session_record_url, _week_view
from .desk_badges import badges


def _own_practitioner(request) -> Practitioner:
    practitioner = Practitioner.objects.filter(user=request.user).select_related("user").first()
    if practitioner is None:
        raise Http404("You have no practitioner diary.")
    return practitioner


@needs(roles.Capability.RECORD_SESSION)
def practice_day(request):
    practitioner = _own_practitioner(request)
    today = clinic_today()
    day = parse_day(request.GET.get("day"), today)
    week = practitioner_week_schedule(practitioner=practitioner, week_start=day)
    items = [
        {
            "item": item,
            "badges": badges(item),
            "record_url": _session_record_url(item.appointment),
            "cleared_labels": area_labels(item.clearance.cleared_areas) if item.clearance else "",
            "desk_url": reverse("desk_appointment", kwargs={"appointment_id": item.appointment.pk}),
        }
        for item in week.days[0].appointments
        if item.appointment.status != Appointment.Status.CANCELLED
    ]
    return render(
        request,
        "bookings/practice_day.html",
        {"practitioner": practitioner, "day": day, "today": today, "items": items, "blocks": week.days[0].blocks},
    )


@needs(roles.Capability.RECORD_SESSION)
def practice_week(request):
    practitioner = _own_practitioner(request)
    return _week_view(request, practitioner, "bookings/practice_week.html", {})


@needs(roles.Capability.RECORD_SESSION)
def practice_calendar_feed(request):
    practitioner = _own_practitioner(request)
    new_url = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            calendar_feed_token_revoke(practitioner=practitioner, revoked_by=request.user, request=request)
            messages.success(request, "The subscription address is revoked: calendars using it stop updating.")
            return redirect("practice_calendar_feed")
        token = calendar_feed_token_create(practitioner=practitioner)
        new_url = request.build_absolute_uri(reverse("calendar_feed", kwargs={"token": token}))
    return render(
        request,
        "bookings/practice_calendar_feed.html",
        {"live": calendar_feed_live(practitioner=practitioner), "new_url": new_url},
    )


def calendar_feed(request, token):
    """The subscription itself: no login (calendar apps cannot log in), the secret token is the
    key. An unknown or revoked token is a plain 404."""
    practitioner = calendar_feed_practitioner(token=token)
    if practitioner is None:
        raise Http404("No such calendar.")
    response = HttpResponse(
        calendar_feed_ics(practitioner=practitioner, clinic=ClinicProfile.get()),
        content_type="text/calendar; charset=utf-8",
    )
    response["Cache-Control"] = "private, max-age=300"
    return response
