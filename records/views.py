"""Thin views of records: a client's own export, erasure request and marketing choices; a
manager's page for one client (export, erasure); the CSV import."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from clinic import roles
from clinic.consent import marketing_channels, marketing_consent_set
from clinic.dates import date_label
from clinic.models import MarketingConsent

from . import erasure as erasure_services
from . import export as export_services
from . import imports as import_services
from .csv_import import APPOINTMENT_COLUMNS, CLIENT_COLUMNS, max_rows
from .forms import ErasureRequestForm, ImportForm, MarketingConsentForm
from .models import ClientExport, ErasureRequest, ImportRun


def _errors_onto_form(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _require_client(user) -> None:
    if not roles.is_client(user):
        raise PermissionDenied("This page is for clients.")


def _latest_exports(client):
    return list(ClientExport.objects.filter(client=client).order_by("-requested_at", "-pk")[:5])


def _ready_export(client) -> ClientExport | None:
    return (
        ClientExport.objects.filter(client=client, status=ClientExport.Status.READY, expires_at__gt=timezone.now())
        .order_by("-ready_at", "-pk")
        .first()
    )


def _download(request, client):
    export = _ready_export(client)
    if export is None:
        raise Http404("No export is ready.")
    try:
        handle = export_services.client_export_open(export=export, viewer=request.user, request=request)
    except ValidationError as exc:
        raise Http404(exc.messages[0]) from exc
    stamp = timezone.localdate(export.ready_at).isoformat()
    response = FileResponse(
        handle, as_attachment=True, filename=f"my-records-{stamp}.zip", content_type="application/zip"
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- The client's own pages -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def my_export(request):
    """Ask for a copy of everything the clinic holds about me; download it when it is ready."""
    _require_client(request.user)
    if request.method == "POST":
        export_services.client_export_request(client=request.user, requested_by=request.user, request=request)
        messages.success(request, "We are preparing your file. It takes a minute or two: come back to this page.")
        return redirect("records:my_export")
    response = render(
        request,
        "records/my_export.html",
        {
            "exports": _latest_exports(request.user),
            "ready": _ready_export(request.user),
            "days": export_services.export_days(),
        },
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def my_export_download(request):
    _require_client(request.user)
    return _download(request, request.user)


@login_required
@require_http_methods(["GET", "POST"])
def my_erasure(request):
    """Ask to be forgotten. A manager confirms; until then the client can withdraw."""
    _require_client(request.user)
    open_request = ErasureRequest.objects.filter(client=request.user, status=ErasureRequest.Status.REQUESTED).first()
    form = ErasureRequestForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("withdraw") and open_request is not None:
            erasure_services.erasure_withdraw(erasure=open_request, by=request.user, request=request)
            messages.success(request, "Your request is withdrawn.")
            return redirect("records:my_erasure")
        if form.is_valid():
            erasure_services.erasure_request(client=request.user, request=request)
            messages.success(request, "Your request is sent. The clinic confirms it and lets you know.")
            return redirect("records:my_erasure")
    return render(
        request,
        "records/my_erasure.html",
        {"form": form, "open_request": open_request, "years": erasure_services.retention_years()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def my_marketing(request):
    """Opt in or out of marketing, per channel. Each change records when and how."""
    _require_client(request.user)
    form = MarketingConsentForm(
        request.POST or None, initial={"channels": sorted(marketing_channels(person=request.user))}
    )
    if request.method == "POST" and form.is_valid():
        marketing_consent_set(
            person=request.user,
            channels=form.cleaned_data["channels"],
            via=MarketingConsent.Via.PORTAL,
            request=request,
        )
        messages.success(request, "Your choices are saved.")
        return redirect("records:my_marketing")
    history = MarketingConsent.objects.filter(person=request.user).order_by("-given_at", "-pk")[:20]
    return render(request, "records/my_marketing.html", {"form": form, "history": history})


# --- The manager's page for one client --------------------------------------------------------


def _manager_client(request, client_id: int):
    roles.require(request.user, roles.Capability.MANAGE_CLINIC)
    client = get_object_or_404(get_user_model(), pk=client_id)
    if not roles.is_client(client):
        raise Http404("No such client.")
    return client


@login_required
def client_records(request, client_id: int):
    """Export and erasure for one client."""
    client = _manager_client(request, client_id)
    erasures = list(ErasureRequest.objects.filter(client=client).order_by("-requested_at", "-pk")[:5])
    response = render(
        request,
        "records/client_records.html",
        {
            "person": client,
            "exports": _latest_exports(client),
            "ready": _ready_export(client),
            "erasures": erasures,
            "open_request": next((e for e in erasures if e.status == ErasureRequest.Status.REQUESTED), None),
            "busy": erasure_services.session_not_over(client=client),
            "marketing_form": MarketingConsentForm(initial={"channels": sorted(marketing_channels(person=client))}),
            "years": erasure_services.retention_years(),
        },
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def client_export(request, client_id: int):
    client = _manager_client(request, client_id)
    export_services.client_export_request(client=client, requested_by=request.user, request=request)
    messages.success(request, "The export is being prepared.")
    return redirect("records:client_records", client_id=client.pk)


@login_required
def client_export_download(request, client_id: int):
    client = _manager_client(request, client_id)
    return _download(request, client)


@login_required
@require_POST
def client_erasure_confirm(request, client_id: int):
    client = _manager_client(request, client_id)
    open_request = ErasureRequest.objects.filter(client=client, status=ErasureRequest.Status.REQUESTED).first()
    if open_request is None:
        messages.error(request, "This client has not asked to be forgotten.")
        return redirect("records:client_records", client_id=client.pk)
    try:
        done = erasure_services.erasure_confirm(erasure=open_request, confirmed_by=request.user, request=request)
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
        return redirect("records:client_records", client_id=client.pk)
    kept = (
        f" Clinical records are kept until {date_label(done.retain_until)}."
        if done.status == done.Status.ERASED
        else ""
    )
    messages.success(request, "The client is forgotten." + kept)
    return redirect("records:erasures")


@login_required
def erasures(request):
    """Requests waiting for confirmation, and erasures whose clinical records are still kept."""
    roles.require(request.user, roles.Capability.MANAGE_CLINIC)
    rows = list(
        ErasureRequest.objects.filter(status__in=[ErasureRequest.Status.REQUESTED, ErasureRequest.Status.ERASED])
        .select_related("client")
        .order_by("status", "requested_at", "pk")[:200]
    )
    return render(request, "records/erasures.html", {"rows": rows})


# --- Moving in: CSV import --------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def import_csv(request):
    """Upload a clients or appointments file for a dry run; the runs so far."""
    roles.require(request.user, roles.Capability.MANAGE_CLINIC)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = import_services.import_run_start(
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                encoding=form.cleaned_data["encoding"],
                date_format=form.cleaned_data["date_format"],
                uploaded_by=request.user,
                request=request,
            )
        except ValidationError as exc:
            _errors_onto_form(form, exc)
        else:
            return redirect("records:import_run", run_id=run.pk)
    runs = ImportRun.objects.select_related("uploaded_by").order_by("-created_at", "-pk")[:20]
    return render(
        request,
        "records/import.html",
        {
            "form": form,
            "runs": runs,
            "client_columns": CLIENT_COLUMNS,
            "appointment_columns": APPOINTMENT_COLUMNS,
            "max_rows": max_rows(),
        },
    )


REPORT_ROWS_SHOWN = 500


@login_required
@require_http_methods(["GET", "POST"])
def import_run(request, run_id: int):
    """One run's state and report; from a finished dry run, the button that imports the file."""
    roles.require(request.user, roles.Capability.MANAGE_CLINIC)
    run = get_object_or_404(ImportRun.objects.select_related("uploaded_by"), pk=run_id)
    if request.method == "POST":
        try:
            started = import_services.import_run_confirm(dry_run=run, confirmed_by=request.user, request=request)
        except ValidationError as exc:
            for text in exc.messages:
                messages.error(request, text)
            return redirect("records:import_run", run_id=run.pk)
        return redirect("records:import_run", run_id=started.pk)
    rows = run.report.get("rows", []) if isinstance(run.report, dict) else []
    refused = [row for row in rows if row.get("outcome") == "refused"]
    others = [row for row in rows if row.get("outcome") != "refused"]
    return render(
        request,
        "records/import_run.html",
        {
            "run": run,
            "waiting": run.status in (ImportRun.Status.PENDING, ImportRun.Status.RUNNING),
            "counts": run.report.get("counts", {}) if isinstance(run.report, dict) else {},
            "refused": refused[:REPORT_ROWS_SHOWN],
            "others": others[:REPORT_ROWS_SHOWN],
            "more_refused": max(len(refused) - REPORT_ROWS_SHOWN, 0),
            "more_others": max(len(others) - REPORT_ROWS_SHOWN, 0),
            "imported": run.imports.order_by("-pk").first() if run.dry_run else None,
        },
    )


@login_required
@require_POST
def client_marketing(request, client_id: int):
    """A manager records the marketing choices a client gave in person or on the phone."""
    client = _manager_client(request, client_id)
    form = MarketingConsentForm(request.POST)
    if form.is_valid():
        marketing_consent_set(
            person=client, channels=form.cleaned_data["channels"], via=MarketingConsent.Via.STAFF, request=request
        )
        messages.success(request, "The client's marketing choices are saved.")
    else:
        messages.error(request, "Choose e-mail, text message, both or neither.")
    return redirect("records:client_records", client_id=client.pk)
