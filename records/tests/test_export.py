"""A client's export: every model about a client is in it, the zip holds the JSON, its schema,
a readable index, the PDFs and the photos; asked twice at once it is one zip; it is offered for
7 days and then deleted; the request and each download are audited."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from clinic.client_data import (
    client_data_entries,
    client_data_exemptions,
    client_data_unsorted,
    models_pointing_at_users,
)
from clinic.models import AuditEntry
from clinic.tests.factories import ClientFactory, ManagerFactory, log_in
from records.export import (
    client_export_build,
    client_export_document,
    client_export_request,
    client_exports_expire,
)
from records.models import ClientExport
from records.schema import SCHEMA_VERSION, export_schema

from .conftest import MEDICAL, PHONE


def test_every_model_with_a_path_of_foreign_keys_to_a_user_is_exported_or_says_why_not():
    """The walk follows chains (a check-in points at a plan, which points at the client): a new
    model that points at a client and is not registered fails here (and at start-up)."""
    pointing = models_pointing_at_users()
    assert "plan__client" in pointing["aftercare.checkin"]
    assert "record__appointment__client" in pointing["aftercare.areadepth"]
    assert client_data_unsorted() == []
    registered = {entry.model._meta.label_lower for entry in client_data_entries()}
    exempt = client_data_exemptions()
    assert registered.isdisjoint(exempt)
    assert all(reason.strip() for reason in exempt.values())
    # What the issue names is exported, not exempted.
    for label in (
        "clinic.user",
        "consultations.intake",
        "consultations.intakeflag",
        "consultations.consentsignature",
        "consultations.clearance",
        "consultations.healthupdate",
        "bookings.appointment",
        "bookings.appointmentstatuschange",
        "aftercare.sessionrecord",
        "aftercare.aftercareplan",
        "aftercare.checkin",
        "clinic.outboundmessage",
        "aftercare.sessionphoto",
        "aftercare.photoconsent",
        "clinic.marketingconsent",
    ):
        assert label in registered, label


def test_a_model_nobody_sorted_fails_the_start_up_check(monkeypatch):
    from clinic import client_data

    monkeypatch.delitem(client_data._registry.entries, "aftercare.checkin")
    errors = client_data.client_data_check()
    assert [e.id for e in errors] == ["clinic.E120"]
    assert "aftercare.checkin" in errors[0].msg


@pytest.mark.django_db
def test_the_export_holds_every_row_of_every_registered_model_about_the_client(full_client, clinic_profile):
    other = ClientFactory()
    document, files = client_export_document(client=full_client)
    sections = document["sections"]
    for entry in client_data_entries():
        expected = sorted(entry.rows(full_client.pk).values_list("pk", flat=True))
        assert expected, f"the test client has no {entry.section}: the test would prove nothing"
        ids = [row.get("id") for row in sections[entry.section]]
        assert sorted(ids) == expected, entry.section
    assert sections["profile"][0]["phone"] == PHONE
    assert "password" not in sections["profile"][0]
    assert "data" not in sections["authenticators"][0]  # the TOTP secret is never exported
    assert other.email not in json.dumps(document, default=str)
    paths = {path for path, _ in files}
    assert any(path.startswith("consents/") for path in paths)
    assert any(path.startswith("aftercare/") for path in paths)
    assert any(path.startswith("photos/") for path in paths)


@pytest.mark.django_db
def test_the_zip_has_the_json_its_schema_a_readme_and_the_files(full_client, clinic_profile):
    export = client_export_request(client=full_client, requested_by=full_client)
    export = client_export_build(export_id=export.pk)
    assert export.status == ClientExport.Status.READY
    assert export.expires_at - export.ready_at == timedelta(days=7)
    from django.core.files.storage import storages

    with storages["private"].open(export.file_name, "rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    names = set(archive.namelist())
    assert {"client.json", "schema.json", "README.txt"} <= names
    document = json.loads(archive.read("client.json"))
    assert document["schema_version"] == SCHEMA_VERSION
    assert MEDICAL in archive.read("client.json").decode()
    for listed in document["files"]:
        assert listed["path"] in names
    photo = next(name for name in names if name.startswith("photos/"))
    assert archive.read(photo)[:2] == b"\xff\xd8"  # a JPEG
    pdf = next(name for name in names if name.startswith("aftercare/"))
    assert archive.read(pdf)[:4] == b"%PDF"
    schema = json.loads(archive.read("schema.json"))
    assert set(schema["properties"]["sections"]["properties"]) == set(document["sections"])
    intake_fields = schema["properties"]["sections"]["properties"]["intakes"]["items"]["properties"]
    assert intake_fields["status"]["enum"] == ["draft", "pending", "question", "approved", "declined", "deferred"]
    readme = archive.read("README.txt").decode()
    assert "client.json" in readme
    assert f"intakes ({len(document['sections']['intakes'])}):" in readme


def test_the_schema_describes_every_field_it_lists():
    for section in export_schema()["properties"]["sections"]["properties"].values():
        assert section["description"]
        for name, field in section["items"]["properties"].items():
            assert field.get("description"), name


@pytest.mark.django_db
def test_asked_twice_at_once_it_is_one_zip(full_client, clinic_profile, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = client_export_request(client=full_client, requested_by=full_client)
        second = client_export_request(client=full_client, requested_by=full_client)
    assert first.pk == second.pk
    assert len(callbacks) == 1
    assert ClientExport.objects.filter(status=ClientExport.Status.PENDING).count() == 1
    assert AuditEntry.objects.filter(action="client_export.request", subject=full_client).count() == 2


@pytest.mark.django_db
def test_after_seven_days_the_zip_is_deleted(full_client, clinic_profile):
    from django.core.files.storage import storages

    export = client_export_build(export_id=client_export_request(client=full_client, requested_by=full_client).pk)
    name = export.file_name
    assert client_exports_expire(now=timezone.now() + timedelta(days=6)) == 0
    assert client_exports_expire(now=timezone.now() + timedelta(days=7, minutes=1)) == 1
    assert not storages["private"].exists(name)
    export.refresh_from_db()
    assert export.status == ClientExport.Status.EXPIRED


@pytest.mark.django_db
def test_the_client_asks_downloads_and_both_are_audited(client, full_client, clinic_profile):
    log_in(client, full_client)
    with time_machine.travel(timezone.now(), tick=True):
        page = client.get(reverse("records:my_export"))
        assert page.status_code == 200
        response = client.post(reverse("records:my_export"))
    assert response.status_code == 302
    export = ClientExport.objects.get(client=full_client, status=ClientExport.Status.PENDING)
    client_export_build(export_id=export.pk)
    page = client.get(reverse("records:my_export")).content.decode()
    assert "Download" in page
    download = client.get(reverse("records:my_export_download"))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    assert b"".join(download.streaming_content)[:2] == b"PK"
    actions = set(AuditEntry.objects.filter(actor=full_client).values_list("action", flat=True))
    assert {"client_export.request", "client_export.download"} <= actions


@pytest.mark.django_db
def test_a_manager_exports_for_a_client_and_a_client_cannot_for_another(client, full_client, clinic_profile):
    manager = ManagerFactory()
    log_in(client, manager)
    assert client.post(reverse("records:client_export", args=[full_client.pk])).status_code == 302
    assert ClientExport.objects.filter(client=full_client, requested_by=manager).exists()
    other = ClientFactory()
    log_in(client, other)
    assert client.post(reverse("records:client_export", args=[full_client.pk])).status_code in (403, 404)
    assert client.get(reverse("records:my_export_download")).status_code == 404


@pytest.mark.django_db
def test_each_download_by_a_manager_is_audited_and_not_cached(client, full_client, clinic_profile):
    manager = ManagerFactory()
    client_export_build(export_id=client_export_request(client=full_client, requested_by=manager).pk)
    log_in(client, manager)
    url = reverse("records:client_export_download", args=[full_client.pk])
    for view in (1, 2):
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        downloads = AuditEntry.objects.filter(actor=manager, action="client_export.download", subject=full_client)
        assert downloads.count() == view


def test_the_documented_schema_in_the_repository_is_the_one_exports_carry():
    """A model change that changes the export changes this file too (``manage.py export_schema
    --write``): reviewers see it, and decide whether SCHEMA_VERSION must move."""
    from records.management.commands.export_schema import SCHEMA_FILE, schema_text

    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text()


@pytest.mark.django_db(transaction=True)
def test_asked_twice_at_the_same_moment_from_two_connections_it_is_one_zip(clinic_profile):
    """Two tabs, two workers: each request on its own connection, released together."""
    import threading

    from django.db import connections

    person = ClientFactory()
    barrier = threading.Barrier(2)
    results = [None, None]

    def ask(index):
        try:
            barrier.wait()
            results[index] = client_export_request(client=person, requested_by=person).pk
        except Exception as error:  # noqa: BLE001 - the test looks at what each got
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results[0] == results[1] and isinstance(results[0], int)
    assert ClientExport.objects.filter(client=person).count() == 1
    assert AuditEntry.objects.filter(action="client_export.request", subject=person).count() == 2
