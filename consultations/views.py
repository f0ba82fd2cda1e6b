"""Thin views: parse with a form, call one service or selector, render.

Access: client pages load only the signed-in client's rows (another client's id is a 404);
staff pages check the capability before any row is read; every staff read of medical answers
writes an audit entry.
"""

from dateutil.relativedelta import relativedelta
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from clinic import roles
from clinic.audit import audit_record
from clinic.clock import clinic_today
from clinic.dates import date_label
from clinic.errors import error_show
from clinic.locations import staff_location
from clinic.pdf import pdf_from_template
from clinic.privacy import medical_page

from . import selectors, services
from .appointments import appointment_session_date
from .areas import area_labels
from .forms import (
    STEP_FORMS,
    ApproveForm,
    AskForm,
    DeclineForm,
    DeferForm,
    HealthReviewForm,
    HealthUpdateForm,
    SignForm,
)
from .intake_steps import STEP_CODES, STEPS, STEPS_BY_CODE, answers_diff, describe_answers, from_json
from .models import DEFAULT_TREATMENT_SLUG, Intake, IntakeStatus


def _require_client(user) -> None:
    if not roles.is_client(user):
        raise PermissionDenied("This page is for clients.")


def _audit_medical_read(request, intake: Intake, action: str = "medical_answers_viewed") -> None:
    audit_record(actor=request.user, action=action, target=intake, request=request, subject=intake.client)


# --- Client ------------------------------------------------------------------------------------


@medical_page
@login_required
def consultation_home(request):
    """The client's consultation: where it stands and the next step."""
    _require_client(request.user)
    intakes = selectors.client_intakes(client=request.user)
    draft = next((i for i in intakes if i.status == IntakeStatus.DRAFT), None)
    current = next((i for i in intakes if i.status != IntakeStatus.DRAFT and i.superseded_at is None), None)
    check = selectors.clearance_check(
        client=request.user, treatment_slug=DEFAULT_TREATMENT_SLUG, areas=(), on=clinic_today()
    )
    next_step = None
    if draft is not None:
        next_step = next((code for code in STEP_CODES if code not in draft.steps_done), None)
    return render(
        request,
        "consultations/home.html",
        {
            "draft": draft,
            "current": current,
            "check": check,
            "next_step": next_step,
            "next_step_title": STEPS_BY_CODE[next_step].title if next_step else "",
            "submitted": [i for i in intakes if i.status != IntakeStatus.DRAFT],
            "cleared_areas_label": area_labels(check.cleared_areas),
            "steps": STEPS,
        },
    )


def _field_groups(form) -> list[dict]:
    groups = getattr(form, "groups", None)
    if groups:
        return [{"title": title, "fields": [form[name] for name in names]} for title, names in groups]
    return [{"title": "", "fields": form.visible_fields()}]


@medical_page
@login_required
@require_http_methods(["GET", "POST"])
def intake_step(request, step: str):
    """One step of the intake; each step is saved on its own, so a client can stop and come back."""
    _require_client(request.user)
    if step not in STEPS_BY_CODE:
        raise Http404("No such step.")
    draft, current = selectors.client_draft_and_current(client=request.user)
    source = draft or current
    under_review = draft is None and current is not None and current.status == IntakeStatus.PENDING
    form_class = STEP_FORMS[step]
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            try:
                services.intake_step_save(client=request.user, step=step, values=form.cleaned_data)
            except ValidationError as exc:
                error_show(form, exc)
            else:
                index = STEP_CODES.index(step)
                if index + 1 < len(STEP_CODES):
                    return redirect("consultations:intake_step", step=STEP_CODES[index + 1])
                return redirect("consultations:intake_sign")
    else:
        if under_review:
            messages.info(request, services.UNDER_REVIEW_MESSAGE)
            return redirect("consultations:home")
        initial = from_json(source.answers) if source else {"phone": request.user.phone}
        form = form_class(initial=initial)
    index = STEP_CODES.index(step)
    return render(
        request,
        "consultations/intake_step.html",
        {
            "form": form,
            "step": STEPS_BY_CODE[step],
            "steps": STEPS,
            "step_number": index + 1,
            "step_count": len(STEPS),
            "previous_step": STEP_CODES[index - 1] if index else None,
            "done": set(draft.steps_done) if draft else set(),
            "amending": (draft.version > 1) if draft else current is not None,
            "field_groups": _field_groups(form),
            "all_done": draft is not None and set(STEP_CODES) <= set(draft.steps_done),
            "compact": step == "conditions",
        },
    )


