"""Receipt numbers under concurrent payments on PostgreSQL, with real threads each on its own
connection: no number twice, none skipped, even when some payments fail."""

import uuid

import pytest
from django.db import connection

from bookings.tests.test_concurrency import run_in_threads
from clinic.models import Location
from clinic.tests.factories import ClientFactory, FrontDeskFactory

from ..models import LedgerEntry, Receipt
from ..services import payment_take, refund_make

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks"),
]


def test_thirty_payments_at_once_at_one_location_take_numbers_one_to_thirty():
    desk = FrontDeskFactory()
    location_id = Location.default().pk
    clients = [ClientFactory() for _ in range(10)]

    def attempt(n):
        client = clients[n % len(clients)]
        amount = "0" if n % 7 == 3 else f"{10 + n}.00"  # some are refused: their numbers are not lost

        return lambda: payment_take(
            client=client, location_id=location_id, amount=amount, method="cash", key=uuid.uuid4().hex, taken_by=desk
        )

    results = run_in_threads([attempt(n) for n in range(30)])

    paid = [r for r in results if isinstance(r, LedgerEntry)]
    assert len(paid) == 26, results
    numbers = sorted(Receipt.objects.filter(location_id=location_id).values_list("number", flat=True))
    assert numbers == list(range(1, 27))


def test_one_form_submitted_by_two_desks_at_once_records_one_payment():
    desks = [FrontDeskFactory(), FrontDeskFactory()]
    client = ClientFactory()
    form_key = uuid.uuid4().hex
    location_id = Location.default().pk
    results = run_in_threads(
        [
            lambda desk=desk: payment_take(
                client=client, location_id=location_id, amount="60", method="cash", key=form_key, taken_by=desk
            )
            for desk in desks
        ]
    )
    assert all(isinstance(r, LedgerEntry) for r in results), results
    assert results[0].pk == results[1].pk
    assert LedgerEntry.objects.count() == 1
    assert Receipt.objects.count() == 1


def test_two_desks_refunding_one_payment_at_once_never_refund_more_than_was_paid():
    desk = FrontDeskFactory()
    client = ClientFactory()
    payment = payment_take(
        client=client,
        location_id=Location.default().pk,
        amount="100",
        method="cash",
        key=uuid.uuid4().hex,
        taken_by=desk,
    )
    results = run_in_threads(
        [
            lambda: refund_make(payment=payment, amount="70", method="cash", key=uuid.uuid4().hex, refunded_by=desk)
            for _ in range(2)
        ]
    )
    refunds = [r for r in results if isinstance(r, LedgerEntry)]
    assert len(refunds) == 1, results
    assert LedgerEntry.objects.filter(kind="refund").count() == 1
