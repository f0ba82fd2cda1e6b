"""The clearance question bookings asks, and the health-update status before a session."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from clinic.tests.factories import ClientFactory
from consultations.models import IntakeStatus
from consultations.selectors import (
    clearance_check,
    clearance_statuses,
    health_update_status,
    health_update_statuses,
)
from consultations.tests.factories import ClearanceFactory, HealthUpdateFactory, IntakeFactory

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def test_a_client_with_an_approved_clearance_is_cleared_for_the_cleared_areas():
    clearance = ClearanceFactory(areas=["face", "neck"], max_needle_depth_mm=Decimal("1.25"), planned_sessions=4)
    check = clearance_check(client=clearance.client, treatment_slug="microneedling", areas=["face"], on=today())
    assert check.ok is True
    assert check.code == "cleared"
    assert check.cleared_areas == frozenset({"face", "neck"})
    assert check.max_needle_depth_mm == Decimal("1.25")
    assert check.planned_sessions == 4
    assert check.clearance_id == clearance.pk
    assert check.valid_until == clearance.valid_until


def test_an_area_outside_the_clearance_is_refused_with_the_areas_named():
    clearance = ClearanceFactory(areas=["face"])
    check = clearance_check(
        client=clearance.client, treatment_slug="microneedling", areas=["face", "thighs"], on=today()
    )
    assert (check.ok, check.code) == (False, "area_not_cleared")
    assert "thighs" in check.message


def test_a_session_after_valid_until_is_expired():
    clearance = ClearanceFactory(valid_until=today() + timedelta(days=10))
    check = clearance_check(
        client=clearance.client, treatment_slug="microneedling", areas=["face"], on=today() + timedelta(days=11)
    )
    assert (check.ok, check.code) == (False, "expired")
    on_last_day = clearance_check(
        client=clearance.client, treatment_slug="microneedling", areas=["face"], on=today() + timedelta(days=10)
    )
    assert on_last_day.ok


def test_a_clearance_for_another_treatment_does_not_count():
    clearance = ClearanceFactory(treatment_slug="peel")
    check = clearance_check(client=clearance.client, treatment_slug="microneedling", areas=["face"], on=today())
    assert check.ok is False
    assert check.code == "no_intake"


def test_no_intake_pending_question_declined_and_deferred():
    nobody = ClientFactory()
    assert (
        clearance_check(client=nobody, treatment_slug="microneedling", areas=["face"], on=today()).code == "no_intake"
    )

    pending = IntakeFactory(status=IntakeStatus.PENDING)
    check = clearance_check(client=pending.client, treatment_slug="microneedling", areas=["face"], on=today())
    assert (check.code, check.message) == ("pending", "A practitioner will review your answers.")

    asked = IntakeFactory(status=IntakeStatus.QUESTION, decision_note="When did you stop?")
    assert clearance_check(client=asked.client, treatment_slug="microneedling", areas=[], on=today()).code == "pending"

    declined = IntakeFactory(status=IntakeStatus.DECLINED, decision_note="Not suitable")
    check = clearance_check(client=declined.client, treatment_slug="microneedling", areas=["face"], on=today())
    assert (check.ok, check.code) == (False, "declined")

    until = today() + timedelta(days=60)
    deferred = IntakeFactory(status=IntakeStatus.DEFERRED, deferred_until=until)
    check = clearance_check(client=deferred.client, treatment_slug="microneedling", areas=["face"], on=today())
    assert (check.code, check.available_from) == ("deferred", until)


def test_a_revoked_clearance_no_longer_clears():
    clearance = ClearanceFactory()
    clearance.revoked_at = timezone.now()
    clearance.save(update_fields=["revoked_at"])
    check = clearance_check(client=clearance.client, treatment_slug="microneedling", areas=["face"], on=today())
    assert check.ok is False


def test_a_reported_health_change_puts_the_clearance_on_hold_until_reviewed():
    clearance = ClearanceFactory()
    update = HealthUpdateFactory(client=clearance.client, anything_changed=True, details="New medication")
    check = clearance_check(client=clearance.client, treatment_slug="microneedling", areas=["face"], on=today())
    assert (check.ok, check.code) == (False, "health_review")
    update.review_outcome = "still_cleared"
    update.save(update_fields=["review_outcome"])
    assert clearance_check(client=clearance.client, treatment_slug="microneedling", areas=["face"], on=today()).ok


def test_clearance_statuses_answers_for_every_client_in_two_queries(django_assert_num_queries):
    """Two queries at most: the clearances (each saying whether a health change awaits review)
    and the intakes of those without one (a day of cleared clients reads no intakes)."""
    one = ClearanceFactory()
    with django_assert_num_queries(1):
        single = clearance_statuses(client_ids=[one.client_id], treatment_slug="microneedling", on=today())
    assert single[one.client_id].code == "cleared"
    waiting = IntakeFactory()
    with django_assert_num_queries(2):
        alone = clearance_statuses(client_ids=[waiting.client_id], treatment_slug="microneedling", on=today())
    assert alone[waiting.client_id].code == "pending"

    cleared = [ClearanceFactory() for _ in range(5)]
    pending = [IntakeFactory() for _ in range(5)]
    nobody = ClientFactory()
    HealthUpdateFactory(client=cleared[0].client, anything_changed=True, details="Started blood thinners")
    ids = [c.client_id for c in cleared] + [i.client_id for i in pending] + [nobody.pk]
    with django_assert_num_queries(2):
        statuses = clearance_statuses(client_ids=ids, treatment_slug="microneedling", on=today())
    assert statuses[cleared[0].client_id].code == "health_review"
    assert [statuses[c.client_id].code for c in cleared[1:]] == ["cleared"] * 4
    assert {statuses[i.client_id].code for i in pending} == {"pending"}
    assert statuses[nobody.pk].code == "no_intake"


def test_bulk_and_single_answers_agree():
    clearance = ClearanceFactory(areas=["thighs"])
    single = clearance_check(client=clearance.client, treatment_slug="microneedling", areas=[], on=today())
    bulk = clearance_statuses(client_ids=[clearance.client_id], treatment_slug="microneedling", on=today())
    assert bulk[clearance.client_id] == single


def test_health_update_status_by_time_and_answer():
    client = ClientFactory()
    now = timezone.now()
    far = health_update_status(client=client, appointment_id=1, starts_at=now + timedelta(days=8))
    assert far.code == "not_due"
    near = health_update_status(client=client, appointment_id=1, starts_at=now + timedelta(days=6))
    assert near.code == "missing"
    fine = HealthUpdateFactory(client=client, appointment_id=1)
    status = health_update_status(client=client, appointment_id=1, starts_at=now + timedelta(days=2))
    assert (status.code, status.health_update_id) == ("ok", fine.pk)
    HealthUpdateFactory(client=client, appointment_id=2, anything_changed=True, details="Pregnant")
    assert (
        health_update_status(client=client, appointment_id=2, starts_at=now + timedelta(days=2)).code == "needs_review"
    )
    # Another client's update for the same appointment id tells nothing about this client.
    other = ClientFactory()
    assert health_update_status(client=other, appointment_id=1, starts_at=now + timedelta(days=2)).code == "missing"


def test_health_update_statuses_in_one_query(django_assert_num_queries):
    now = timezone.now()
    clients = [ClientFactory() for _ in range(4)]
    HealthUpdateFactory(client=clients[0], appointment_id=10)
    HealthUpdateFactory(client=clients[1], appointment_id=11, anything_changed=True, details="Sunburn")
    wanted = [
        (clients[0].pk, 10, now + timedelta(days=1)),
        (clients[1].pk, 11, now + timedelta(days=1)),
        (clients[2].pk, 12, now + timedelta(days=1)),
        (clients[3].pk, 13, now + timedelta(days=20)),
    ]
    with django_assert_num_queries(1):
        statuses = health_update_statuses(appointments=wanted)
    assert [statuses[a].code for a in (10, 11, 12, 13)] == ["ok", "needs_review", "missing", "not_due"]
