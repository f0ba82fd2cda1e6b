"""Content-Security-Policy and Permissions-Policy on every response, and templates the policy
can live with: no inline script, style or event handler (the browser tests run every page under
the policy: test_browser_csp)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from clinic.tests.factories import ManagerFactory, log_in

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in policy.split(";")) if part}


def assert_policies(response, what):
    policy = directives(response)
    assert policy["default-src"] == ["'self'"], what
    assert policy["script-src"] == ["'self'"], what
    assert policy["style-src"] == ["'self'"], what
    assert policy["frame-ancestors"] == ["'none'"], what
    assert policy["object-src"] == ["'none'"], what
    assert "'unsafe-inline'" not in response["Content-Security-Policy"], what
    assert "'unsafe-eval'" not in response["Content-Security-Policy"], what
    features = dict(item.split("=", 1) for item in response["Permissions-Policy"].split(", "))
    assert features["camera"] == "(self)", what  # the session record's photos will need it
    for denied in ("geolocation", "microphone", "payment", "usb"):
        assert features[denied] == "()", (what, denied)


def test_every_kind_of_response_carries_both_policies(client, clinic_profile):
    anonymous = {
        "a page": reverse("home"),
        "the login page": reverse("account_login"),
        "a redirect": reverse("dashboard"),
        "a not-found page": "/no-such-page/",
        "the health check (JSON)": reverse("healthz"),
        "the admin's login (a redirect to allauth's)": "/admin/login/",
    }
    for what, url in anonymous.items():
        assert_policies(client.get(url), what)
    log_in(client, ManagerFactory(is_staff=True, is_superuser=True))
    signed_in = {
        "a staff page": reverse("desk_day"),
        "a refused page": reverse("consultations:intake_review", args=[999999]),
        "the admin": "/admin/",
        "an admin list": "/admin/consultations/intake/",
    }
    for what, url in signed_in.items():
        assert_policies(client.get(url), what)


# What the policy refuses, in template source: a <script> without src (JSON data blocks aside),
# a <style> element, a style="" attribute, an on...="" event handler attribute, a javascript: URL.
INLINE = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I),
    "style element": re.compile(r"<style\b", re.I),
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}
# Not pages: e-mails (mail clients need their styles inline) and PDFs (WeasyPrint reads them).
EMAIL_PARTS = ("_base.html", "_appointment.html", "_precare.html")


def is_page(path: Path) -> bool:
    relative = path.relative_to(TEMPLATES)
    if path.name.endswith("_pdf.html"):
        return False
    if relative.parts[0] == "messages" and (path.name == "body.html" or path.name in EMAIL_PARTS):
        return False
    return True


def page_templates() -> list[Path]:
    return sorted(path for path in TEMPLATES.rglob("*.html") if is_page(path))


def test_no_page_template_holds_inline_script_style_or_event_handlers():
    found = [
        f"{path.relative_to(TEMPLATES)}:{text[: match.start()].count(chr(10)) + 1}: {what}"
        for path in page_templates()
        for text in [path.read_text()]
        for what, pattern in INLINE.items()
        for match in pattern.finditer(text)
    ]
    assert found == []
    assert len(page_templates()) > 50


def test_the_templates_left_out_of_the_scan_are_emails_and_pdfs():
    skipped = sorted(str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html") if not is_page(p))
    assert "messages/intake_decision/body.html" in skipped and "aftercare/plan_pdf.html" in skipped
    assert {"messages/log_detail.html", "messages/_log_table.html", "base.html"} <= {
        str(p.relative_to(TEMPLATES)) for p in page_templates()
    }
