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
