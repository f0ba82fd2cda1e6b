"""Erasure within the law: a client asks to be forgotten, a manager confirms.

At confirmation, in one transaction (``erasure_confirm``):

- refused while the client has a session today that is not over (booked for today, checked in or
  in treatment): the clinic is still looking after them;
- future sessions are cancelled through the booking service, which cancels their messages;
- what the law lets go goes at once, model by model as each app registered it
  (``clinic.client_data``): deleted (messages, e-mail addresses, marketing consents, waitlist),
  anonymised (free-text reasons on sessions), the account's contact details and login wiped, and
  the audit log unlinked from the client (it keeps that things happened, not to whom);
- clinical records (intakes, consents, clearances, health updates, session records, aftercare
  plans, check-ins, photos) are kept until ``RECORDS_CLINICAL_RETENTION_YEARS`` (8) years after
  the last completed session, then deleted with their files by the hourly sweep
  (``clinical_records_sweep``).
"""

import logging
from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.db import models, transaction
from django.db.models import ProtectedError, Q
from django.db.models.functions import Cast
from django.utils import timezone

from bookings.models import Appointment
from bookings.services.appointments import appointment_cancel
from clinic import roles
from clinic.audit import audit_record
from clinic.client_data import ClientData, Erasure, client_data_entries
from clinic.models import ClinicProfile, User

from .models import ErasureRequest

logger = logging.getLogger(__name__)

Status = ErasureRequest.Status
OPEN = (Status.REQUESTED, Status.ERASED)
NOT_OVER = (Appointment.Status.CHECKED_IN, Appointment.Status.IN_TREATMENT)


def retention_years() -> int:
    return getattr(settings, "RECORDS_CLINICAL_RETENTION_YEARS", 8)


def erasure_request(*, client, request=None) -> ErasureRequest:
    """The client asks to be forgotten (from their portal). Idempotent: asking again returns the
    open request. Nothing is erased until a manager confirms."""
    if not roles.is_client(client):
        raise PermissionDenied("Only a client can ask to be forgotten.")
    with transaction.atomic():
        User.objects.select_for_update().get(pk=client.pk)
        existing = ErasureRequest.objects.filter(client=client, status__in=OPEN).first()
        if existing is not None:
            return existing
        erasure = ErasureRequest.objects.create(client=client)
        audit_record(actor=client, action="client.erasure_requested", target=erasure, request=request, subject=client)
    return erasure


def erasure_withdraw(*, erasure: ErasureRequest, by, request=None) -> ErasureRequest:
    """The client (or a manager) withdraws a request that has not been confirmed."""
    if by.pk != erasure.client_id and not roles.can(by, roles.Capability.MANAGE_CLINIC):
        raise PermissionDenied("You cannot withdraw this request.")
    with transaction.atomic():
        erasure = ErasureRequest.objects.select_for_update().get(pk=erasure.pk)
        if erasure.status != Status.REQUESTED:
            raise ValidationError("This request has already been carried out.")
        erasure.status = Status.WITHDRAWN
        erasure.save(update_fields=["status"])
        audit_record(actor=by, action="client.erasure_withdrawn", target=erasure, request=request)
    return erasure


def _today_bounds(tz):
    today = timezone.localdate(timezone.now(), tz)
    start = datetime.combine(today, time(0), tzinfo=tz)
    end = datetime.combine(today + timedelta(days=1), time(0), tzinfo=tz)
    return today, start, end


def session_not_over(*, client) -> Appointment | None:
    """A session of the client's today that is not over (or one checked in and not closed)."""
    tz = ClinicProfile.get().tz
    _today, start, end = _today_bounds(tz)
    today_booked = Q(status=Appointment.Status.BOOKED, starts_at__gte=start, starts_at__lt=end)
    return Appointment.objects.filter(Q(client=client) & (today_booked | Q(status__in=NOT_OVER))).first()


