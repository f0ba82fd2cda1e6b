"""The client's account: payments, refunds and charges are only ever added; the balance is their
sum; bad input gets a clear message and writes nothing."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction

from clinic.models import AuditEntry, Location, OutboundMessage
from clinic.tests.factories import ClientFactory, PractitionerFactory

from ..models import LedgerEntry, Receipt
from ..selectors.account import balance_of, client_account
from ..services import charge_record, payment_take, refund_make

pytestmark = pytest.mark.django_db

Method = LedgerEntry.Method


def pay(client, desk, key, amount="100.00", method=Method.CARD_TERMINAL):
    return payment_take(
        client=client, location_id=Location.default().pk, amount=amount, method=method, key=key(), taken_by=desk
    )


def test_a_payment_lowers_the_balance_issues_a_receipt_and_plans_its_email(desk, key):
    client = ClientFactory()
    charge_record(
        client=client,
        location_id=Location.default().pk,
        amount=Decimal("180.00"),
        tax_rate=Decimal("20"),
        charge_for=LedgerEntry.ChargeFor.SESSION,
        description="Micro-needling: Face",
        key=key(),
        recorded_by=desk,
    )
    payment = pay(client, desk, key, amount="150")

    assert balance_of(client_id=client.pk) == Decimal("30.00")
    assert payment.receipt.number == 1
    assert payment.tax_rate == Decimal("20.00")  # the charge's rate, shown on the receipt
    message = OutboundMessage.objects.get(kind="payment_receipt", recipient=client)
    assert message.context["receipt_id"] == payment.receipt.pk
    assert AuditEntry.objects.filter(action="ledger.payment", subject=client).count() == 1


@pytest.mark.parametrize("amount", ["0", "-5", "0.00", "abc", "1.234"])
def test_a_payment_of_zero_negative_or_nonsense_is_refused_and_writes_nothing(desk, key, amount):
    from ..money import money_parse

    client = ClientFactory()
    with pytest.raises(ValidationError) as refused:
        payment_take(
            client=client,
            location_id=Location.default().pk,
            amount=money_parse(amount),
            method=Method.CASH,
            key=key(),
            taken_by=desk,
        )
    assert "amount" in " ".join(refused.value.messages).lower()
    assert not LedgerEntry.objects.exists()
    assert not Receipt.objects.exists()


def test_the_database_refuses_a_zero_amount_written_past_the_services(desk):
    client = ClientFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            client=client,
            location=Location.default(),
            kind="payment",
            method="cash",
            amount=Decimal("0"),
            idempotency_key="x",
        )


def test_a_double_submit_of_one_payment_form_records_one_payment(desk, key):
    client = ClientFactory()
    form_key = key()
    first = payment_take(
        client=client, location_id=Location.default().pk, amount="60", method="cash", key=form_key, taken_by=desk
    )
    second = payment_take(
        client=client, location_id=Location.default().pk, amount="60", method="cash", key=form_key, taken_by=desk
    )
    assert first.pk == second.pk
    assert LedgerEntry.objects.count() == 1
    assert Receipt.objects.count() == 1


def test_a_practitioner_cannot_take_payments(key):
    with pytest.raises(PermissionDenied):
        pay(ClientFactory(), PractitionerFactory(), key)


def test_a_refund_gives_back_part_of_a_payment_and_never_more_than_is_left(desk, key):
    client = ClientFactory()
    payment = pay(client, desk, key, amount="100")
    refund_make(payment=payment, amount="40", method="cash", key=key(), refunded_by=desk, reason="Changed plan")
    assert balance_of(client_id=client.pk) == Decimal("-60.00")

    with pytest.raises(ValidationError) as refused:
        refund_make(payment=payment, amount="60.01", method="cash", key=key(), refunded_by=desk)
    assert "At most £60.00 of this payment can be refunded" in " ".join(refused.value.messages)
    assert LedgerEntry.objects.filter(kind="refund").count() == 1

    refund_make(payment=payment, amount="60", method="cash", key=key(), refunded_by=desk)
    assert balance_of(client_id=client.pk) == Decimal("0.00")
    assert list(Receipt.objects.order_by("number").values_list("number", flat=True)) == [1, 2, 3]


def test_only_a_payment_can_be_refunded(desk, key):
    client = ClientFactory()
    charge = charge_record(
        client=client,
        location_id=Location.default().pk,
        amount=Decimal("30"),
        charge_for="fee",
        description="No-show fee",
        key=key(),
        recorded_by=desk,
    )
    with pytest.raises(ValidationError, match="Only a payment can be refunded"):
        refund_make(payment=charge, amount="10", method="cash", key=key(), refunded_by=desk)


def test_the_database_refuses_to_change_or_delete_a_ledger_row_or_a_receipt(desk, key):
    payment = pay(ClientFactory(), desk, key, amount="100")
    with pytest.raises(DatabaseError, match="cannot be changed or deleted"), transaction.atomic():
        LedgerEntry.objects.filter(pk=payment.pk).update(amount=Decimal("1"))
    with pytest.raises(DatabaseError, match="cannot be changed or deleted"), transaction.atomic():
        with connection.cursor() as cursor:  # past Django's PROTECT checks: the database itself
            cursor.execute("DELETE FROM payments_ledgerentry WHERE id = %s", [payment.pk])
    with pytest.raises(DatabaseError, match="cannot be changed or deleted"), transaction.atomic():
        Receipt.objects.filter(pk=payment.receipt.pk).update(number=7)
    assert LedgerEntry.objects.get(pk=payment.pk).amount == Decimal("100.00")


def test_the_database_refuses_a_refund_beyond_its_payment_written_past_the_services(desk, key):
    client = ClientFactory()
    payment = pay(client, desk, key, amount="50")
    with pytest.raises(DatabaseError, match="cannot exceed"), transaction.atomic():
        LedgerEntry.objects.create(
            client=client,
            location=Location.default(),
            kind="refund",
            method="cash",
            amount=Decimal("50.01"),
            refund_of=payment,
            idempotency_key="refund-too-much",
        )


def test_the_account_lists_refundable_payments(desk, key, django_assert_num_queries):
    client = ClientFactory()
    first = pay(client, desk, key, amount="100")
    pay(client, desk, key, amount="20")
    refund_make(payment=first, amount="100", method="cash", key=key(), refunded_by=desk)
    with django_assert_num_queries(4):
        account = client_account(client_id=client.pk)
    assert [p.amount for p in account.refundable_payments] == [Decimal("20.00")]
    assert account.balance == Decimal("-20.00")


def test_taking_a_payment_has_a_query_budget(desk, key, django_assert_max_num_queries):
    """The tax rate's charge, lock the client, check the key, insert (in a savepoint), the receipt
    counter (get, lock, bump), the receipt, the outbox row (in a savepoint), the audit entry: the
    same budget whatever the account already holds."""
    client = ClientFactory()
    pay(client, desk, key)
    with django_assert_max_num_queries(18):
        pay(client, desk, key)
    for _ in range(3):
        pay(client, desk, key)
    with django_assert_max_num_queries(18):
        pay(client, desk, key)
