"""The Money tab follows the page's location and period: money taken, fees charged and packages
sold at Bristol (London time) and New York, some of it just either side of October on each
location's own clock. Every figure below is worked out by hand from the rows written here."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine

from clinic.tests.factories import FrontDeskFactory, ManagerFactory, log_in
from payments.models import LedgerEntry
from payments.services import charge_record, package_sell, payment_take, refund_make
from payments.tests.factories import PackageFactory

from .conftest import NEW_YORK, at

pytestmark = pytest.mark.django_db

OCTOBER_QUERY = {"period": "custom", "first": "2026-10-01", "last": "2026-10-31"}


def _paid(desk, client, where, when, amount, method, *, appointment=None):
    with time_machine.travel(when, tick=False):
        return payment_take(
            client=client,
            location_id=where.pk,
            amount=amount,
            method=method,
            key=f"pay-{when.isoformat()}-{amount}",
            taken_by=desk,
            appointment=appointment,
        )


def _fee(desk, appointment, where, when):
    with time_machine.travel(when, tick=False):
        charge_record(
            client=appointment.client,
            location_id=where.pk,
            amount=Decimal("30"),
            charge_for=LedgerEntry.ChargeFor.FEE,
            description="Missed-session fee",
            key=f"fee-{appointment.pk}",
            recorded_by=desk,
            appointment=appointment,
        )


@pytest.fixture
def money(hand_built):
    """Bristol in October: 180 card for A's session of 5 Oct (Anna's), 10 cash towards F's late
    cancellation fee (Anna's), 100 card on account at 23:30 on 31 Oct (GMT by then); outside: 500
    at 23:30 on 30 Sep (22:30 UTC) and 999 at 00:30 on 1 Nov. Fees: F's 30 on 14 Oct; G's 30 on
    1 Nov (outside). A package of 3 sessions for 450, sold today.

    New York in October: 150 card on account less a 50 refund, 80 cash for D's moved session
    (Noor's) at 23:30 on 31 Oct (03:30 UTC on 1 Nov); outside: 200 at 22:00 on 30 Sep (02:00 UTC on
    1 Oct, October in London). Fee: E's no-show, 30 at 23:40 on 31 Oct, unpaid. A package of 2
    sessions for 300, sold today."""
    c = hand_built
    desk = FrontDeskFactory()
    people = c.people
    f_session = people["F"].appointments.get()
    g_session = people["G"].appointments.get()
    e_session = people["E"].appointments.get()
    bristol, new_york = c.bristol, c.new_york

    _paid(desk, people["A"], bristol, at("2026-10-05", "11:00"), "180", "card_terminal", appointment=c.a1)
    _fee(desk, f_session, bristol, at("2026-10-14", "12:00"))
    _paid(desk, people["F"], bristol, at("2026-10-14", "12:05"), "10", "cash", appointment=f_session)
    _paid(desk, people["B"], bristol, at("2026-10-31", "23:30"), "100", "card_terminal")
    _paid(desk, people["B"], bristol, at("2026-09-30", "23:30"), "500", "card_terminal")
    _paid(desk, people["B"], bristol, at("2026-11-01", "00:30"), "999", "cash")
    _fee(desk, g_session, bristol, at("2026-11-01", "10:00"))

    card = _paid(desk, people["C"], new_york, at("2026-10-15", "12:00", NEW_YORK), "150", "card_terminal")
    with time_machine.travel(at("2026-10-16", "12:00", NEW_YORK), tick=False):
        refund_make(payment=card, amount="50", method="card_terminal", key="refund-c", refunded_by=desk)
    _paid(desk, people["D"], new_york, at("2026-10-31", "23:30", NEW_YORK), "80", "cash", appointment=c.moved)
    _paid(desk, people["D"], new_york, datetime(2026, 10, 1, 2, 0, tzinfo=UTC), "200", "cash", appointment=c.moved)
    _fee(desk, e_session, new_york, at("2026-10-31", "23:40", NEW_YORK))

    for where, sessions, price, client in ((bristol, 3, "450", people["H"]), (new_york, 2, "300", people["E"])):
        package = PackageFactory(treatment=c.treatment, location=where, sessions=sessions, price=Decimal(price))
        package_sell(client=client, package=package, sold_by=desk, key=f"package-{where.pk}")
    return c


def _money_html(client, **query) -> str:
    page = client.get("/insights/", {**OCTOBER_QUERY, **query})
    assert page.status_code == 200
    return next(s["html"] for s in page.context["sections"] if s["section"].code == "money")


def _cells(html: str, caption: str) -> str:
    """The body of the table with this caption."""
    table = html.split(f"<caption>{caption}</caption>", 1)[1]
    return table.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def test_the_money_tab_shows_the_chosen_locations_octobers_money(client, money):
    log_in(client, ManagerFactory())

    bristol = _money_html(client, location=money.bristol.pk)
    assert "at the chosen location" in bristol
    assert "<dt>Takings</dt><dd>£290.00</dd>" in bristol
    assert "<dt>Prepaid sessions not used</dt><dd>3 (£450.00 owed)</dd>" in bristol
    assert "<dt>Fees charged</dt><dd>1 · £30.00</dd>" in bristol
    assert "<dt>Fees collected</dt><dd>£10.00</dd>" in bristol
    assert _cells(bristol, "Takings by day") == (
        "<tr><td>5 October 2026</td><td>£180.00</td></tr>"
        "<tr><td>14 October 2026</td><td>£10.00</td></tr>"
        "<tr><td>31 October 2026</td><td>£100.00</td></tr>"
    )
    assert _cells(bristol, "By method") == (
        "<tr><td>Card (terminal)</td><td>£280.00</td></tr><tr><td>Cash</td><td>£10.00</td></tr>"
    )
    assert _cells(bristol, "By practitioner") == (
        "<tr><td>Anna Bell</td><td>£190.00</td></tr><tr><td>On account</td><td>£100.00</td></tr>"
    )
    assert _cells(bristol, "By location") == "<tr><td>Bristol</td><td>£290.00</td></tr>"

    # A practitioner or room chosen as well: money is not cut by them, and the tab says so.
    anna = _money_html(client, location=money.bristol.pk, practitioner=money.p1.pk)
    assert "the practitioner and room filters do not apply to money" in anna
    assert "<dt>Takings</dt><dd>£290.00</dd>" in anna
    assert "do not apply" not in bristol

    new_york = _money_html(client, location=money.new_york.pk)
    assert "<dt>Takings</dt><dd>£180.00</dd>" in new_york
    assert "<dt>Prepaid sessions not used</dt><dd>2 (£300.00 owed)</dd>" in new_york
    assert "<dt>Fees charged</dt><dd>1 · £30.00</dd>" in new_york
    assert "<dt>Fees collected</dt><dd>£0.00</dd>" in new_york
    assert _cells(new_york, "Takings by day") == (
        "<tr><td>15 October 2026</td><td>£150.00</td></tr>"
        "<tr><td>16 October 2026</td><td>−£50.00</td></tr>"
        "<tr><td>31 October 2026</td><td>£80.00</td></tr>"
    )
    assert _cells(new_york, "By practitioner") == (
        "<tr><td>On account</td><td>£100.00</td></tr><tr><td>Noor Haddad</td><td>£80.00</td></tr>"
    )
    assert _cells(new_york, "By location") == "<tr><td>New York</td><td>£180.00</td></tr>"

    everywhere = _money_html(client)
    assert "at every location" in everywhere
    assert "<dt>Takings</dt><dd>£470.00</dd>" in everywhere
    assert "<dt>Prepaid sessions not used</dt><dd>5 (£750.00 owed)</dd>" in everywhere
    assert "<dt>Fees charged</dt><dd>2 · £60.00</dd>" in everywhere
    assert "<dt>Fees collected</dt><dd>£10.00</dd>" in everywhere
    assert _cells(everywhere, "By location") == (
        "<tr><td>Bristol</td><td>£290.00</td></tr><tr><td>New York</td><td>£180.00</td></tr>"
    )


def test_the_money_tab_follows_the_period(client, money):
    """September holds Bristol's 500 (23:30 on 30 Sep, London) and New York's 200 (22:00 on 30 Sep,
    though 1 Oct in UTC); November Bristol's 999 and its fee of 1 Nov."""
    log_in(client, ManagerFactory())
    september = {"first": "2026-09-01", "last": "2026-09-30"}
    assert "<dt>Takings</dt><dd>£700.00</dd>" in _money_html(client, **september)
    assert "<dt>Takings</dt><dd>£200.00</dd>" in _money_html(client, **september, location=money.new_york.pk)
    november = _money_html(client, first="2026-11-01", last="2026-11-30", location=money.bristol.pk)
    assert "<dt>Takings</dt><dd>£999.00</dd>" in november
    assert "<dt>Fees charged</dt><dd>1 · £30.00</dd>" in november


def test_the_money_reports_page_opens_on_the_tabs_days_and_location(client, money):
    """The tab's link carries October and Bristol; the page shows Bristol's October figures, and a
    range that runs backwards is refused in plain words (the last 30 days shown instead)."""
    log_in(client, ManagerFactory())
    link = f"/payments/reports/?first=2026-10-01&amp;last=2026-10-31&amp;location={money.bristol.pk}"
    assert f'href="{link}"' in _money_html(client, location=money.bristol.pk)
    page = client.get(link.replace("&amp;", "&")).content.decode()
    assert "<dt>Takings</dt><dd>£290.00</dd>" in page
    assert "<dt>Fees charged</dt><dd>1 · £30.00</dd>" in page
    assert "From 1 October 2026 to 31 October 2026." in page
    backwards = client.get("/payments/reports/", {"first": "2026-10-31", "last": "2026-10-01"}).content.decode()
    assert "The last day comes before the first." in backwards
    assert "From 2 November 2026 to 1 December 2026." in backwards  # the 30 days to today
