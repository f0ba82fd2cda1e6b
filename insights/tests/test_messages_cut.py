"""Messages with a location, practitioner or room chosen: those about no session (a consultation's
decision, the weekly summary, the front desk's reminder) belong to no location, so they stay on the
page as the whole clinic's, in rows of their own, never silently dropped. Written out by hand."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.models import OutboundMessage
from clinic.tests.factories import ManagerFactory, log_in
from insights.selectors.clinical import messages_report
from insights.selectors.scope import Scope

from .conftest import OCTOBER, at

pytestmark = pytest.mark.django_db

OCTOBER_QUERY = {"period": "custom", "first": "2026-10-01", "last": "2026-10-31"}
S = OutboundMessage.Status
MARK = "whole clinic, not about a session"


def _messages(hand_built):
    """October: A's reminder for her Bristol session of 5 October and D's for the session moved to
    New York (both sent by e-mail); about no session: B's consultation decision (sent
    by e-mail), the managers' weekly summary (waiting, e-mail) and the desk's reminder to C (failed,
    by text); and one consultation decision due in November, outside the period."""
    people = hand_built.people
    for key, kind, who, appointment, due, status, via in (
        ("c1", "reminder", "A", hand_built.a1.pk, at("2026-10-03", "10:00"), S.SENT, "email"),
        ("c2", "reminder", "D", hand_built.moved.pk, at("2026-10-02", "10:00"), S.SENT, "email"),
        ("c3", "intake_decision", "B", None, at("2026-10-07", "12:00"), S.SENT, "email"),
        ("c4", "insights_weekly_summary", "G", None, at("2026-10-26", "08:00"), S.PENDING, ""),
        ("c5", "call_list_reminder", "C", None, at("2026-10-12", "10:00"), S.FAILED, ""),
        ("c6", "intake_decision", "H", None, at("2026-11-02", "12:00"), S.SENT, "email"),
    ):
        OutboundMessage.objects.create(
            idempotency_key=key,
            kind=kind,
            recipient=people[who],
            appointment_id=appointment,
            due_at=due,
            status=status,
            channel="sms" if kind == "call_list_reminder" else "email",
            sent_via=via,
            sent_at=due if status == S.SENT else None,
        )


def _table(client, **cut):
    page = client.get("/insights/", {**OCTOBER_QUERY, **cut})
    assert page.status_code == 200
    return next(
        t["table"] for s in page.context["sections"] for t in s.get("tables", ()) if t["table"].code == "messages"
    )


def test_at_one_location_the_messages_about_no_session_stay_as_the_whole_clinics_rows(client, hand_built, today):
    """At Bristol: A's reminder is Bristol's, D's (New York) is left out; the three messages about
    no session are there, each in a row marked as the whole clinic's, after Bristol's, and the note
    counts them. A message waiting since 26 October is delayed too."""
    _messages(hand_built)
    log_in(client, ManagerFactory())
    table = _table(client, location=hand_built.bristol.pk)
    assert table.rows == [
        ["Reminder with pre-care (48 hours before) (E-mail)", 1, 0, 0, 0, 0],
        [f"Reminder from the front desk (course window or clearance) (SMS): {MARK}", 0, 1, 0, 0, 0],
        [f"Weekly summary (to managers) (E-mail): {MARK}", 0, 0, 0, 1, 1],
        [f"Consultation decision (E-mail): {MARK}", 1, 0, 0, 0, 0],
    ]
    assert table.note.endswith(
        "Messages about no session (consultations, summaries, the front desk's reminders) belong to no location, "
        f'practitioner or room: they stay in as the whole clinic\'s, in the rows marked "{MARK}" (3 in the period).'
    )
    # The chart and the CSV say the same.
    assert table.chart_data()["labels"][1:] == [row[0] for row in table.rows[1:]]
    download = client.get(
        "/insights/table.csv", {**OCTOBER_QUERY, "location": hand_built.bristol.pk, "table": "messages"}
    )
    assert [f"Consultation decision (E-mail): {MARK}", "1", "0", "0", "0", "0"] in csv.reader(
        io.StringIO(download.content.decode())
    )


def test_for_one_practitioner_or_room_the_messages_about_no_session_stay_too(client, hand_built, today):
    """Anna at Bristol: A's reminder; the Hudson room in New York: D's; and beside each, the three
    messages about no session."""
    _messages(hand_built)
    log_in(client, ManagerFactory())
    whole_clinic = [
        f"Reminder from the front desk (course window or clearance) (SMS): {MARK}",
        f"Weekly summary (to managers) (E-mail): {MARK}",
        f"Consultation decision (E-mail): {MARK}",
    ]
    for cut in (
        {"location": hand_built.bristol.pk, "practitioner": hand_built.p1.pk},
        {"location": hand_built.new_york.pk, "room": hand_built.new_york_room.pk},
    ):
        table = _table(client, **cut)
        assert [row[0] for row in table.rows] == ["Reminder with pre-care (48 hours before) (E-mail)", *whole_clinic]
        assert table.rows[0][1] == 1, cut
        assert table.note.endswith("(3 in the period)."), cut


def test_with_no_cut_every_message_is_the_clinics_and_no_row_is_marked(client, hand_built, today):
    _messages(hand_built)
    log_in(client, ManagerFactory())
    table = _table(client)
    assert table.rows == [
        ["Reminder from the front desk (course window or clearance) (SMS)", 0, 1, 0, 0, 0],
        ["Weekly summary (to managers) (E-mail)", 0, 0, 0, 1, 1],
        ["Consultation decision (E-mail)", 1, 0, 0, 0, 0],
        ["Reminder with pre-care (48 hours before) (E-mail)", 2, 0, 0, 0, 0],
    ]
    assert "whole clinic" not in table.note


def test_the_messages_report_with_a_cut_is_still_one_query(hand_built, today):
    _messages(hand_built)
    bristol = Scope(*OCTOBER, location_id=hand_built.bristol.pk)
    messages_report(bristol)  # warms the set-up cache (the clinic's time zone)
    with CaptureQueriesContext(connection) as queries:
        rows = messages_report(bristol)
    assert len(queries) == 1
    assert sum(r["sent"] + r["failed"] + r["waiting"] for r in rows if r["whole_clinic"]) == 3
