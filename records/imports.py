"""Import runs: a manager uploads a CSV, a task makes a dry run of it (``records.csv_import``),
the manager reads the report and starts the import of the same file, which a task runs too.

Tasks because a file of thousands of appointments takes minutes: the page shows the run's state
and refreshes itself until the report is there.
"""

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone

from clinic import roles
from clinic.audit import audit_record

from .csv_import import DATE_FORMATS, ENCODINGS, csv_import
from .models import ImportRun

logger = logging.getLogger(__name__)

STORAGE = "private"
Status = ImportRun.Status


def max_bytes() -> int:
    return getattr(settings, "RECORDS_IMPORT_MAX_BYTES", 20 * 1000 * 1000)


def _queue(run_id: int) -> None:
    from .tasks import import_run_execute_task

    try:
        import_run_execute_task.delay(run_id)
    except Exception:  # the broker being away: the hourly sweep runs waiting imports too
        logger.warning("could not queue import run %s; the sweep runs it", run_id, exc_info=True)


def import_run_start(*, kind: str, upload, encoding: str, date_format: str, uploaded_by, request=None) -> ImportRun:
    """Store the uploaded file and plan its dry run. Raises ValidationError for a choice or a
    file that cannot be taken at all (too big, empty), PermissionDenied for anyone but a manager."""
    roles.require(uploaded_by, roles.Capability.MANAGE_CLINIC)
    errors = {}
    if kind not in ImportRun.Kind.values:
        errors["kind"] = "Choose what the file holds."
    if encoding not in ENCODINGS:
        errors["encoding"] = "Choose the file's encoding."
    if date_format not in DATE_FORMATS:
        errors["date_format"] = "Choose how the file writes dates."
    if upload is None or not upload.size:
        errors["file"] = "Choose a CSV file that is not empty."
    elif upload.size > max_bytes():
        errors["file"] = f"The file is larger than {max_bytes() // 1_000_000} MB: split it into smaller files."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        name = storages[STORAGE].save(f"imports/{uuid.uuid4().hex}.csv", ContentFile(upload.read()))
        run = ImportRun.objects.create(
            kind=kind,
            dry_run=True,
            encoding=encoding,
            date_format=date_format,
            original_name=(getattr(upload, "name", "") or "")[:200],
            file_name=name,
            uploaded_by=uploaded_by,
        )
        audit_record(actor=uploaded_by, action="import.dry_run", target=run, request=request)
        transaction.on_commit(lambda: _queue(run.pk))
    return run


def import_run_confirm(*, dry_run: ImportRun, confirmed_by, request=None) -> ImportRun:
    """Start the import of a dry run's file. Idempotent: a second click returns the import already
    started from it. Raises ValidationError when the dry run is not finished or found the file
    unreadable."""
    roles.require(confirmed_by, roles.Capability.MANAGE_CLINIC)
    with transaction.atomic():
        dry_run = ImportRun.objects.select_for_update().get(pk=dry_run.pk)
        if not dry_run.dry_run:
            raise ValidationError("This run is an import already.")
        existing = dry_run.imports.order_by("-pk").first()
        if existing is not None and existing.status in (Status.PENDING, Status.RUNNING):
            return existing
        if dry_run.status != Status.DONE:
            raise ValidationError("Wait for the dry run to finish, and read what it found first.")
        if not dry_run.file_name:
            raise ValidationError("The file of this dry run is no longer kept: upload it again.")
        run = ImportRun.objects.create(
            kind=dry_run.kind,
            dry_run=False,
            encoding=dry_run.encoding,
            date_format=dry_run.date_format,
            original_name=dry_run.original_name,
            file_name=dry_run.file_name,
            uploaded_by=confirmed_by,
            dry_run_of=dry_run,
        )
        audit_record(actor=confirmed_by, action="import.run", target=run, request=request)
        transaction.on_commit(lambda: _queue(run.pk))
    return run


def import_run_execute(*, run_id: int) -> ImportRun:
    """Run a waiting import run (the task). Idempotent: a run that is not waiting is returned
    as it is. A failure half-way leaves the database as it was (``csv_import`` runs in one
    transaction) and marks the run failed."""
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().get(pk=run_id)
        if run.status != Status.PENDING:
            return run
        run.status = Status.RUNNING
        run.started_at = timezone.now()
        run.save(update_fields=["status", "started_at"])
    try:
        with storages[STORAGE].open(run.file_name, "rb") as handle:
            content = handle.read()
        report = csv_import(
            kind=run.kind,
            content=content,
            imported_by=run.uploaded_by,
            dry_run=run.dry_run,
            encoding=run.encoding,
            date_format=run.date_format,
        )
        run.report = report.as_dict()
        run.status = Status.FAILED if report.error else Status.DONE
    except Exception as exc:  # nothing was written (one transaction); the manager sees why
        logger.exception("import run %s failed", run_id)
        run.report = {"error": f"The import stopped and nothing was imported: {type(exc).__name__}: {exc}"[:2000]}
        run.status = Status.FAILED
    run.finished_at = timezone.now()
    run.save(update_fields=["report", "status", "finished_at"])
    return run


def import_runs_pending_execute(*, older_than_minutes: int = 10) -> int:
    """Run waiting import runs whose task was lost (the hourly sweep)."""
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    ids = list(ImportRun.objects.filter(status=Status.PENDING, created_at__lt=cutoff).values_list("pk", flat=True))
    for run_id in ids:
        import_run_execute(run_id=run_id)
    return len(ids)
