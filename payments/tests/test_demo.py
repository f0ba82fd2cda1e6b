"""The demo has prices, a package sold and part-used, payments and a refund; seeding twice adds
nothing."""

import io

import pytest
from django.core.management import call_command

from ..models import LedgerEntry, Package, PackageSale, PackageUse, Price, Receipt
from ..selectors.account import balance_of


def _counts():
    return [m.objects.count() for m in (Price, Package, PackageSale, PackageUse, LedgerEntry, Receipt)]


@pytest.mark.slow
def test_the_demo_has_prices_a_part_used_package_payments_and_a_refund_once(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("seed_demo", stdout=io.StringIO())
    first = _counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert _counts() == first

    assert Price.objects.exists() and Package.objects.exists()
    sale = PackageSale.objects.get()
    assert sale.sessions_used == 1 and sale.sessions_left == 2
    assert LedgerEntry.objects.filter(kind="payment").count() == 2
    refund = LedgerEntry.objects.get(kind="refund")
    assert refund.refund_of.package_sale_id is None and refund.refund_of.client_id == sale.client_id
    assert balance_of(client_id=sale.client_id) == refund.amount  # the package paid, then 20 back
    assert Receipt.objects.count() == 3