def _last_treatment_on(client, tz):
    last = (
        Appointment.objects.filter(client=client, status=Appointment.Status.COMPLETED)
        .order_by("-starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    return timezone.localdate(last, tz) if last else None


def _blank(field: models.Field):
    if field.null:
        return None
    if isinstance(field, models.JSONField):
        return field.get_default()
    return ""


def _delete_entries(entries: list[ClientData], client_id: int) -> list:
    """Delete the rows of ``entries`` for the client, children before parents (an entry whose
    rows are still protected by another's is retried after it). Returns the stored files to
    delete once the transaction commits."""
    files, pending = [], list(entries)
    while pending:
        progressed = False
        for entry in list(pending):
            rows = entry.rows(client_id)
            found = entry.files(list(rows)) if entry.files else []
            try:
                with transaction.atomic():
                    for field in entry.model._meta.concrete_fields:
                        if field.is_relation and field.related_model is entry.model:
                            # Copies first (a resend points at its original), newest first.
                            for row in rows.filter(**{f"{field.name}__isnull": False}).order_by("-pk"):
                                row.delete()
                    rows.delete()
            except ProtectedError:
                continue
            files.extend(found)
            pending.remove(entry)
            progressed = True
        if not progressed:
            raise RuntimeError(f"cannot delete {[e.model._meta.label for e in pending]}: protected by other rows")
    return files


def _delete_files_after_commit(files) -> None:
    def delete():
        for stored in files:
            try:
                storages[stored.storage].delete(stored.name)
            except OSError:  # logged; the row is gone, a stray file is found by the next sweep
                logger.warning("could not delete %s from %s", stored.name, stored.storage, exc_info=True)

    if files:
        transaction.on_commit(delete)


def _import_runs_forget(snapshot: dict) -> list:
    """CSV imports whose report names the client: the report's rows and the uploaded file go (the
    counts stay). Returns the files to delete after commit."""
    from clinic.client_data import ExportFile

    from .models import ImportRun

    needles = [value for value in (snapshot.get("email"), snapshot.get("phone")) if value]
    if not needles:
        return []
    naming = Q()
    for needle in needles:
        naming |= Q(report_text__icontains=needle)
    runs = ImportRun.objects.annotate(report_text=Cast("report", models.TextField())).filter(naming)
    files = []
    for run in runs:
        if run.file_name:
            files.append(ExportFile(storage="private", name=run.file_name, path="", export=False))
        report = {key: value for key, value in run.report.items() if key != "rows"}
        ImportRun.objects.filter(pk=run.pk).update(report={**report, "rows": []}, file_name="")
    return files


def erasure_confirm(*, erasure: ErasureRequest, confirmed_by, request=None) -> ErasureRequest:
    """A manager carries out a client's request to be forgotten (see the module's docstring).

    Raises PermissionDenied for anyone but a manager, and ValidationError (nothing changed) for a
    request that is not open or a client with a session today that is not over."""
    roles.require(confirmed_by, roles.Capability.MANAGE_CLINIC)
    clinic = ClinicProfile.get()
    with transaction.atomic():
        client = User.objects.select_for_update().get(pk=erasure.client_id)
        erasure = ErasureRequest.objects.select_for_update().get(pk=erasure.pk)
        if erasure.status != Status.REQUESTED:
            raise ValidationError("This request is not waiting for confirmation.")
        busy = session_not_over(client=client)
        if busy is not None:
            raise ValidationError(
                f"{client} has a session today ({timezone.localtime(busy.starts_at, clinic.tz):%H:%M}) that is not "
                "over: confirm once it is completed, cancelled or marked a no-show."
            )
        for appointment in Appointment.objects.filter(
            client=client, status=Appointment.Status.BOOKED, starts_at__gt=timezone.now()
        ).order_by("starts_at"):
            appointment_cancel(appointment=appointment, cancelled_by=confirmed_by, request=request)
        snapshot = {"email": client.email, "full_name": client.get_full_name(), "phone": client.phone}
        entries = client_data_entries()
        files = _delete_entries([e for e in entries if e.erasure == Erasure.DELETE], client.pk)
        for entry in entries:
            if entry.erasure == Erasure.ANONYMISE and entry.personal_fields:
                blanks = {name: _blank(entry.model._meta.get_field(name)) for name in entry.personal_fields}
                entry.model._default_manager.filter(pk__in=entry.rows(client.pk).values("pk")).update(**blanks)
        # The account last: the audit log's erasure still finds the client's name to blank.
        for entry in sorted((e for e in entries if e.erasure == Erasure.CUSTOM), key=lambda e: e.model is type(client)):
            rows = entry.model._default_manager.filter(pk__in=entry.rows(client.pk).values("pk"))
            entry.erase(client=client, rows=rows, snapshot=snapshot)
        files += _import_runs_forget(snapshot)
        clinical = [e for e in entries if e.erasure == Erasure.CLINICAL]
        has_clinical = any(e.rows(client.pk).exists() for e in clinical)
        now = timezone.now()
        last = _last_treatment_on(client, clinic.tz)
        erasure.status = Status.ERASED if has_clinical else Status.COMPLETE
        erasure.confirmed_at = now
        erasure.last_treatment_on = last
        erasure.retain_until = (last or timezone.localdate(now, clinic.tz)) + relativedelta(years=retention_years())
        erasure.completed_at = None if has_clinical else now
        erasure.save(update_fields=["status", "confirmed_at", "last_treatment_on", "retain_until", "completed_at"])
        audit_record(
            actor=confirmed_by,
            action="client.erased",
            target=erasure,
            request=request,
            details={"clinical_records_kept_until": erasure.retain_until.isoformat() if has_clinical else None},
        )
        _delete_files_after_commit(files)
    return erasure


def clinical_records_sweep(*, today=None) -> int:
    """Delete the clinical records of forgotten clients whose retention period is over, with
    their files (the hourly sweep). Returns how many clients' records went. Idempotent."""
    today = today or timezone.localdate(timezone.now(), ClinicProfile.get().tz)
    done = 0
    clinical = [e for e in client_data_entries() if e.erasure == Erasure.CLINICAL]
    for erasure_id in ErasureRequest.objects.filter(status=Status.ERASED, retain_until__lte=today).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            erasure = ErasureRequest.objects.select_for_update().get(pk=erasure_id)
            if erasure.status != Status.ERASED:
                continue
            files = _delete_entries(clinical, erasure.client_id)
            erasure.status = Status.COMPLETE
            erasure.completed_at = timezone.now()
            erasure.save(update_fields=["status", "completed_at"])
            audit_record(actor=None, action="client.clinical_records_deleted", target=erasure)
            _delete_files_after_commit(files)
        done += 1
    return done
