"""Thin views: parse input, call one service or selector, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic import roles
from clinic.audit import audit_record
from clinic.errors import error_show
from clinic.models import ClinicProfile
from clinic.privacy import medical_page

from . import selectors, services
from .forms import CheckInForm, SessionRecordForm, depth_field_name
from .models import CheckIn, SessionRecord
from .photos.views import session_panel_context

# The session record form's fields that session_complete takes as they are (depths aside).
RECORD_FIELDS = (
    "device", "cartridge_lot", "passes", "products_applied", "serum", "fitzpatrick", "skin_type", "reaction",
    "reaction_notes", "client_note",
)  # fmt: skip


@medical_page
@login_required
def session_record(request, appointment_id: int):
    """The practitioner's record of a session: saving it completes the appointment."""
    from consultations.selectors import clearance_check

    appointment = selectors.appointment_to_record(viewer=request.user, appointment_id=appointment_id)
    existing = SessionRecord.objects.filter(appointment=appointment).select_related("plan").first()
    if existing is not None:
        plan = getattr(existing, "plan", None)
        messages.info(request, "This session is already recorded.")
        return redirect("aftercare_plan", plan.pk) if plan else redirect("dashboard")
    tz = ClinicProfile.get().tz
    clearance = clearance_check(
        client=appointment.client,
        treatment_slug=appointment.treatment.slug,
        areas=list(appointment.areas),
        on=timezone.localtime(appointment.starts_at, tz).date(),
    )
    fitzpatrick, skin_type = selectors.client_skin_types(client=appointment.client)
    form = SessionRecordForm(
        request.POST or None,
        areas=appointment.areas,
        max_depth_mm=clearance.max_needle_depth_mm,
        initial={"fitzpatrick": fitzpatrick, "skin_type": skin_type},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record = services.session_complete(
                appointment=appointment,
                recorded_by=request.user,
                depths=form.depths(),
                request=request,
                **{name: data[name] for name in RECORD_FIELDS},
            )
        except ValidationError as exc:
            error_show(form, exc)
        else:
            messages.success(request, "Session recorded and completed. The aftercare plan is on its way to the client.")
            plan = getattr(record, "plan", None)
            return redirect("aftercare_plan", plan.pk) if plan else redirect("dashboard")
    depth_fields = [form[depth_field_name(area)] for area in form.areas]
    other_fields = [field for field in form if not field.name.startswith("depth_")]
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "aftercare/session_record_form.html",
        {
            **session_panel_context(appointment=appointment, next_url=request.path),
            "appointment": appointment,
            "clearance": clearance,
            "form": form,
            "depth_fields": depth_fields,
            "other_fields": other_fields,
            "no_clearance_message": services.NO_CLEARANCE_MESSAGE,
            "covering_for": services.covering_for(appointment=appointment, user=request.user),
        },
        status=status,
    )


@login_required
def my_aftercare(request):
    """The client's plans, newest first, with any check-in waiting for an answer."""
    if roles.is_staff_member(request.user):
        return redirect("aftercare_worried")
    plans = selectors.client_plans(client=request.user)
    due = selectors.client_due_check_ins(client=request.user)
    return render(request, "aftercare/my_aftercare.html", {"plans": plans, "due_check_ins": due})


@medical_page
@login_required
def plan_detail(request, plan_id: int):
    plan = selectors.plan_for_viewer(viewer=request.user, plan_id=plan_id)
    is_staff_view = roles.is_staff_member(request.user)
    if is_staff_view:
        # Staff see the session record, the reaction notes and the client's check-in words.
        audit_record(
            actor=request.user, action="aftercare_plan.view", target=plan, request=request, subject=plan.client
        )
    return render(
        request,
        "aftercare/plan_detail.html",
        {"plan": plan, "content": plan.content, "is_staff_view": is_staff_view},
    )


@login_required
def plan_for_appointment(request, appointment_id: int):
    """A completed session's plan, linked from the booking pages (bookings never imports
    aftercare, so they link by the appointment and this finds the plan)."""
    plan_id = selectors.plan_id_for_appointment(viewer=request.user, appointment_id=appointment_id)
    if plan_id is None:
        raise Http404("This session has no aftercare plan.")
    return redirect("aftercare_plan", plan_id)


@login_required
def plan_pdf(request, plan_id: int):
    """The PDF, through the access check (own plan, or staff who may read treatment details)."""
    plan = selectors.plan_for_viewer(viewer=request.user, plan_id=plan_id)
    content = services.aftercare_pdf_read(plan=plan, viewer=request.user, request=request)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="aftercare-plan-{plan.session_on:%Y-%m-%d}.pdf"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@medical_page
@login_required
def check_in(request, check_in_id: int):
    """ "How is your skin?" for the client whose check-in it is."""
    if roles.is_staff_member(request.user):
        raise Http404("No such check-in.")
    item = selectors.client_check_in(client=request.user, check_in_id=check_in_id)
    form = CheckInForm(request.POST or None, initial={"answer": item.answer, "comment": item.comment})
    if request.method == "POST" and form.is_valid():
        try:
            services.check_in_answer(
                check_in=item,
                client=request.user,
                answer=form.cleaned_data["answer"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            error_show(form, exc)
        else:
            if form.cleaned_data["answer"] == CheckIn.Answer.WORRIED:
                messages.warning(
                    request,
                    "Thank you. Your practitioner will call you. If it gets worse quickly, call the clinic now.",
                )
            else:
                messages.success(request, "Thank you, that's good to hear.")
            return redirect("aftercare_mine")
    status = 400 if request.method == "POST" else 200
    return render(request, "aftercare/check_in_form.html", {"check_in": item, "form": form}, status=status)


@medical_page
@login_required
def worried(request):
    """Practitioners' queue of clients worried about their skin."""
    items = selectors.worried_check_ins(viewer=request.user)
    if items:
        # The queue shows what each client wrote about their skin: one entry says who saw which.
        audit_record(
            actor=request.user,
            action="worried_check_ins.view",
            target=request.user,
            request=request,
            details={"check_ins": [item.pk for item in items]},
        )
    return render(request, "aftercare/worried.html", {"check_ins": items})


@require_POST
@login_required
def check_in_seen(request, check_in_id: int):
    roles.require(request.user, roles.Capability.RECORD_SESSION)
    item = CheckIn.objects.filter(pk=check_in_id).first()
    if item is None:
        raise Http404("No such check-in.")
    try:
        services.check_in_mark_seen(check_in=item, seen_by=request.user, request=request)
    except ValidationError as exc:
        error_show(request, exc)
    else:
        messages.success(request, "Marked as seen.")
    return redirect("aftercare_worried")
