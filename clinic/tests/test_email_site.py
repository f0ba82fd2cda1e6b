"""Links and names in e-mails (issue 17, item 3): every e-mail, allauth's included, greets from the
clinic's name and links to the configured address (``CLINIC_SITE_URL``), which ``make run PORT=...``
sets to the port it serves; the host a request happened to use never appears."""

import os
import re
import subprocess

import pytest
from django.core import mail
from django.urls import reverse

from clinic.tests.factories import ClientFactory
from clinic.tests.worker_processes import ROOT

SIGNUP = {
    "first_name": "Jane",
    "last_name": "Doe",
    "phone": "+44 7700 900123",
    "email": "jane@example.com",
    "password1": "plum-tiger-harbour-42",
    "password2": "plum-tiger-harbour-42",
}


@pytest.mark.django_db
def test_the_verification_email_greets_from_the_clinic_and_links_to_the_configured_address(
    client, clinic_profile, settings
):
    settings.CLINIC_SITE_URL = "http://127.0.0.1:8201"
    client.post(reverse("account_signup"), SIGNUP, HTTP_HOST="localhost")

    body = mail.outbox[-1].body
    assert "Hello from Lumen Skin Clinic!" in body
    assert "localhost" not in body and "testserver" not in body
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", body).group(0)
    assert link.startswith("http://127.0.0.1:8201/accounts/confirm-email/")


@pytest.mark.django_db
def test_the_password_reset_link_is_on_the_configured_address(client, clinic_profile, settings):
    settings.CLINIC_SITE_URL = "https://book.lumenskin.example"
    user = ClientFactory()
    client.post(reverse("account_reset_password"), {"email": user.email})

    body = mail.outbox[-1].body
    assert re.search(r"https://book\.lumenskin\.example/accounts/password/reset/key/\S+/", body)
    assert "testserver" not in body
    assert "Lumen Skin Clinic" in body


def test_make_run_port_sets_the_address_of_links_in_emails():
    dry_run = subprocess.run(
        ["make", "-n", "run", "PORT=8201"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "CLINIC_SITE_URL=http://127.0.0.1:8201 bin/serve" in dry_run


def test_bin_serve_exports_the_address_to_web_worker_and_beat(tmp_path):
    """Each process bin/serve starts sees CLINIC_SITE_URL=http://HOST:PORT (the worker and beat
    send the outbox's e-mails). Stand-in programs record what they were given and exit."""
    venv_bin = tmp_path / "venv" / "bin"
    venv_bin.mkdir(parents=True)
    for program in ("celery", "python"):
        script = venv_bin / program
        # Each records what it was given, then waits (10 s at most) until all three have, so that
        # the first to exit does not stop the others before they have written.
        script.write_text(
            f'#!/bin/sh\necho "{program} $CLINIC_SITE_URL" >> "{tmp_path}/seen"\n'
            f'for i in $(seq 100); do [ "$(wc -l < "{tmp_path}/seen")" -ge 3 ] && exit 0; sleep 0.1; done\n'
        )
        script.chmod(0o755)
    env = {key: value for key, value in os.environ.items() if key != "CLINIC_SITE_URL"}
    env.update(PORT="8201", VENV=str(tmp_path / "venv"), CLINIC_VAR_DIR=str(tmp_path / "var"), SERVE_STOP_GRACE="0")
    subprocess.run([str(ROOT / "bin" / "serve")], cwd=ROOT, env=env, capture_output=True, timeout=30, check=True)  # noqa: S603

    seen = sorted((tmp_path / "seen").read_text().splitlines())
    assert seen == ["celery http://127.0.0.1:8201", "celery http://127.0.0.1:8201", "python http://127.0.0.1:8201"]
