"""Retention of operational data: sent messages and audit entries past their ages are deleted by
the scheduled sweep; what is younger, or not sent, stays."""

from datetime import timedelta

import pytest
from django.utils import timezone

from clinic.models import AuditEntry, OutboundMessage
from clinic.tests.factories import ClientFactory
from records.retention import operational_data_purge
from records.tasks import records_sweep

Status = OutboundMessage.Status


def message(person, key, *, status, sent_days_ago=None, resend_of=None):
    now = timezone.now()
    sent_at = now - timedelta(days=sent_days_ago) if sent_days_ago is not None else None
    return OutboundMessage.objects.create(
        kind="reminder",
        recipient=person,
        idempotency_key=key,
        due_at=sent_at or now,
        status=status,
        sent_at=sent_at,
        resend_of=resend_of,
    )


@pytest.mark.django_db
def test_sent_messages_older_than_the_set_age_are_purged(settings):
    settings.RECORDS_SENT_MESSAGES_DAYS = 365
    person = ClientFactory()
    old = message(person, "old", status=Status.SENT, sent_days_ago=400)
    young = message(person, "young", status=Status.SENT, sent_days_ago=300)
    failed = message(person, "failed", status=Status.FAILED)
    original = message(person, "original", status=Status.SENT, sent_days_ago=500)
    copy = message(person, "copy", status=Status.SENT, sent_days_ago=100, resend_of=original)
    result = operational_data_purge()
    assert result["sent_messages_deleted"] == 1
    left = set(OutboundMessage.objects.values_list("pk", flat=True))
    assert left == {young.pk, failed.pk, original.pk, copy.pk}  # the original goes with its copy
    assert old.pk not in left


@pytest.mark.django_db
def test_audit_entries_older_than_the_set_period_are_purged(settings):
    settings.RECORDS_AUDIT_DAYS = 30
    person = ClientFactory()
    now = timezone.now()
    for days in (10, 29, 31, 400):
        AuditEntry.objects.create(
            at=now - timedelta(days=days), action="x", target_type="clinic.user", target_id=str(person.pk)
        )
    assert operational_data_purge(now=now)["audit_entries_deleted"] == 2
    assert AuditEntry.objects.count() == 2


@pytest.mark.django_db
def test_the_hourly_sweep_runs_every_part_and_a_second_run_finds_nothing(settings):
    settings.RECORDS_SENT_MESSAGES_DAYS = 1
    message(ClientFactory(), "old", status=Status.SENT, sent_days_ago=3)
    first = records_sweep()
    assert first["sent_messages_deleted"] == 1
    assert set(first) >= {"exports_built", "exports_expired", "clinical_records_deleted", "audit_entries_deleted"}
    assert records_sweep()["sent_messages_deleted"] == 0
    assert "records-sweep" in settings.CELERY_BEAT_SCHEDULE


@pytest.mark.django_db
def test_import_runs_and_their_files_go_after_the_set_days(settings, tmp_path, django_capture_on_commit_callbacks):
    from django.core.files.base import ContentFile
    from django.core.files.storage import storages

    from clinic.tests.factories import ManagerFactory
    from records.models import ImportRun

    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    settings.RECORDS_IMPORT_RUNS_DAYS = 30
    manager = ManagerFactory()
    old_name = storages["private"].save("imports/old.csv", ContentFile(b"email\n"))
    young_name = storages["private"].save("imports/young.csv", ContentFile(b"email\n"))
    now = timezone.now()
    ImportRun.objects.create(
        kind="clients", file_name=old_name, uploaded_by=manager, status="done", created_at=now - timedelta(days=31)
    )
    ImportRun.objects.create(
        kind="clients", file_name=young_name, uploaded_by=manager, status="done", created_at=now - timedelta(days=29)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert operational_data_purge(now=now)["import_runs_deleted"] == 1
    assert not storages["private"].exists(old_name)
    assert storages["private"].exists(young_name)
    assert ImportRun.objects.count() == 1
