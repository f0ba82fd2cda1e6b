"""What a manager and the front desk find in the demo clinic (``seed_demo``): a call list with
people to ring, and decisions that took hours, not 0."""

import io

import pytest
from django.core.management import call_command

from clinic.clock import clinic_today
from clinic.demo import STAFF
from clinic.models import User
from clinic.roles import Role
from clinic.tests.factories import log_in

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _figure(page, code: str, label: str):
    table = next(t["table"] for s in page.context["sections"] for t in s.get("tables", ()) if t["table"].code == code)
    return next(row[1] for row in table.rows if row[0] == label)


def test_the_demo_has_a_call_list_and_decisions_that_took_hours(client, settings, tmp_path):
    """Lily Chen and Oscar Walsh had their first session five to six weeks ago and booked nothing:
    their windows close in the coming days. Leo Nguyen's and Sofia Ahmed's clearances end in 12
    and 25 days. This week's decisions (31, 54 and 8 hours after the form) have a median of 31
    hours; over the last 90 days, with the fourteen approvals two months ago, more than 0 too."""
    settings.VAR_DIR = tmp_path
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())  # a second run changes none of it
    emails = {role: email for email, _f, _l, role in reversed(STAFF)}

    log_in(client, User.objects.get(email=emails[Role.FRONT_DESK]))
    calls = client.get("/insights/call-list/")
    assert calls.status_code == 200
    courses = [str(course.client) for course in calls.context["courses"]]
    assert sorted(courses) == ["Lily Chen", "Oscar Walsh"]
    today = clinic_today()
    assert all(
        today <= course.closes_on <= today.fromordinal(today.toordinal() + 7) for course in calls.context["courses"]
    )
    clearances = [(str(c.client), (c.valid_until - today).days) for c in calls.context["clearances"]]
    assert clearances == [("Leo Nguyen", 12), ("Sofia Ahmed", 25)]
    assert "Lily Chen" in calls.content.decode()

    log_in(client, User.objects.get(email=emails[Role.MANAGER]))
    median = "Median hours from submission to decision"
    assert _figure(client.get("/insights/"), "clinical-flow", median) == 31
    first = today.fromordinal(today.toordinal() - 90)
    quarter = client.get("/insights/", {"period": "custom", "first": first.isoformat(), "last": today.isoformat()})
    assert _figure(quarter, "clinical-flow", median) > 0
