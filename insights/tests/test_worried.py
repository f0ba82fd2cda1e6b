"""Worried check-ins in the clinical flow: answers written out by hand, inside and either side of
October on each location's clock, at Bristol (London time) and New York, some seen by a
practitioner and some not."""

from datetime import date, timedelta

import pytest

from aftercare.models import AftercarePlan, CheckIn, SessionRecord
from clinic.tests.factories import ManagerFactory, log_in
from insights.selectors.clinical import clinical_flow
from insights.selectors.scope import Scope

from .conftest import LONDON, NEW_YORK, OCTOBER, at

pytestmark = pytest.mark.django_db

FINE, WORRIED = CheckIn.Answer.FINE, CheckIn.Answer.WORRIED


def _plan(session) -> AftercarePlan:
    record = SessionRecord.objects.create(
        appointment=session,
        recorded_by=session.practitioner.user,
        device="Dermapen 4",
        cartridge_lot="LOT-1",
        passes=3,
        reaction=SessionRecord.Reaction.EXPECTED_REDNESS,
        recorded_at=session.starts_at + timedelta(hours=1),
    )
    return AftercarePlan.objects.create(
        record=record,
        appointment=session,
        client=session.client,
        session_on=session.starts_at.date(),
        content={},
    )


def _check_in(plan, day, answer="", answered_at=None, *, seen=False):
    return CheckIn.objects.create(
        plan=plan,
        day=day,
        due_at=plan.appointment.starts_at + timedelta(days=day),
        answer=answer,
        comment="Still red and a few spots" if answer == WORRIED else "",
        answered_at=answered_at,
        seen_by=plan.appointment.practitioner.user if seen else None,
        seen_at=answered_at + timedelta(hours=12) if seen else None,
    )


@pytest.fixture
def worried(hand_built):
    """Bristol, October: A (5 Oct) worried on day 1 at 09:00 on 6 Oct, not seen, and fine on day
    3; B (25 Oct) worried on day 3 at 20:00 on 28 Oct, seen; C (20 Oct) worried on day 3 at 23:30
    on 31 Oct (GMT), not seen. Outside: C's day 1 worried at 00:15 on 1 Nov; B (27 Sep) worried at
    23:30 on 30 Sep (22:30 UTC), not seen; H (8 Oct) has not answered.

    New York, October: D (moved, 22:00 on 30 Sep there) worried on day 1 at 21:00 on 1 Oct, not
    seen, and on day 3 at 22:00 on 31 Oct (02:00 UTC on 1 Nov), seen."""
    c = hand_built
    sessions = {
        (a.client.first_name, a.starts_at.astimezone(LONDON).day): a
        for a in c.treatment.appointments.filter(status="completed", room=c.bristol_room).select_related("client")
    }
    a = _plan(sessions[("A", 5)])
    _check_in(a, 1, WORRIED, at("2026-10-06", "09:00"))
    _check_in(a, 3, FINE, at("2026-10-08", "09:00"))
    _check_in(_plan(sessions[("B", 25)]), 3, WORRIED, at("2026-10-28", "20:00"), seen=True)
    c_plan = _plan(sessions[("C", 20)])
    _check_in(c_plan, 3, WORRIED, at("2026-10-31", "23:30"))
    _check_in(c_plan, 1, WORRIED, at("2026-11-01", "00:15"))
    _check_in(_plan(sessions[("B", 27)]), 3, WORRIED, at("2026-09-30", "23:30"))
    _check_in(_plan(sessions[("H", 8)]), 1)
    d = _plan(c.moved)
    _check_in(d, 1, WORRIED, at("2026-10-01", "21:00", NEW_YORK))
    _check_in(d, 3, WORRIED, at("2026-10-31", "22:00", NEW_YORK), seen=True)
    return c


def test_worried_check_ins_of_october_everywhere_and_at_each_location(worried):
    oct_ = Scope(*OCTOBER)
    assert clinical_flow(oct_)["worried"] == {"worried": 5, "not_seen": 3}
    assert clinical_flow(Scope(*OCTOBER, location_id=worried.bristol.pk))["worried"] == {"worried": 3, "not_seen": 2}
    assert clinical_flow(Scope(*OCTOBER, location_id=worried.new_york.pk))["worried"] == {"worried": 2, "not_seen": 1}
    # Noor's are D's two; Anna's the three at Bristol.
    assert clinical_flow(Scope(*OCTOBER, practitioner_id=worried.p2.pk))["worried"] == {"worried": 2, "not_seen": 1}
    assert clinical_flow(Scope(*OCTOBER, practitioner_id=worried.p1.pk))["worried"] == {"worried": 3, "not_seen": 2}


def test_worried_check_ins_either_side_of_october(worried):
    september = Scope(date(2026, 9, 1), date(2026, 9, 30))
    november = Scope(date(2026, 11, 1), date(2026, 11, 30))
    assert clinical_flow(september)["worried"] == {"worried": 1, "not_seen": 1}
    assert clinical_flow(november)["worried"] == {"worried": 1, "not_seen": 1}


def test_the_manager_reads_the_worried_check_ins_in_the_clinical_flow_table(client, worried):
    log_in(client, ManagerFactory())
    page = client.get(
        "/insights/",
        {"period": "custom", "first": "2026-10-01", "last": "2026-10-31", "location": worried.bristol.pk},
    )
    flow = next(
        t["table"] for s in page.context["sections"] for t in s.get("tables", ()) if t["table"].code == "clinical-flow"
    )
    assert flow.rows[3:] == [["Worried check-ins", 3], ["Worried check-ins nobody has marked seen", 2]]
    html = page.content.decode()
    assert '<th scope="row">Worried check-ins</th><td data-label="Value">3</td>' in html
