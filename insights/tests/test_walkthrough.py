"""What a manager walking the insights page of the demo clinic found missing, each written out by
hand: messages not sent yet had no column (a week of pending messages read as rows of zeros);
a reason that both deferred and declined consultations was two bars of the same name."""

from datetime import date, timedelta

import pytest
import time_machine

from clinic.models import OutboundMessage
from clinic.tests.factories import ManagerFactory, log_in
from consultations.models import IntakeFlag, IntakeStatus
from consultations.tests.factories import IntakeFactory

from .conftest import at

pytestmark = pytest.mark.django_db

OCTOBER_QUERY = {"period": "custom", "first": "2026-10-01", "last": "2026-10-31"}


def _table(client, code):
    page = client.get("/insights/", OCTOBER_QUERY)
    assert page.status_code == 200
    return next(t for s in page.context["sections"] for t in s.get("tables", ()) if t["table"].code == code)


def test_messages_not_sent_yet_are_counted_as_waiting(client, hand_built):
    """On 31 October at noon: A's reminder (due 09:00) still waits, 3 hours late; B's (due 11:55)
    waits, 5 minutes in; C's was sent on time; D's is sending, due 11:58."""
    S = OutboundMessage.Status
    people = hand_built.people
    for key, who, due, status, sent_at in (
        ("w1", "A", at("2026-10-31", "09:00"), S.PENDING, None),
        ("w2", "B", at("2026-10-31", "11:55"), S.PENDING, None),
        ("w3", "C", at("2026-10-30", "10:00"), S.SENT, at("2026-10-30", "10:00")),
        ("w4", "D", at("2026-10-31", "11:58"), S.SENDING, None),
    ):
        OutboundMessage.objects.create(
            idempotency_key=key,
            kind="reminder",
            recipient=people[who],
            due_at=due,
            status=status,
            sent_via="email" if sent_at else "",
            channel="email",
            sent_at=sent_at,
            lease_expires_at=due + timedelta(minutes=5) if status == S.SENDING else None,
        )
    log_in(client, ManagerFactory())
    with time_machine.travel(at("2026-10-31", "12:00"), tick=False):
        shown = _table(client, "messages")
    table = shown["table"]
    assert table.columns == ["Kind and channel", "Sent", "Failed", "Skipped", "Waiting", "Delayed"]
    assert table.rows == [["Reminder with pre-care (48 hours before) (E-mail)", 1, 0, 0, 3, 1]]
    assert [d["label"] for d in shown["chart"]["datasets"]] == ["Sent", "Failed", "Skipped", "Waiting", "Delayed"]
    assert "Waiting: not sent yet. Delayed: sent, or still waiting, more than 10 minutes" in table.note


def test_deferrals_and_declines_are_one_row_per_reason_with_a_column_per_decision(client, hand_built):
    """October: pregnancy deferred two consultations and declined one; skin cancer declined one;
    one deferral had no absolute flag (the practitioner's judgement); one decline in September
    is not counted."""
    people = hand_built.people
    for name, decided, status, flag in (
        ("A", at("2026-10-02", "12:00"), IntakeStatus.DEFERRED, "Pregnancy or breastfeeding"),
        ("B", at("2026-10-05", "12:00"), IntakeStatus.DEFERRED, "Pregnancy or breastfeeding"),
        ("C", at("2026-10-07", "12:00"), IntakeStatus.DECLINED, "Pregnancy or breastfeeding"),
        ("D", at("2026-10-09", "12:00"), IntakeStatus.DECLINED, "Skin cancer in the area"),
        ("E", at("2026-10-12", "12:00"), IntakeStatus.DEFERRED, ""),
        ("F", at("2026-09-30", "12:00"), IntakeStatus.DECLINED, "Skin cancer in the area"),
    ):
        intake = IntakeFactory(
            client=people[name],
            submitted_at=decided - timedelta(hours=5),
            decided_at=decided,
            status=status,
            deferred_until=decided.date() + timedelta(days=90) if status == IntakeStatus.DEFERRED else None,
        )
        if flag:
            IntakeFlag.objects.create(intake=intake, rule_code=flag[:10], severity="absolute", title=flag, reason="-")
    log_in(client, ManagerFactory())
    shown = _table(client, "clinical-reasons")
    assert shown["table"].columns == ["Reason", "Deferred", "Declined"]
    assert shown["table"].rows == [
        ["Pregnancy or breastfeeding", 2, 1],
        ["Skin cancer in the area", 0, 1],
        ["The practitioner's judgement (no absolute contraindication)", 1, 0],
    ]
    assert shown["chart"]["labels"] == [
        "Pregnancy or breastfeeding",
        "Skin cancer in the area",
        "The practitioner's judgement (no absolute contraindication)",
    ]
    assert [d["data"] for d in shown["chart"]["datasets"]] == [[2, 0, 1], [1, 1, 0]]


def test_the_desk_of_one_location_rings_the_clearances_of_its_own_clients(client, hand_built):
    """On 1 December: D's clearance (sessions in New York) ends 10 Dec, C's (Bristol) 15 Dec, and
    J's, who has no session anywhere yet, 20 Dec. The New York desk rings D and J, Bristol's C and
    J; a manager sees all three."""
    from clinic.tests.factories import ClientFactory, FrontDeskFactory
    from consultations.tests.factories import ClearanceFactory

    people = hand_built.people
    people["J"] = ClientFactory(first_name="J", last_name="Client")
    for name, day in (("D", 10), ("C", 15), ("J", 20)):
        ClearanceFactory(client=people[name], valid_until=date(2026, 12, day))

    def rung(user) -> list[str]:
        log_in(client, user)
        return [c.client.first_name for c in client.get("/insights/call-list/").context["clearances"]]

    assert rung(FrontDeskFactory(home_location=hand_built.new_york)) == ["D", "J"]
    assert rung(FrontDeskFactory(home_location=hand_built.bristol)) == ["C", "J"]
    assert rung(ManagerFactory()) == ["D", "C", "J"]


def test_with_a_location_chosen_the_consultation_figures_say_they_are_the_whole_clinics(client, hand_built):
    """A consultation belongs to no location: at Bristol the queue and the reasons are still the
    clinic's, and the tables say so (the check-ins beside them are Bristol's)."""
    log_in(client, ManagerFactory())
    whole = "The consultations are the whole clinic's (a consultation belongs to no location, practitioner or room)."
    for code in ("clinical-flow", "clinical-reasons"):
        assert _table(client, code)["table"].note == ""
    page = client.get("/insights/", {**OCTOBER_QUERY, "location": hand_built.bristol.pk})
    notes = {t["table"].code: t["table"].note for s in page.context["sections"] for t in s.get("tables", ())}
    assert notes["clinical-flow"] == notes["clinical-reasons"] == whole
    assert whole in page.content.decode().replace("&#x27;", "'")
