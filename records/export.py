"""A client's export: one zip of everything the clinic holds about them.

``client_export_request`` (the client from the portal, or a manager for a client) plans one;
a task builds it (``client_export_build``) into private storage; it is offered for download for
``RECORDS_EXPORT_DAYS`` (7) days and then deleted by a scheduled task
(``client_exports_expire``). The request and each download are audited. Asking twice at once
gives one zip: the client's row is locked and a pending export is returned as it is (the database
holds one pending export per client too).

The zip holds ``client.json`` (every registered section, ``records.schema``), ``schema.json``,
``README.txt`` (a human-readable index) and the files: consent PDFs, aftercare PDFs, photos.
"""

import io
import json
import logging
import zipfile
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from clinic import roles
from clinic.audit import audit_record
from clinic.client_data import client_data_entries
from clinic.models import ClinicProfile

from .models import ClientExport
from .schema import FORMAT, SCHEMA_VERSION, export_schema, row_values

logger = logging.getLogger(__name__)

STORAGE = "private"
Status = ClientExport.Status


def export_days() -> int:
    return getattr(settings, "RECORDS_EXPORT_DAYS", 7)


def _may_export(*, client, viewer) -> bool:
    if viewer is None or not viewer.is_authenticated:
        return False
    if viewer.pk == client.pk:
        return roles.is_client(viewer)
    return roles.can(viewer, roles.Capability.MANAGE_CLINIC)


def client_export_request(*, client, requested_by, request=None) -> ClientExport:
    """Plan an export of ``client``'s records, for the client themselves or a manager. Returns
    the export being prepared when there already is one (two clicks, two tabs: one zip).
    Audited. Raises PermissionDenied for anyone else."""
    if not _may_export(client=client, viewer=requested_by):
        raise PermissionDenied("You cannot export this client's records.")
    with transaction.atomic():
        get_user_model().objects.select_for_update().get(pk=client.pk)
        export = ClientExport.objects.filter(client=client, status=Status.PENDING).first()
        created = export is None
        if created:
            export = ClientExport.objects.create(client=client, requested_by=requested_by)
            transaction.on_commit(lambda: _build_later(export.pk))
        audit_record(
            actor=requested_by,
            action="client_export.request",
            target=export,
            request=request,
            subject=client,
            details={"new": created},
        )
    return export


def _build_later(export_id: int) -> None:
    from .tasks import client_export_build_task

    try:
        client_export_build_task.delay(export_id)
    except Exception:  # the broker being away: the beat sweep builds pending exports too
        logger.warning("could not queue export %s; the next sweep builds it", export_id, exc_info=True)


def client_export_document(*, client) -> tuple[dict, list[tuple[str, object]]]:
    """(the JSON document, the files for the zip) for ``client``. Files are (path, bytes) or
    (path, ExportFile). A fixed number of queries per registered model."""
    user_model = get_user_model()
    sections, files, listing, people = {}, [], [], set()
    user_fks = {}
    for entry in client_data_entries():
        rows = list(entry.rows(client.pk))
        sections[entry.section] = [row_values(entry, row) for row in rows]
        fks = [f.attname for f in entry.model._meta.concrete_fields if f.is_relation and f.related_model is user_model]
        user_fks[entry.section] = fks
        for values in sections[entry.section]:
            people.update(values[key] for key in fks if values.get(key) and values[key] != client.pk)
        if entry.files:
            for stored in entry.files(rows):
                if stored.export:
                    files.append((stored.path, stored))
                    listing.append({"path": stored.path, "section": entry.section})
        if entry.rendered and rows:
            for path, content in entry.rendered(entry.rows(client.pk)):
                files.append((path, content))
                listing.append({"path": path, "section": entry.section})
    names = {str(user.pk): str(user) for user in user_model.objects.filter(pk__in=people)}
    clinic = ClinicProfile.get()
    document = {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "exported_at": timezone.now(),
        "clinic": {"name": clinic.name, "time_zone": clinic.time_zone},
        "client_id": client.pk,
        "people": names,
        "files": listing,
        "sections": sections,
    }
    return document, files


