"""/healthz, the audit log, demo data and the production settings."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from clinic.audit import audit_record
from clinic.models import AuditEntry, ClinicProfile, User
from clinic.tests.factories import ClientFactory, PractitionerFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_healthz_reports_database_broker_and_migrations(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True, "vendor": "postgresql"}
    assert body["broker"] == {"ok": True, "transport": "redis"}
    assert body["migrations"] == {"ok": True, "unapplied": 0}


@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_is_down(client):
    from clinic.celery import app

    previous = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get(reverse("healthz"))
    finally:
        app.conf.broker_url = previous
    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False
    assert response.json()["status"] == "unavailable"
    # The page is public: it names the kind of failure, never the address it could not reach.
    assert response.json()["broker"]["error"].isidentifier()
    assert "127.0.0.1" not in response.content.decode()


@pytest.mark.django_db
def test_audit_record_keeps_who_what_which_and_where(rf):
    practitioner = PractitionerFactory()
    patient = ClientFactory()
    request = rf.get("/", REMOTE_ADDR="203.0.113.9")

    audit_record(actor=practitioner, action="intake.view_medical", target=patient, request=request, subject=patient)

    entry = AuditEntry.objects.get()
    assert entry.actor == practitioner and entry.subject == patient
    assert (entry.action, entry.target_type, entry.target_id) == ("intake.view_medical", "clinic.user", str(patient.pk))
    assert entry.ip_address == "203.0.113.9"
    assert entry.at is not None


@pytest.mark.django_db
def test_seed_demo_is_idempotent():
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    counts = (User.objects.count(), ClinicProfile.objects.count())
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    assert (User.objects.count(), ClinicProfile.objects.count()) == counts
    assert User.objects.filter(groups__name="client").count() == 20
    assert User.objects.filter(groups__name="practitioner").count() == 3
    assert User.objects.filter(groups__name="front_desk").count() == 2
    assert User.objects.filter(groups__name="manager").count() == 1


def _production_env(**overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="clinic.settings.production",
        DJANGO_SECRET_KEY="k" * 20 + "Zx9!q-" + "r" * 40,
        DJANGO_ALLOWED_HOSTS="clinic.example",
        DATABASE_URL="postgres:///clinic",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def test_production_settings_pass_check_deploy_without_warnings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"DJANGO_SECRET_KEY": None}, "Set the DJANGO_SECRET_KEY environment variable"),
        ({"DATABASE_URL": None}, "Set the DATABASE_URL environment variable"),
        ({"DJANGO_SECRET_KEY": "short"}, "DJANGO_SECRET_KEY must be a random string"),
        ({"DATABASE_URL": "sqlite:///x.db"}, "DATABASE_URL must point at PostgreSQL"),
        ({"REDIS_URL": "http://nope"}, "REDIS_URL must be a redis://"),
    ],
)
def test_production_settings_name_the_missing_or_malformed_variable(overrides, message):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=_production_env(**overrides),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert message in result.stderr
