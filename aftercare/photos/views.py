"""Thin views of before-and-after photos: parse, call one service or selector, render.

Photo files are streamed only from here, after the selectors' access check, never from a URL of
the storage, with ``Cache-Control: no-store, private`` so no shared or browser cache keeps one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from clinic import roles
from clinic.audit import audit_record
from clinic.errors import error_show
from clinic.privacy import medical_page

from . import selectors, services
from .compare import course_compare
from .forms import CompareForm, ConsentChangeForm, PhotoUploadForm
from .models import PhotoUse, SessionPhoto

NO_STORE = "no-store, private"


def _private(response):
    response["Cache-Control"] = NO_STORE
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _next_or(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


def _audit_seen(request, *, action: str, target, subject, photos) -> None:
    """A staff page that shows photos (their areas, dates and consents): one entry naming them."""
    if photos and roles.is_staff_member(request.user):
        audit_record(
            actor=request.user,
            action=action,
            target=target,
            request=request,
            subject=subject,
            details={"photos": [p.pk for p in photos]},
        )


# --- Taking photos (practitioners) ----------------------------------------------------------


def upload_form_for(appointment, data=None, files=None, *, previous=None) -> PhotoUploadForm:
    """The upload form of a session. After a photo is saved, the next one starts with the same
    area, stage and answers: the client's answers usually hold for every photo of the session."""
    initial = {"client": appointment.client_id}
    if previous:
        initial.update(previous)
    return PhotoUploadForm(data, files, areas=appointment.areas, initial=initial)


def session_panel_context(*, appointment, form=None, next_url: str = "") -> dict:
    photos = selectors.session_photos(appointment=appointment)
    now = timezone.now()
    for photo in photos:
        photo.consent_rows = selectors.consents_by_use(photo)
        photo.removable = now - photo.taken_at <= services.REMOVE_WITHIN
    return {
        "appointment": appointment,
        "photos": photos,
        "upload_form": form or upload_form_for(appointment),
        "next_url": next_url,
        "can_add": appointment.status in services._photo_statuses(),
    }


def _previous_choices(form) -> dict:
    data = form.cleaned_data
    keep = ("area", "stage", "consent_clinical", "consent_education", "consent_marketing")
    return {name: data.get(name) for name in keep}


@medical_page
@login_required
def session_photos(request, appointment_id: int):
    """The photos of one session, and the form that adds one (from the session record page by
    htmx, which swaps this panel in place and keeps what the practitioner typed there)."""
    from aftercare.selectors import appointment_to_record

    roles.require(request.user, roles.Capability.VIEW_MEDICAL)
    appointment = appointment_to_record(viewer=request.user, appointment_id=appointment_id)
    form = None
    status = 200
    if request.method == "POST":
        form = upload_form_for(appointment, request.POST, request.FILES)
        saved = None
        if form.is_valid():
            try:
                saved = services.photo_add(
                    appointment=appointment,
                    area=form.cleaned_data["area"],
                    angle=form.cleaned_data["angle"],
                    stage=form.cleaned_data["stage"],
                    upload=form.cleaned_data["upload"],
                    taken_by=request.user,
                    consents=form.consents(),
                    for_client_id=form.cleaned_data["client"],
                    request=request,
                )
            except ValidationError as exc:
                error_show(form, exc)
        if saved is not None:
            previous = _previous_choices(form)
            if not request.htmx:
                messages.success(request, f"Photo saved: {saved.label}, {saved.get_stage_display().lower()}.")
                return redirect(_next_or(request, reverse("photos_session", args=[appointment.pk])))
            form = upload_form_for(appointment, previous=previous)
            form.saved = saved
        else:
            # An htmx swap needs a 200; the panel carries the errors. A plain POST says 400.
            status = 200 if request.htmx else 400
    context = session_panel_context(appointment=appointment, form=form, next_url=_next_or(request, ""))
    template = "aftercare/photos/_session_panel.html" if request.htmx else "aftercare/photos/session_photos.html"
    _audit_seen(
        request, action="session_photos.view", target=appointment, subject=appointment.client, photos=context["photos"]
    )
    return render(request, template, context, status=status)


@require_POST
@login_required
def photo_remove(request, photo_id: int):
    photo = selectors.photo_for_viewer(viewer=request.user, photo_id=photo_id)
    fallback = reverse("photos_session", args=[photo.appointment_id])
    try:
        services.photo_remove(photo=photo, removed_by=request.user, request=request)
    except ValidationError as exc:
        error_show(request, exc)
    else:
        messages.success(request, "Photo removed.")
    return redirect(_next_or(request, fallback))


@require_POST
@login_required
def photo_consent_give(request, photo_id: int):
    roles.require(request.user, roles.Capability.RECORD_SESSION)
    photo = selectors.photo_for_viewer(viewer=request.user, photo_id=photo_id)
    form = ConsentChangeForm(request.POST)
    fallback = reverse("photos_session", args=[photo.appointment_id])
    if not form.is_valid():
        messages.error(request, "Choose what the photo may be used for.")
    else:
        consent = services.photo_consent_give(
            photo=photo, use=form.cleaned_data["use"], given_by=request.user, request=request
        )
        messages.success(request, f"Consent recorded: {consent.get_use_display().lower()}.")
    return redirect(_next_or(request, fallback))


