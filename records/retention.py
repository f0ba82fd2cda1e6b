"""Retention of operational data (the hourly sweep, ``records.tasks.records_sweep``).

- Sent messages older than ``RECORDS_SENT_MESSAGES_DAYS`` (365) days are deleted: the outbox is a
  queue and a log, not an archive of what clients were told. A message that a newer copy points
  at (a resend) goes with its last copy.
- Audit entries older than ``RECORDS_AUDIT_DAYS`` (6 years) are deleted.
- CSV import runs older than ``RECORDS_IMPORT_RUNS_DAYS`` (30) are deleted with their uploaded
  files: the files and reports hold the names and contacts of everyone imported.

Messages that were cancelled, skipped or failed are not touched here: the front desk still acts
on failures, and they hold nothing that was sent.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from clinic.models import AuditEntry, OutboundMessage


def sent_messages_days() -> int:
    return getattr(settings, "RECORDS_SENT_MESSAGES_DAYS", 365)


def audit_days() -> int:
    return getattr(settings, "RECORDS_AUDIT_DAYS", 365 * 6)


def import_runs_days() -> int:
    return getattr(settings, "RECORDS_IMPORT_RUNS_DAYS", 30)


def _import_runs_purge(before) -> int:
    from django.core.files.storage import storages

    from .models import ImportRun

    runs = list(ImportRun.objects.filter(created_at__lt=before).exclude(status__in=["pending", "running"]))
    names = {run.file_name for run in runs if run.file_name}
    kept = set(ImportRun.objects.exclude(pk__in=[run.pk for run in runs]).values_list("file_name", flat=True))
    ImportRun.objects.filter(pk__in=[run.pk for run in runs]).delete()
    for name in names - kept:  # a dry run and its import share the file
        transaction.on_commit(lambda name=name: storages["private"].delete(name))
    return len(runs)


def operational_data_purge(*, now=None, batch: int = 5000) -> dict:
    """Delete sent messages and audit entries past their ages, in batches. Returns the counts."""
    now = now or timezone.now()
    sent_before = now - timedelta(days=sent_messages_days())
    audit_before = now - timedelta(days=audit_days())
    messages = audit = 0
    while True:
        with transaction.atomic():
            ids = list(
                OutboundMessage.objects.filter(
                    status=OutboundMessage.Status.SENT, sent_at__lt=sent_before, resends__isnull=True
                ).values_list("pk", flat=True)[:batch]
            )
            if not ids:
                break
            messages += OutboundMessage.objects.filter(pk__in=ids).delete()[0]
    while True:
        with transaction.atomic():
            ids = list(AuditEntry.objects.filter(at__lt=audit_before).values_list("pk", flat=True)[:batch])
            if not ids:
                break
            audit += AuditEntry.objects.filter(pk__in=ids).delete()[0]
    with transaction.atomic():
        runs = _import_runs_purge(now - timedelta(days=import_runs_days()))
    return {"sent_messages_deleted": messages, "audit_entries_deleted": audit, "import_runs_deleted": runs}