def _zip_bytes(*, client, document: dict, files) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("client.json", json.dumps(document, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False))
        archive.writestr("schema.json", json.dumps(export_schema(), indent=2, ensure_ascii=False))
        missing = []
        for path, content in files:
            if isinstance(content, bytes):
                archive.writestr(path, content)
                continue
            storage = storages[content.storage]
            if not storage.exists(content.name):
                missing.append(path)
                continue
            with storage.open(content.name, "rb") as handle:
                archive.writestr(path, handle.read())
        entries = {entry.section: entry for entry in client_data_entries()}
        index = render_to_string(
            "records/export_readme.txt",
            {
                "client": client,
                "document": document,
                "sections": [
                    (name, entries[name].description, len(rows)) for name, rows in document["sections"].items()
                ],
                "missing": missing,
                "days": export_days(),
            },
        )
        archive.writestr("README.txt", index)
    return buffer.getvalue()


def client_export_build(*, export_id: int) -> ClientExport:
    """Build the zip of a pending export and offer it for ``RECORDS_EXPORT_DAYS`` days.
    Idempotent: an export that is no longer pending is returned as it is (a second worker waits
    on the row lock, then finds it done). A failure marks it failed with the reason."""
    with transaction.atomic():
        export = ClientExport.objects.select_for_update().select_related("client").get(pk=export_id)
        if export.status != Status.PENDING:
            return export
        try:
            document, files = client_export_document(client=export.client)
            content = _zip_bytes(client=export.client, document=document, files=files)
        except Exception as exc:  # recorded for the manager; the client can ask again
            logger.exception("export %s failed", export_id)
            export.status = Status.FAILED
            export.error = f"{type(exc).__name__}: {exc}"[:2000]
            export.save(update_fields=["status", "error"])
            return export
        name = storages[STORAGE].save(f"exports/{export.client_id}/{export.key}.zip", ContentFile(content))
        now = timezone.now()
        export.file_name = name
        export.size_bytes = len(content)
        export.status = Status.READY
        export.ready_at = now
        export.expires_at = now + timedelta(days=export_days())
        export.save(update_fields=["file_name", "size_bytes", "status", "ready_at", "expires_at"])
    return export


def client_export_open(*, export: ClientExport, viewer, request=None):
    """The zip of a ready export, opened for ``viewer`` (the client or a manager); the download
    is audited. Raises PermissionDenied or ValidationError (not ready, expired)."""
    if not _may_export(client=export.client, viewer=viewer):
        raise PermissionDenied("You cannot download this export.")
    if export.status != Status.READY or export.expires_at <= timezone.now():
        raise ValidationError("This export is no longer available: ask for a new one.")
    ClientExport.objects.filter(pk=export.pk).update(downloads=F("downloads") + 1)
    audit_record(actor=viewer, action="client_export.download", target=export, request=request, subject=export.client)
    return storages[STORAGE].open(export.file_name, "rb")


def client_exports_expire(*, now=None) -> int:
    """Delete the zips whose 7 days are over (a scheduled task). Returns how many."""
    now = now or timezone.now()
    expired = 0
    for export in ClientExport.objects.filter(status=Status.READY, expires_at__lte=now):
        storages[STORAGE].delete(export.file_name)
        expired += ClientExport.objects.filter(pk=export.pk, status=Status.READY).update(
            status=Status.EXPIRED, file_name=""
        )
    return expired


def client_exports_build_pending() -> int:
    """Build exports whose task was lost (the broker was away): the same scheduled sweep."""
    built = 0
    for export_id in ClientExport.objects.filter(status=Status.PENDING).values_list("pk", flat=True):
        client_export_build(export_id=export_id)
        built += 1
    return built
