"""Receipts: numbered 1, 2, 3 per location without gaps, a PDF with the amount and the tax, and
an e-mail with the PDF attached."""

from decimal import Decimal

import pytest

from clinic.composing import message_compose
from clinic.models import Location, OutboundMessage
from clinic.tests.factories import ClientFactory

from ..models import LedgerEntry
from ..receipts import receipt_pdf_bytes
from ..services import charge_record, payment_take
from .pdf_text import pdf_text

pytestmark = pytest.mark.django_db


def test_each_location_numbers_its_receipts_from_one(desk, key):
    home = Location.default()
    other = Location.objects.create(name="Bath", time_zone="Europe/London")
    client = ClientFactory()
    numbers = []
    for location in (home, other, home, other, home):
        entry = payment_take(
            client=client, location_id=location.pk, amount="10", method="cash", key=key(), taken_by=desk
        )
        numbers.append((location.name, entry.receipt.number))
    assert numbers == [(home.name, 1), ("Bath", 1), (home.name, 2), ("Bath", 2), (home.name, 3)]


def test_a_refused_payment_leaves_no_gap_in_the_numbers(desk, key):
    from django.core.exceptions import ValidationError

    client = ClientFactory()
    location_id = Location.default().pk
    payment_take(client=client, location_id=location_id, amount="10", method="cash", key=key(), taken_by=desk)
    with pytest.raises(ValidationError):
        payment_take(client=client, location_id=location_id, amount="10", method="cheque", key=key(), taken_by=desk)
    entry = payment_take(client=client, location_id=location_id, amount="5", method="cash", key=key(), taken_by=desk)
    assert entry.receipt.number == 2


def test_the_receipt_pdf_shows_the_amount_the_tax_and_the_number(desk, key, clinic_profile):
    client = ClientFactory(first_name="Ada", last_name="Lovelace")
    location_id = Location.default().pk
    charge_record(
        client=client,
        location_id=location_id,
        amount=Decimal("180.00"),
        tax_rate=Decimal("20"),
        charge_for=LedgerEntry.ChargeFor.SESSION,
        description="Micro-needling: Face and neck",
        key=key(),
        recorded_by=desk,
    )
    entry = payment_take(
        client=client, location_id=location_id, amount="180", method="card_terminal", key=key(), taken_by=desk
    )
    text = pdf_text(receipt_pdf_bytes(entry.receipt))
    assert f"Receipt {entry.receipt.label}" in text
    assert "Ada Lovelace" in text
    assert "£180.00" in text
    assert "Tax (VAT) at 20% included £30.00" in text
    assert "Net of tax £150.00" in text
    assert "Card (terminal)" in text


def test_the_receipt_email_carries_the_pdf(desk, key, clinic_profile):
    client = ClientFactory()
    entry = payment_take(
        client=client, location_id=Location.default().pk, amount="45.50", method="cash", key=key(), taken_by=desk
    )
    message = OutboundMessage.objects.get(kind="payment_receipt", recipient=client)
    composed = message_compose(message=message)
    assert entry.receipt.label in composed.subject
    assert "£45.50" in composed.text
    assert [a.filename for a in composed.attachments] == [f"Receipt {entry.receipt.label}.pdf"]
    assert "£45.50" in pdf_text(composed.attachments[0].content)
