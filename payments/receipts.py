"""Receipts: numbered without gaps per location, rendered as a PDF (WeasyPrint through
``clinic.pdf``) when asked for, and e-mailed through the outbox.

The number comes from the location's ``ReceiptCounter`` row, locked FOR UPDATE in the transaction
that records the money: a second payment at the same location waits for the first to commit or
roll back, so each number is used exactly once and none is skipped."""

from django.db import transaction
from django.utils import timezone

from clinic.dates import datetime_label
from clinic.locations import clinic_at, location_tz
from clinic.models import OutboundMessage
from clinic.outbox import outbox_enqueue
from clinic.pdf import pdf_from_template

from .messages import PaymentKind
from .models import LedgerEntry, Receipt, ReceiptCounter
from .money import money_label, tax_included

TEMPLATE = "payments/receipt_pdf.html"


def receipt_issue(*, entry: LedgerEntry) -> Receipt:
    """Give a payment or refund the next receipt number of its location and plan its e-mail.
    Must run inside the transaction that wrote ``entry``."""
    assert transaction.get_connection().in_atomic_block, "receipt_issue runs inside the payment's transaction"
    ReceiptCounter.objects.get_or_create(location_id=entry.location_id)
    counter = ReceiptCounter.objects.select_for_update().get(location_id=entry.location_id)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    receipt = Receipt.objects.create(
        entry=entry,
        location_id=entry.location_id,
        client_id=entry.client_id,
        number=counter.last_number,
        issued_at=entry.recorded_at,
    )
    outbox_enqueue(
        kind=PaymentKind.RECEIPT,
        recipient=entry.client,
        due_at=timezone.now(),
        key=f"payment_receipt:{receipt.pk}",
        context={"receipt_id": receipt.pk, "receipt_label": receipt.label, "amount": money_label(entry.amount)},
    )
    return receipt


def receipt_context(receipt: Receipt) -> dict:
    entry = receipt.entry
    clinic = clinic_at(receipt.location_id)
    tz = location_tz(receipt.location_id)
    paid_for = entry.refund_of if entry.kind == LedgerEntry.Kind.REFUND else entry
    return {
        "clinic": clinic,
        "paper_size": clinic.paper_size,
        "receipt": receipt,
        "entry": entry,
        "is_refund": entry.kind == LedgerEntry.Kind.REFUND,
        "client_name": entry.client.get_full_name() or entry.client.email,
        "issued_label": datetime_label(receipt.issued_at, tz=tz),
        "amount_label": money_label(entry.amount),
        "tax_rate": entry.tax_rate,
        "tax_label": money_label(tax_included(entry.amount, entry.tax_rate)),
        "net_label": money_label(entry.amount - tax_included(entry.amount, entry.tax_rate)),
        "description": entry.description or (paid_for.description if paid_for else ""),
        "recorded_by": entry.recorded_by.get_full_name() if entry.recorded_by else "",
    }


def receipt_pdf_bytes(receipt: Receipt) -> bytes:
    """Everything in it comes from the database and is autoescaped."""
    return pdf_from_template(TEMPLATE, receipt_context(receipt))


def receipt_filename(receipt: Receipt) -> str:
    return f"Receipt {receipt.label}.pdf"


def receipt_message_content(message: OutboundMessage) -> dict:
    """The receipt e-mail carries the PDF, rendered at sending time; the recipient's own receipt
    only."""
    from clinic.composing import Attachment

    receipt_id = (message.context or {}).get("receipt_id")
    receipt = (
        Receipt.objects.select_related("entry__client", "entry__recorded_by", "entry__refund_of")
        .filter(pk=receipt_id, client_id=message.recipient_id)
        .first()
    )
    if receipt is None:
        return {"skip": "No receipt of this recipient."}
    return {
        "receipt_label": receipt.label,
        "amount": money_label(receipt.entry.amount),
        "is_refund": receipt.entry.kind == LedgerEntry.Kind.REFUND,
        "attachments": [
            Attachment(
                filename=receipt_filename(receipt), content=receipt_pdf_bytes(receipt), mimetype="application/pdf"
            )
        ],
    }
