"""The client's own pages: their appointments (with .ics, moving and cancelling), their course
and the waitlist. Every read is filtered by the logged-in client: another's id is a 404."""

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic import roles
from clinic.clock import clinic_today
from clinic.errors import error_show
from clinic.locations import clinic_at, several_locations
from consultations.areas import Area
from consultations.selectors import clearance_check, health_update_status

from ..calendar import appointment_ics
from ..course_panels import course_panels
from ..forms import CancelForm, WaitlistJoinForm
from ..models import Appointment, Treatment
from ..selectors import client as client_selectors
from ..services import appointments as services
from ..services import waitlist
from .common import needs
from .flow_location import booking_location


def _late_cancellation(appointment: Appointment, hours: int) -> bool:
    return appointment.starts_at - timezone.now() < timedelta(hours=hours)


@needs(roles.Capability.BOOK_OWN)
def my_appointments(request):
    lists = client_selectors.client_appointment_lists(client=request.user)
    return render(
        request,
        "bookings/my_appointments.html",
        {
            "upcoming": lists.upcoming,
            "past": lists.past,
            "waitlist": client_selectors.client_waitlist(client=request.user),
        },
    )


@needs(roles.Capability.BOOK_OWN)
def my_appointment(request, appointment_id):
    appointment = client_selectors.client_appointment(client=request.user, appointment_id=appointment_id)
    profile = clinic_at(appointment.room.location_id)  # where it is: address, zone, window
    request.page_location = appointment.room.location_id  # the footer says where too
    timezone.activate(profile.tz)
    upcoming = appointment.status == Appointment.Status.BOOKED and appointment.starts_at > timezone.now()
    health = None
    if upcoming:
        health = health_update_status(
            client=request.user, appointment_id=appointment.pk, starts_at=appointment.starts_at
        )
    move_query = urlencode([("moving", appointment.pk)] + [("areas", code) for code in appointment.areas])
    return render(
        request,
        "bookings/my_appointment.html",
        {
            "appointment": appointment,
            "place": profile,
            "upcoming": upcoming,
            "late": upcoming and _late_cancellation(appointment, profile.late_cancellation_hours),
            "late_hours": profile.late_cancellation_hours,
            "health": health,
            "move_url": f"{reverse('book_calendar', kwargs={'slug': appointment.treatment.slug})}?{move_query}",
        },
    )


@needs(roles.Capability.BOOK_OWN)
def my_appointment_cancel(request, appointment_id):
    appointment = client_selectors.client_appointment(client=request.user, appointment_id=appointment_id)
    profile = request.clinic_profile
    late = _late_cancellation(appointment, profile.late_cancellation_hours)
    form = CancelForm(request.POST or None)
    if appointment.status == Appointment.Status.CANCELLED:
        messages.info(request, "This session is already cancelled.")
        return redirect("my_appointment", appointment_id=appointment.pk)
    if appointment.status != Appointment.Status.BOOKED or appointment.starts_at <= timezone.now():
        # No form (and no late-cancellation warning) for a session the service would refuse.
        messages.info(request, "This session can no longer be cancelled online: please call the clinic.")
        return redirect("my_appointment", appointment_id=appointment.pk)
    if request.method == "POST" and form.is_valid():
        if late and not form.cleaned_data["confirm_late"]:
            form.add_error("confirm_late", "Please confirm that you understand this is a late cancellation.")
        else:
            try:
                services.appointment_cancel(
                    appointment=appointment,
                    cancelled_by=request.user,
                    reason=form.cleaned_data["reason"],
                    request=request,
                )
            except ValidationError as exc:
                error_show(form, exc)
            else:
                messages.success(request, "Your session is cancelled.")
                return redirect("my_appointments")
    if not late:
        del form.fields["confirm_late"]
    return render(
        request,
        "bookings/my_appointment_cancel.html",
        {"appointment": appointment, "form": form, "late": late, "late_hours": profile.late_cancellation_hours},
    )


def _ics_response(appointment: Appointment, profile) -> HttpResponse:
    method = "CANCEL" if appointment.status == Appointment.Status.CANCELLED else "PUBLISH"
    response = HttpResponse(
        appointment_ics(appointment=appointment, method=method, clinic=profile),
        content_type="text/calendar; charset=utf-8",
    )
    local = timezone.localtime(appointment.starts_at, profile.tz)
    response["Content-Disposition"] = f'attachment; filename="session-{local:%Y-%m-%d-%H%M}.ics"'
    return response


@needs(roles.Capability.BOOK_OWN)
def my_appointment_ics(request, appointment_id):
    appointment = client_selectors.client_appointment(client=request.user, appointment_id=appointment_id)
    return _ics_response(appointment, request.clinic_profile)


@needs(roles.Capability.BOOK_OWN)
def my_course(request):
    today = clinic_today()
    courses = client_selectors.client_courses(client=request.user, tz=request.clinic_profile.tz, today=today)
    panels = course_panels(viewer=request.user, client=request.user, course_ids=[p.course.pk for p in courses])
    for progress in courses:
        progress.panels = panels.get(progress.course.pk, [])
        if progress.next_number and progress.window_opens and not progress.window_passed:
            month = max(progress.window_opens, today)
            query = urlencode([("areas", code) for code in progress.course.areas] + [("month", f"{month:%Y-%m}")])
            progress.book_url = f"{reverse('book_calendar', kwargs={'slug': progress.course.treatment.slug})}?{query}"
    return render(request, "bookings/my_course.html", {"courses": courses, "today": today})


@needs(roles.Capability.BOOK_OWN)
def waitlist_join_view(request, slug):
    treatment = get_object_or_404(Treatment.objects.filter(is_active=True, bookable_online=True), slug=slug)
    today = clinic_today()
    offered = list(treatment.areas.values_list("area", flat=True))
    clearance = None
    if treatment.needs_clearance:
        clearance = clearance_check(client=request.user, treatment_slug=treatment.slug, areas=(), on=today)
        offered = [code for code in offered if code in clearance.cleared_areas]
    initial = {"areas": request.GET.getlist("areas"), "first_day": request.GET.get("from") or today + timedelta(days=1)}
    initial["last_day"] = request.GET.get("to") or (today + timedelta(days=14))
    form = WaitlistJoinForm(
        request.POST or None, initial=initial, area_choices=[(code, Area(code).label) for code in offered]
    )
    if request.method == "POST" and form.is_valid():
        try:
            waitlist.waitlist_join(
                client=request.user,
                treatment=treatment,
                areas=form.cleaned_data["areas"],
                first_day=form.cleaned_data["first_day"],
                last_day=form.cleaned_data["last_day"],
                note=form.cleaned_data["note"],
                joined_by=request.user,
                location=booking_location(request) if several_locations() else None,
            )
        except ValidationError as exc:
            error_show(form, exc)
        else:
            messages.success(request, "You are on the waitlist: we will tell you when a time frees up.")
            return redirect("my_appointments")
    return render(
        request,
        "bookings/waitlist_join.html",
        # No area to wait for (not cleared yet, deferred, declined): say why instead of an empty form.
        {"form": form, "treatment": treatment, "no_areas": not offered, "clearance": clearance},
    )


@require_POST
@needs(roles.Capability.BOOK_OWN)
def waitlist_leave_view(request, entry_id):
    entry = client_selectors.client_waitlist_entry(client=request.user, entry_id=entry_id)
    waitlist.waitlist_withdraw(entry=entry, withdrawn_by=request.user)
    messages.success(request, "You have left the waitlist.")
    return redirect("my_appointments")