@require_POST
@login_required
def photo_consent_withdraw(request, photo_id: int):
    """The client withdraws a use of their photo (or a practitioner records it for them): from
    the next request on, the photo is in no page or export of that use."""
    photo = selectors.photo_for_viewer(viewer=request.user, photo_id=photo_id)
    staff = roles.is_staff_member(request.user)
    fallback = reverse("photos_session", args=[photo.appointment_id]) if staff else reverse("photos_mine")
    form = ConsentChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose which use to withdraw.")
        return redirect(_next_or(request, fallback))
    use = form.cleaned_data["use"]
    try:
        consent = services.photo_consent_withdraw(photo=photo, use=use, withdrawn_by=request.user, request=request)
    except ValidationError as exc:
        error_show(request, exc)
    else:
        label = PhotoUse(use).label.split(" (")[0].lower()
        if consent is None:
            messages.info(request, f"There was no consent to {label} to withdraw.")
        else:
            messages.success(
                request, f"Withdrawn: this photo is no longer used for {label}. This took effect straight away."
            )
    return redirect(_next_or(request, fallback))


# --- Seeing photos ----------------------------------------------------------------------------


def _file(request, photo: SessionPhoto, rendition: str, *, use: str | None = None, download: bool = False):
    handle = services.photo_file_open(photo=photo, rendition=rendition, viewer=request.user, request=request, use=use)
    filename = f"{photo.area}-{photo.angle}-{photo.stage}-{photo.key.hex[:8]}.jpg"
    response = FileResponse(handle, content_type="image/jpeg", as_attachment=download, filename=filename)
    return _private(response)


@login_required
def photo_image(request, photo_id: int, rendition: str):
    """A photo's thumbnail or full image, for its client, practitioners and managers (audited)."""
    if rendition not in ("thumb", "full"):
        raise Http404("No such image.")
    photo = selectors.photo_for_viewer(viewer=request.user, photo_id=photo_id)
    return _file(request, photo, rendition)


@login_required
def my_photos(request):
    """The client's photos and every consent, with a way to withdraw each use."""
    if roles.is_staff_member(request.user):
        raise Http404("Staff see photos on a client's sessions and courses.")
    sessions = selectors.client_photo_sessions(client=request.user)
    return _private(render(request, "aftercare/photos/my_photos.html", {"sessions": sessions}))


@login_required
def course_photos(request, course_id: int):
    """Before and after side by side, for the client (own course) and practitioners."""
    course = selectors.course_for_viewer(viewer=request.user, course_id=course_id)
    compare = course_compare(
        course=course,
        first_id=request.GET.get("first"),
        second_id=request.GET.get("second"),
        stage=request.GET.get("stage") or selectors.DEFAULT_COMPARE_STAGE,
    )
    form = CompareForm(
        initial={
            "first": compare.first.appointment_id if compare.first else None,
            "second": compare.second.appointment_id if compare.second else None,
            "stage": compare.stage,
        },
        sessions=compare.sessions,
    )
    staff = roles.is_staff_member(request.user)
    _audit_seen(request, action="photo_compare.view", target=course, subject=course.client, photos=compare.photos)
    back = reverse("desk_client", args=[course.client_id]) if staff else reverse("my_course")
    return _private(
        render(
            request,
            "aftercare/photos/course_photos.html",
            {"course": course, "compare": compare, "form": form, "staff": staff, "back_url": back},
        )
    )


@login_required
def course_review_pdf(request, course_id: int):
    """The course review as a PDF: the sessions and the comparison, images embedded."""
    from .pdf import course_review_pdf_bytes

    course = selectors.course_for_viewer(viewer=request.user, course_id=course_id)
    compare = course_compare(course=course)
    content = course_review_pdf_bytes(course=course, compare=compare)
    if roles.is_staff_member(request.user):
        audit_record(
            actor=request.user,
            action="course_review_pdf.download",
            target=course,
            request=request,
            subject=course.client,
            details={"photos": [p.pk for p in compare.photos]},
        )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="course-review-{course.pk}.pdf"'
    return _private(response)


# --- The gallery (managers) -------------------------------------------------------------------

GALLERY_USES = (PhotoUse.MARKETING, PhotoUse.EDUCATION)


def _gallery_use(request) -> str:
    use = request.GET.get("use") or PhotoUse.MARKETING
    return use if use in GALLERY_USES else PhotoUse.MARKETING


@login_required
def gallery(request):
    """Photos whose clients' consent to marketing (or education) is in force, cropped to the
    area, with no name. A withdrawal takes a photo out from the next request on."""
    use = _gallery_use(request)
    series = selectors.gallery(viewer=request.user, use=use)
    photos = [item.photo for s in series for item in s.items]
    if photos:
        audit_record(
            actor=request.user,
            action="photo_gallery.view",
            target=request.user,
            request=request,
            details={"use": use, "photos": [p.pk for p in photos]},
        )
    tabs = [(code, PhotoUse(code).label.split(" (")[0], code == use) for code in GALLERY_USES]
    return _private(
        render(
            request,
            "aftercare/photos/gallery.html",
            {"series": series, "use": use, "use_label": PhotoUse(use).label, "tabs": tabs, "count": len(photos)},
        )
    )


@login_required
def gallery_image(request, photo_id: int):
    """The area's crop of a photo in the gallery, while its consent to that use is in force;
    ``?download=1`` exports it as a file (no name in it or in its file name)."""
    use = _gallery_use(request)
    photo = selectors.gallery_photo(viewer=request.user, photo_id=photo_id, use=use)
    return _file(request, photo, "crop", use=use, download=request.GET.get("download") == "1")
