"""The ledger's invariants, whatever the order of operations (hypothesis): the balance is charges
minus payments plus refunds, refunds never exceed their payments, receipt numbers run 1..n."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic.models import Location
from clinic.tests.factories import ClientFactory, FrontDeskFactory

from ..models import LedgerEntry, Receipt
from ..selectors.account import balance_of
from ..services import charge_record, payment_take, refund_make

pytestmark = pytest.mark.django_db

amounts = st.decimals(min_value=Decimal("-20"), max_value=Decimal("500"), places=2)
operations = st.lists(
    st.tuples(st.sampled_from(["charge", "payment", "refund"]), amounts, st.integers(min_value=0, max_value=10)),
    max_size=12,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_the_balance_is_charges_minus_payments_plus_refunds_whatever_the_order(ops):
    from django.db import transaction

    with transaction.atomic():  # each example in its own savepoint, rolled back
        desk = FrontDeskFactory()
        client = ClientFactory()
        location_id = Location.default().pk
        charges = payments = refunds = Decimal(0)
        paid: list[tuple[LedgerEntry, Decimal]] = []
        for n, (kind, amount, pick) in enumerate(ops):
            key = f"op-{client.pk}-{n}"
            try:
                if kind == "charge":
                    charge_record(
                        client=client,
                        location_id=location_id,
                        amount=amount,
                        charge_for="session",
                        description="Session",
                        key=key,
                        recorded_by=desk,
                    )
                    charges += amount
                elif kind == "payment":
                    entry = payment_take(
                        client=client, location_id=location_id, amount=amount, method="cash", key=key, taken_by=desk
                    )
                    paid.append([entry, amount])
                    payments += amount
                elif paid:
                    target = paid[pick % len(paid)]
                    refund_make(payment=target[0], amount=amount, method="cash", key=key, refunded_by=desk)
                    target[1] -= amount
                    refunds += amount
            except ValidationError:
                # Refused: not more than zero, or more than remains of the payment; nothing written.
                assert amount <= 0 or (kind == "refund" and amount > paid[pick % len(paid)][1])
        assert balance_of(client_id=client.pk) == charges - payments + refunds
        assert all(left >= 0 for _, left in paid)
        numbers = list(
            Receipt.objects.filter(client=client, location_id=location_id)
            .order_by("number")
            .values_list("number", flat=True)
        )
        assert len(numbers) == LedgerEntry.objects.filter(client=client).exclude(kind="charge").count()
        transaction.set_rollback(True)
