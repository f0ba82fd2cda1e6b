"""The old "essential messages only" switch folds into the per-channel marketing opt-ins
(migration clinic 0012): nobody loses an opt-out, nobody gains one."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("clinic", "0011_locations")]


def _latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_the_switch_becomes_withdrawn_opt_ins_and_cancelled_optional_messages():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    User = old.get_model("clinic", "User")
    Consent = old.get_model("clinic", "MarketingConsent")
    Message = old.get_model("clinic", "OutboundMessage")
    switched_off = User.objects.create(email="off@example.com", marketing_opt_out=True)
    opted_in = User.objects.create(email="in@example.com", marketing_opt_out=False)
    never = User.objects.create(email="never@example.com", marketing_opt_out=True)
    now = timezone.now()
    for person in (switched_off, opted_in):
        Consent.objects.create(person=person, channel="email", given_at=now, given_via="portal")
    for person, essential, key in ((switched_off, False, "a"), (switched_off, True, "b"), (opted_in, False, "c")):
        Message.objects.create(
            kind="waitlist_offer", recipient=person, due_at=now, idempotency_key=key, essential=essential
        )

    MigrationExecutor(connection).migrate(_latest())
    new = MigrationExecutor(connection).loader.project_state(_latest()).apps
    Consent = new.get_model("clinic", "MarketingConsent")
    Message = new.get_model("clinic", "OutboundMessage")
    withdrawn = Consent.objects.get(person_id=switched_off.pk)
    assert withdrawn.withdrawn_at is not None and withdrawn.withdrawn_via == "previous_setting"
    assert Consent.objects.get(person_id=opted_in.pk).withdrawn_at is None
    assert not Consent.objects.filter(person_id=never.pk).exists()
    status = dict(Message.objects.values_list("idempotency_key", "status"))
    assert status == {"a": "cancelled", "b": "pending", "c": "pending"}

    # Back again: the switch is on for whoever it was folded from.
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    users = executor.loader.project_state(BEFORE).apps.get_model("clinic", "User").objects
    assert users.get(pk=switched_off.pk).marketing_opt_out
    assert not users.get(pk=opted_in.pk).marketing_opt_out
    MigrationExecutor(connection).migrate(_latest())
