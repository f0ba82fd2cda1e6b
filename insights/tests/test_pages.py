"""The insights page, its CSV and the call list, as each role meets them."""

import csv
import io

import pytest

from clinic.models import AuditEntry, OutboundMessage
from clinic.tests.factories import FrontDeskFactory, ManagerFactory, log_in

pytestmark = pytest.mark.django_db

OCTOBER_QUERY = {"period": "custom", "first": "2026-10-01", "last": "2026-10-31"}


def signed_in(client, user):
    log_in(client, user)
    return client


def test_a_manager_sees_every_section_with_octobers_numbers(client, hand_built):
    page = signed_in(client, ManagerFactory()).get("/insights/", OCTOBER_QUERY)
    assert page.status_code == 200
    html = page.content.decode()
    for title in ("Utilisation", "Attendance and rebooking", "Course completion", "Clinical flow", "Messages"):
        assert f">{title}</h2>" in html
    assert "1 Oct 2026" in html or "Thu 1 Oct 2026" in html or "1 October 2026" in html
    tables = page.context["sections"]
    outcomes = next(t["table"] for s in tables for t in s["tables"] if t["table"].code == "attendance-outcomes")
    assert outcomes.rows == [
        ["Completed", 4, 57.1],
        ["Cancelled on time", 1, 14.3],
        ["Cancelled late", 1, 14.3],
        ["No-show", 1, 14.3],
    ]
    # The chart's data are the table's numbers.
    chart = next(t["chart"] for s in tables for t in s["tables"] if t["table"].code == "attendance-outcomes")
    assert chart["labels"] == ["Completed", "Cancelled on time", "Cancelled late", "No-show"]
    assert chart["datasets"][0]["data"] == [4, 1, 1, 1]
    assert 'id="chart-data-attendance-outcomes" type="application/json"' in html
    assert '<th scope="row">No-show</th><td data-label="Sessions">1</td><td data-label="Share %">14.3</td>' in html


def test_the_csv_is_the_tables_rows(client, hand_built):
    answer = signed_in(client, ManagerFactory()).get("/insights/table.csv", {**OCTOBER_QUERY, "table": "rebooking"})
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.content.decode())))
    assert rows == [
        ["Next session booked", "Sessions", "Share %"],
        ["Before the client left (same day)", "1", "25.0"],
        ["Inside the course window", "1", "25.0"],
    ]


def test_a_practitioner_sees_only_their_own_utilisation_and_completion(client, hand_built):
    anna = hand_built.p1.user
    page = signed_in(client, anna).get("/insights/", {**OCTOBER_QUERY, "practitioner": hand_built.p2.pk})
    assert page.status_code == 200
    codes = [s["section"].code for s in page.context["sections"]]
    assert codes == ["utilisation", "completion"]
    practitioners = page.context["sections"][0]["tables"][0]["table"]
    assert practitioners.rows == [["Anna Bell", 180, 10560, 1.7]]
    assert signed_in(client, anna).get("/insights/table.csv", {"table": "messages"}).status_code == 404
    assert client.get("/insights/call-list/").status_code == 403


def test_the_front_desk_gets_the_call_list_only(client, hand_built):
    desk = signed_in(client, FrontDeskFactory())
    assert desk.get("/insights/").status_code == 403
    assert desk.get("/insights/table.csv", {"table": "messages"}).status_code == 403
    assert desk.get("/insights/call-list/").status_code == 200


def test_bad_filters_fall_back_to_this_week_with_a_message(client, hand_built):
    page = signed_in(client, ManagerFactory()).get(
        "/insights/", {"period": "custom", "first": "2026-10-31", "last": "2026-10-01"}
    )
    assert page.status_code == 200
    assert "The last day comes before the first." in page.content.decode()
    assert page.context["period_label"] == "This week"


def test_the_call_list_reminder_goes_once(client, hand_built):
    desk = signed_in(client, FrontDeskFactory())
    course = hand_built.courses["B"]
    listing = desk.get("/insights/call-list/").content.decode()
    assert "B Client" in listing and "C Client" in listing
    first = desk.post("/insights/call-list/remind/", {"about": "course", "pk": course.pk}, follow=True)
    assert "Reminder to B Client is on its way." in first.content.decode()
    second = desk.post("/insights/call-list/remind/", {"about": "course", "pk": course.pk}, follow=True)
    assert "was already sent" in second.content.decode()
    sent = OutboundMessage.objects.filter(idempotency_key=f"call_list:course:{course.pk}")
    assert sent.count() == 1
    assert sent.get().recipient == hand_built.people["B"]
    assert AuditEntry.objects.filter(action="call_list.reminder").count() == 1
    assert "Reminder sent" in desk.get("/insights/call-list/").content.decode()


def test_a_reminder_for_nobody_on_the_list_is_refused(client, hand_built):
    desk = signed_in(client, FrontDeskFactory())
    answer = desk.post("/insights/call-list/remind/", {"about": "course", "pk": "x"}, follow=True)
    assert "not on the call list" in answer.content.decode()
    assert not OutboundMessage.objects.filter(kind="call_list_reminder").exists()


