"""The aftercare PDF as the client reads it (its text, page by page, through pdftotext): no
internal rule labels, and no last page that holds only the "Call us if you notice" box."""

import shutil
import subprocess

import pytest

from aftercare.pdf import plan_pdf_bytes
from aftercare.services import session_complete

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (make test installs it)"),
]


def pdf_pages(data: bytes, tmp_path) -> list[str]:
    path = tmp_path / "plan.pdf"
    path.write_bytes(data)
    text = subprocess.run(  # noqa: S603
        ["pdftotext", "-layout", str(path), "-"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [page for page in text.split("\f") if page.strip()]


@pytest.fixture
def plan(session_setup, record_input):
    """A face session at 1.5 mm with a long note: the deeper rules and three pages."""
    appointment = session_setup()
    record_input["depths"] = {"face": "1.50", "neck": "1.00"}
    record_input["client_note"] = "Keep the neck out of the sun this week. " * 12
    record = session_complete(appointment=appointment, recorded_by=appointment.practitioner.user, **record_input)
    return record.plan


def test_the_pdf_shows_no_rule_labels_and_keeps_the_call_us_box_with_the_checklist(plan, tmp_path):
    pages = pdf_pages(plan_pdf_bytes(plan=plan), tmp_path)
    text = "\n".join(pages)
    assert "retinoid" in text.lower()  # the rule the label stood beside is there
    assert "Needle depth" not in text
    assert len(pages) >= 2
    last = pages[-1]
    assert "Call us if you notice" in last
    assert "Your first week: checklist" in last, "the box has a page of its own"
