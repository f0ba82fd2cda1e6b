import pytest

from consultations.models import ConsentText
from consultations.tests.factories import clean_answers


@pytest.fixture
def consent_text(db):
    """The consent the client signs (the data migration's version 1, re-made after a flush)."""
    return ConsentText.objects.order_by("-version").first() or ConsentText.objects.create(
        version=1, title="Informed consent for micro-needling", body="I consent to micro-needling."
    )


@pytest.fixture
def answers():
    return clean_answers()


@pytest.fixture(autouse=True)
def sessions(monkeypatch):
    """Appointments as bookings would describe them: ``sessions[(client_id, appointment_id)] =
    session_date``. consultations' own tests stay free of bookings; the real lookup is tested in
    bookings' tests."""
    from consultations import appointments

    known: dict = {}
    monkeypatch.setattr(
        appointments, "_lookup", lambda *, client, appointment_id: known.get((client.pk, appointment_id))
    )
    return known
