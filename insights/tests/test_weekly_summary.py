"""The managers' weekly summary: Monday 08:00 on the clinic's clock, once a week, through the outbox."""

from datetime import UTC, datetime

import pytest
import time_machine

from clinic.composing import message_compose
from clinic.models import OutboundMessage
from clinic.tests.factories import ManagerFactory
from insights.summary import weekly_summary_plan
from insights.tasks import weekly_summary

pytestmark = pytest.mark.django_db


def test_the_summary_waits_for_monday_8_in_london_after_the_clocks_went_back(hand_built):
    """26 October 2026 is the first Monday on GMT: 08:00 there is 08:00 UTC, not 07:00."""
    manager = ManagerFactory()
    with time_machine.travel(datetime(2026, 10, 26, 7, 30, tzinfo=UTC), tick=False):
        assert weekly_summary_plan() == 0
    with time_machine.travel(datetime(2026, 10, 26, 8, 0, tzinfo=UTC), tick=False):
        assert weekly_summary_plan() == 1
        assert weekly_summary() == 0  # the task running again plans nothing
    message = OutboundMessage.objects.get(kind="insights_weekly_summary")
    assert message.recipient == manager
    assert message.due_at == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)
    # Last week, 19-25 October: C's session on the 20th and B's on the 25th were completed.
    assert message.context["completed"] == 2
    assert message.context["no_show"] == 0
    assert message.context["call_list_count"] >= 0


def test_the_summary_is_due_at_7_utc_on_a_summer_monday(hand_built):
    ManagerFactory()
    with time_machine.travel(datetime(2026, 6, 1, 6, 59, tzinfo=UTC), tick=False):
        assert weekly_summary_plan() == 0
    with time_machine.travel(datetime(2026, 6, 1, 7, 0, tzinfo=UTC), tick=False):
        assert weekly_summary_plan() == 1
    with time_machine.travel(datetime(2026, 6, 3, 12, 0, tzinfo=UTC), tick=False):
        assert weekly_summary_plan() == 0  # later in the same week: already planned
    assert OutboundMessage.objects.get().due_at == datetime(2026, 6, 1, 7, 0, tzinfo=UTC)


def test_the_summary_reads_well(hand_built):
    ManagerFactory()
    with time_machine.travel(datetime(2026, 10, 26, 9, 0, tzinfo=UTC), tick=False):
        weekly_summary_plan()
        composed = message_compose(message=OutboundMessage.objects.get())
    assert "Sessions completed: 2" in composed.text
    assert "Clients on the front desk's call list today:" in composed.text


def test_each_manager_gets_it_at_8_on_their_home_locations_clock(hand_built):
    """Monday 26 October 2026: 08:00 in Bristol (GMT since Sunday) is 08:00 UTC; in New York
    (still EDT until 1 November) 08:00 is 12:00 UTC. Both read the same week, 19-25 October."""
    bristol = ManagerFactory(home_location=hand_built.bristol)
    new_york = ManagerFactory(home_location=hand_built.new_york)
    with time_machine.travel(datetime(2026, 10, 26, 8, 0, tzinfo=UTC), tick=False):
        assert weekly_summary_plan() == 1
    with time_machine.travel(datetime(2026, 10, 26, 11, 59, tzinfo=UTC), tick=False):
        assert weekly_summary_plan() == 0
    with time_machine.travel(datetime(2026, 10, 26, 12, 0, tzinfo=UTC), tick=False):
        assert weekly_summary_plan() == 1
        assert weekly_summary_plan() == 0
    due = {m.recipient_id: m.due_at for m in OutboundMessage.objects.filter(kind="insights_weekly_summary")}
    assert due == {
        bristol.pk: datetime(2026, 10, 26, 8, 0, tzinfo=UTC),
        new_york.pk: datetime(2026, 10, 26, 12, 0, tzinfo=UTC),
    }
    for message in OutboundMessage.objects.filter(kind="insights_weekly_summary"):
        assert message.context["completed"] == 2
        assert message.context["week_label"].startswith("19 October 2026")


def test_a_manager_east_of_the_clinic_gets_it_on_their_monday_while_it_is_sunday_in_london(hand_built):
    """08:00 on Monday 2 November in Tokyo is 23:00 UTC on Sunday 1 November: that manager's
    summary covers 26 October - 1 November; in London it is still the week of 26 October (whose
    summary a first run that late still plans, due when it was)."""
    from clinic.models import Location

    tokyo = ManagerFactory(home_location=Location.objects.create(name="Tokyo", time_zone="Asia/Tokyo"))
    london = ManagerFactory(home_location=hand_built.bristol)
    with time_machine.travel(datetime(2026, 11, 1, 23, 0, tzinfo=UTC), tick=False):
        assert weekly_summary_plan() == 2
    planned = {
        m.recipient_id: (m.idempotency_key, m.due_at, m.context["week_label"])
        for m in OutboundMessage.objects.filter(kind="insights_weekly_summary")
    }
    assert planned == {
        tokyo.pk: (
            f"insights_weekly:2026-W45:{tokyo.pk}",
            datetime(2026, 11, 1, 23, 0, tzinfo=UTC),
            "26 October 2026 – 1 November 2026",
        ),
        london.pk: (
            f"insights_weekly:2026-W44:{london.pk}",
            datetime(2026, 10, 26, 8, 0, tzinfo=UTC),
            "19 October 2026 – 25 October 2026",
        ),
    }