@medical_page
@login_required
@require_http_methods(["GET", "POST"])
def intake_sign(request):
    """Read the consent, sign it with a typed full name, and send the form for review."""
    _require_client(request.user)
    draft, current = selectors.client_draft_and_current(client=request.user)
    if draft is None:
        if current is not None and current.status == IntakeStatus.PENDING:
            messages.info(request, services.UNDER_REVIEW_MESSAGE)
        return redirect("consultations:home")
    text = services.consent_text_current()
    if text is None:
        messages.error(request, "The consent text is not available: please call the clinic.")
        return redirect("consultations:home")
    question = current.decision_note if current is not None and current.status == IntakeStatus.QUESTION else ""
    form = SignForm(request.POST or None, initial={"consent_version": text.version})
    if not question:
        del form.fields["client_note"]
    if request.method == "POST" and form.is_valid():
        try:
            services.intake_submit(
                client=request.user,
                full_name=form.cleaned_data["full_name"],
                agreed=form.cleaned_data["agreed"],
                consent_version=form.cleaned_data["consent_version"],
                client_note=form.cleaned_data.get("client_note", ""),
                request=request,
            )
        except ValidationError as exc:
            error_show(form, exc)
            # The page shows the current text again: signing it must name that version.
            form.data = form.data.copy()
            form.data["consent_version"] = text.version
        else:
            messages.success(
                request, "Thank you: your form is signed and sent. A practitioner will review your answers."
            )
            return redirect("consultations:home")
    missing = [step for step in STEPS if step.code not in draft.steps_done]
    return render(
        request,
        "consultations/intake_sign.html",
        {
            "form": form,
            "text": text,
            "missing": missing,
            "question": question,
            "sections": describe_answers(draft.answers),
            "steps": STEPS,
            "step_count": len(STEPS),
        },
    )


@medical_page
@login_required
def intake_detail(request, pk: int):
    """A client's own answers, one version (no screening verdict). Staff who may read medical
    answers are sent to the review page; another client's id is a 404."""
    if roles.can(request.user, roles.Capability.VIEW_MEDICAL):
        return redirect("consultations:intake_review", pk=pk)
    _require_client(request.user)
    intake = selectors.client_own_intake(client=request.user, intake_id=pk)
    return render(
        request,
        "consultations/intake_detail.html",
        {"intake": intake, "sections": describe_answers(intake.answers)},
    )


