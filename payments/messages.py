"""payments' message kinds, registered with clinic's registry in ``PaymentsConfig.ready()``."""

from django.db import models

from clinic.message_kinds import message_kind_register


class PaymentKind(models.TextChoices):
    RECEIPT = "payment_receipt", "Receipt"


def messages_register() -> None:
    from .receipts import receipt_message_content

    message_kind_register(PaymentKind.RECEIPT, PaymentKind.RECEIPT.label, builders=[receipt_message_content])
