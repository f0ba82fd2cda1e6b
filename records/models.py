"""A client's export (the zip), the erasure of a client, and CSV imports from other systems."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ClientExport(models.Model):
    """One zip of everything the clinic holds about one client, built by a task, offered for
    download until ``expires_at`` (7 days), then deleted by a scheduled task. At most one is
    being built per client at a time: asking twice at once gives the same export."""

    class Status(models.TextChoices):
        PENDING = "pending", "Being prepared"
        READY = "ready", "Ready to download"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired and deleted"

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exports")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    file_name = models.CharField(max_length=200, blank=True, help_text="A name in private storage, never a URL.")
    size_bytes = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True)
    downloads = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["client"], condition=Q(status="pending"), name="export_one_pending"),
            models.CheckConstraint(
                condition=~Q(status="ready") | Q(expires_at__isnull=False, ready_at__isnull=False) & ~Q(file_name=""),
                name="export_ready_has_file",
            ),
        ]

    def __str__(self):
        return f"Export {self.pk} of client {self.client_id} ({self.status})"


class ErasureRequest(models.Model):
    """A client's request to be forgotten, and what became of it. Once confirmed, the client's
    account holds no personal data; ``retain_until`` is when the clinical records kept by law
    are deleted too (``records.erasure.clinical_records_sweep``). The row says that it happened,
    never who it was: its client is the anonymised account."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Asked by the client"
        ERASED = "erased", "Erased; clinical records kept"
        COMPLETE = "complete", "Clinical records deleted too"
        WITHDRAWN = "withdrawn", "Withdrawn"

    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    requested_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_treatment_on = models.DateField(null=True, blank=True)
    retain_until = models.DateField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["client"], condition=Q(status__in=["requested", "erased"]), name="erasure_one_open_per_client"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["requested", "withdrawn"])
                | Q(confirmed_at__isnull=False, retain_until__isnull=False),
                name="erasure_confirmed_has_retention",
            ),
        ]
        indexes = [models.Index(fields=["status", "retain_until"], name="erasure_due")]

    def __str__(self):
        return f"Erasure {self.pk} ({self.status})"


class ImportRun(models.Model):
    """One CSV file a manager uploaded, and one pass over it: a dry run (nothing kept) or the
    import. Run by a task (a file of thousands of appointments takes minutes); the report holds
    one line per row: created, matched or refused and why (``records.csv_import``)."""

    class Kind(models.TextChoices):
        CLIENTS = "clients", "Clients"
        APPOINTMENTS = "appointments", "Future appointments"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed: nothing was imported"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    dry_run = models.BooleanField(default=True)
    encoding = models.CharField(max_length=10, default="utf-8")
    date_format = models.CharField(max_length=3, default="dmy")
    original_name = models.CharField(max_length=200, blank=True)
    file_name = models.CharField(max_length=200, help_text="The uploaded file, in private storage.")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    report = models.JSONField(default=dict, blank=True)
    dry_run_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="imports",
        help_text="The dry run this import was started from.",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["clients", "appointments"]), name="import_run_kind_known"),
        ]

    def __str__(self):
        return f"{'Dry run' if self.dry_run else 'Import'} {self.pk} of {self.kind}"