@login_required
def consent_pdf(request, pk: int):
    """The signed consent as a PDF: for the client who signed it and for practitioners."""
    if roles.can(request.user, roles.Capability.VIEW_MEDICAL):
        intake = selectors.medical_intake(viewer=request.user, intake_id=pk)
        audit_record(
            actor=request.user, action="consent_pdf_downloaded", target=intake, request=request, subject=intake.client
        )
    else:
        _require_client(request.user)
        intake = selectors.client_own_intake(client=request.user, intake_id=pk)
    signature = getattr(intake, "consent", None)
    if signature is None:
        raise Http404("This form has not been signed.")
    pdf = pdf_from_template(
        "consultations/consent_pdf.html",
        {"intake": intake, "signature": signature, "text": signature.consent_text, "client": intake.client},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="consent-v{intake.version}.pdf"'
    # A signed health document: no shared cache or browser cache keeps a copy.
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@medical_page
@login_required
@require_http_methods(["GET", "POST"])
def health_update(request, appointment_id: int):
    """The client's "has anything changed since your last visit?" before one session.

    The session's date comes from bookings (through ``consultations.appointments``), which also
    says whether the appointment is this client's: another client's id is a 404."""
    _require_client(request.user)
    existing = selectors.client_health_update(client=request.user, appointment_id=appointment_id)
    try:
        session_date = appointment_session_date(client=request.user, appointment_id=appointment_id)
    except LookupError:
        session_date = None
    if session_date is None:
        raise Http404("Open this page from your appointment.")
    form = HealthUpdateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.health_update_submit(
                client=request.user,
                appointment_id=appointment_id,
                session_date=session_date,
                anything_changed=form.cleaned_data["anything_changed"],
                details=form.cleaned_data["details"],
                submitted_by=request.user,
                request=request,
            )
        except ValidationError as exc:
            error_show(form, exc)
        else:
            if form.cleaned_data["anything_changed"]:
                messages.info(request, "Thank you. A practitioner will look at what changed before your session.")
            else:
                messages.success(request, "Thank you: see you at your session.")
            return redirect("consultations:home")
    return render(
        request,
        "consultations/health_update.html",
        {"form": form, "session_date": session_date, "existing": existing, "appointment_id": appointment_id},
    )


# --- Practitioners -----------------------------------------------------------------------------


@medical_page
@login_required
def review_queue(request):
    """Pending intakes, oldest first, flags highlighted; and reported health changes."""
    place = staff_location(request)
    location_id = place["location"].pk if place["several"] else None
    intakes = selectors.review_queue(viewer=request.user, location_id=location_id)
    health_updates = selectors.health_updates_to_review(viewer=request.user, location_id=location_id)
    if intakes or health_updates:
        # The queue shows flag titles (medical): one audit entry says who saw which.
        audit_record(
            actor=request.user,
            action="review_queue_viewed",
            target=request.user,
            request=request,
            details={"intakes": [i.pk for i in intakes], "health_updates": [h.pk for h in health_updates]},
        )
    return render(
        request,
        "consultations/review_queue.html",
        {"intakes": intakes, "health_updates": health_updates, "place": place},
    )


def _suggested_defer(flags):
    """The latest date the absolute flags suggest deferring to, or None."""
    return max((f.defer_until for f in flags if f.defer_until), default=None)


def _decision_forms(intake, data=None, action=None):
    bound = {name: (data if name == action else None) for name in ("approve", "decline", "defer", "ask")}
    return {
        "approve": ApproveForm(bound["approve"], intake=intake),
        "decline": DeclineForm(bound["decline"]),
        # Prefilled with the date the flags suggest: the practitioner changes it only to differ.
        "defer": DeferForm(bound["defer"], initial={"until": _suggested_defer(intake.flags.all())}),
        "ask": AskForm(bound["ask"]),
    }


def _run_decision(request, intake, action, form):
    data = form.cleaned_data
    if action == "approve":
        months = data.get("valid_months") or 12
        services.intake_approve(
            intake=intake,
            decided_by=request.user,
            areas=data["areas"],
            max_needle_depth_mm=data["max_needle_depth_mm"],
            planned_sessions=data["planned_sessions"],
            valid_until=clinic_today() + relativedelta(months=months),
            acknowledged_flag_ids=data.get("acknowledged", []),
            request=request,
        )
        return "Approved: the client can now book."
    if action == "decline":
        services.intake_decline(intake=intake, decided_by=request.user, reason=data["reason"], request=request)
        return "Declined: the client has been told why."
    if action == "defer":
        services.intake_defer(
            intake=intake, decided_by=request.user, until=data["until"], reason=data["reason"], request=request
        )
        return f"Deferred until {date_label(data['until'])}."
    services.intake_ask(intake=intake, decided_by=request.user, question=data["question"], request=request)
    return "Your question has been sent to the client."


@medical_page
@login_required
@require_http_methods(["GET", "POST"])
def intake_review(request, pk: int):
    """One intake for a practitioner: answers, every flag and why, what changed since the
    previous version, and the four decisions."""
    intake = selectors.medical_intake(viewer=request.user, intake_id=pk)
    can_decide = roles.can(request.user, roles.Capability.REVIEW_INTAKE)
    action = request.POST.get("action") if request.method == "POST" else None
    if action is not None:
        roles.require(request.user, roles.Capability.REVIEW_INTAKE)
        if action not in ("approve", "decline", "defer", "ask"):
            raise Http404("No such decision.")
    forms = _decision_forms(intake, request.POST, action)
    if action is not None:
        form = forms[action]
        if form.is_valid():
            try:
                message = _run_decision(request, intake, action, form)
            except ValidationError as exc:
                error_show(form, exc)
            else:
                messages.success(request, message)
                return redirect("consultations:review_queue")
    # Whenever the page shows the answers (a refused decision shows them again), it is a read.
    _audit_medical_read(request, intake)
    versions = selectors.intake_versions(viewer=request.user, client_id=intake.client_id)
    previous = next((v for v in reversed(versions) if v.version < intake.version), None)
    flags = list(intake.flags.all())
    return render(
        request,
        "consultations/intake_review.html",
        {
            "intake": intake,
            "sections": describe_answers(intake.answers),
            "flags": flags,
            "absolute_flags": [f for f in flags if f.severity == "absolute"],
            "relative_flags": [f for f in flags if f.severity == "relative"],
            "suggested_defer": _suggested_defer(flags),
            "previous": previous,
            "changes": answers_diff(previous.answers, intake.answers) if previous else [],
            "versions": versions,
            "forms": forms,
            "active_action": action,
            "can_decide": can_decide and intake.status == IntakeStatus.PENDING and intake.superseded_at is None,
            "clearances": list(intake.clearances.all()),
        },
    )


@medical_page
@login_required
@require_http_methods(["GET", "POST"])
def health_update_detail(request, pk: int):
    """A reported health change, for a practitioner to decide on (medical: audited)."""
    update = selectors.health_update_for_review(viewer=request.user, health_update_id=pk)
    form = HealthReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.health_update_review(
                health_update=update,
                reviewed_by=request.user,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                request=request,
            )
        except ValidationError as exc:
            error_show(form, exc)
        else:
            messages.success(request, "Saved.")
            return redirect("consultations:review_queue")
    # The page shows the client's words again after a refused review too: every showing is a read.
    audit_record(
        actor=request.user, action="health_update_viewed", target=update, request=request, subject=update.client
    )
    return render(
        request,
        "consultations/health_update_detail.html",
        {"update": update, "form": form, "current_intake_id": selectors.current_intake_id(client=update.client)},
    )


@login_required
def client_clearance(request, client_id: int):
    """A client's clearance status: all the front desk may see (no answers are loaded)."""
    roles.require(request.user, roles.Capability.VIEW_CLEARANCE_STATUS)
    client = get_object_or_404(get_user_model(), pk=client_id, groups__name=roles.Role.CLIENT)
    check = selectors.front_desk_clearance(viewer=request.user, client=client, on=clinic_today())
    review_url = None
    if roles.can(request.user, roles.Capability.VIEW_MEDICAL):
        current_id = selectors.current_intake_id(client=client)
        review_url = reverse("consultations:intake_review", args=[current_id]) if current_id else None
    return render(
        request, "consultations/client_clearance.html", {"subject": client, "check": check, "review_url": review_url}
    )