def test_the_staff_home_page_leads_to_insights_and_the_call_list(client, db, clinic_profile):
    manager_home = signed_in(client, ManagerFactory()).get("/home/").content.decode()
    assert 'href="/insights/"' in manager_home and 'href="/insights/call-list/"' in manager_home
    desk_home = signed_in(client, FrontDeskFactory()).get("/home/").content.decode()
    assert 'href="/insights/call-list/"' in desk_home and 'href="/insights/"' not in desk_home


def signed_in_browser(browser, live_server, user):
    """A browser page signed in as ``user`` (the session of a Django test client's login)."""
    from django.test import Client

    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900})
    session = Client()
    log_in(session, user)
    context.add_cookies([{"name": "sessionid", "value": session.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def test_the_front_desk_of_one_location_rings_its_own_clients(client, hand_built):
    """B's and C's courses are in Bristol: the New York desk has nobody to ring about a course."""
    desk = FrontDeskFactory(home_location=hand_built.new_york)
    listing = signed_in(client, desk).get("/insights/call-list/").content.decode()
    assert "No course window closes in the next 7 days without a booking." in listing
    bristol_desk = FrontDeskFactory(home_location=hand_built.bristol)
    listing = signed_in(client, bristol_desk).get("/insights/call-list/").content.decode()
    assert "B Client" in listing and "C Client" in listing


def test_with_several_locations_practitioners_and_rooms_are_offered_once_a_location_is_chosen(client, hand_built):
    manager = signed_in(client, ManagerFactory())
    everywhere = manager.get("/insights/").context["form"]
    assert "practitioner" not in everywhere.fields and "room" not in everywhere.fields
    bristol = manager.get("/insights/", {"location": hand_built.bristol.pk}).context["form"]
    assert [room.name for room in bristol.fields["room"].queryset] == ["Bristol 1"]
    assert list(bristol.fields["practitioner"].queryset) == [hand_built.p1]


def test_a_manager_has_a_money_tab_with_payments_reports_for_the_period(client, db, clinic_profile, today):
    """The Money section is payments' own reports (selector and partial) for the page's period,
    linked to the full money reports page; a practitioner's own figures do not include it."""
    from clinic.models import Location
    from clinic.tests.factories import ClientFactory
    from payments.services import payment_take, refund_make

    desk = FrontDeskFactory()
    home = Location.default()
    card = payment_take(
        client=ClientFactory(), location_id=home.pk, amount="120", method="card_terminal", key="m1", taken_by=desk
    )
    refund_make(payment=card, amount="20", method="card_terminal", key="m2", refunded_by=desk)
    payment_take(client=ClientFactory(), location_id=home.pk, amount="35", method="cash", key="m3", taken_by=desk)

    page = signed_in(client, ManagerFactory()).get("/insights/", {"period": "week"})
    assert page.status_code == 200
    html = page.content.decode()
    assert '<a href="#money">Money</a>' in html and ">Money</h2>" in html
    money = next(s for s in page.context["sections"] if s["section"].code == "money")
    assert money["section"].template == "insights/_money.html"
    assert "<dt>Takings</dt><dd>£135.00</dd>" in money["html"]
    assert "<td>Card (terminal)</td><td>£100.00</td>" in money["html"]
    assert "<td>Cash</td><td>£35.00</td>" in money["html"]
    # The link opens the money reports page on the same days.
    assert 'href="/payments/reports/?first=2026-11-30&amp;last=2026-12-06"' in money["html"]
    # Last month had no takings: the figures follow the page's period.
    last_month = signed_in(client, ManagerFactory()).get("/insights/", {"period": "last_month"})
    assert "<dt>Takings</dt><dd>£0.00</dd>" in next(
        s["html"] for s in last_month.context["sections"] if s["section"].code == "money"
    )
    # No CSV for a section drawn by its own template.
    assert client.get("/insights/table.csv", {"table": "money"}).status_code == 404


def test_a_table_of_many_rows_shows_the_lowest_forty_and_the_csv_has_them_all(client, hand_built):
    """A chain's rooms are no chart anyone reads: the page shows the 40 least used (Bristol 1,
    the only one booked, is not among them) and says so; the CSV has all 43."""
    from bookings.tests.factories import RoomFactory

    for n in range(41):
        RoomFactory(name=f"Spare {n:02d}", location=hand_built.bristol)
    browser = signed_in(client, ManagerFactory())
    page = browser.get("/insights/", OCTOBER_QUERY)
    rooms = next(
        t for s in page.context["sections"] for t in s.get("tables", []) if t["table"].code == "utilisation-rooms"
    )
    assert len(rooms["table"].rows) == 40
    assert "Bristol 1" not in [row[0] for row in rooms["table"].rows]
    assert rooms["chart"]["labels"] == [row[0] for row in rooms["table"].rows]
    assert "Showing 40 of 43 rows, lowest Occupancy % first: the CSV download has every row" in page.content.decode()
    download = browser.get("/insights/table.csv", {**OCTOBER_QUERY, "table": "utilisation-rooms"})
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert len(rows) == 1 + 43
    assert ["Bristol 1", "360", "10560", "3.4"] in rows
