"""Two practitioners deciding on the same form at the same moment: one decision wins, the other
gets a clear message (the intake row is locked while a decision is made)."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from clinic.clock import clinic_today
from clinic.models import OutboundMessage
from clinic.tests.factories import PractitionerFactory
from consultations import services
from consultations.messages import ConsultationKind
from consultations.models import Clearance, Intake, IntakeStatus
from consultations.tests.factories import IntakeFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_simultaneous_approve_and_decline_leave_exactly_one_decision(consent_text):
    intake = IntakeFactory()
    anna, ben = PractitionerFactory(), PractitionerFactory()
    start = threading.Barrier(2)
    outcomes = {}

    def decide(name, call):
        try:
            start.wait()
            call()
            outcomes[name] = "done"
        except ValidationError as error:
            outcomes[name] = error.messages[0]
        finally:
            connection.close()

    approve = threading.Thread(
        target=decide,
        args=(
            "approve",
            lambda: services.intake_approve(
                intake=intake,
                decided_by=anna,
                areas=["face"],
                max_needle_depth_mm=Decimal("1.0"),
                planned_sessions=3,
                valid_until=clinic_today() + timedelta(days=300),
            ),
        ),
    )
    decline = threading.Thread(
        target=decide,
        args=(
            "decline",
            lambda: services.intake_decline(
                intake=intake, decided_by=ben, reason="Not suitable for micro-needling right now."
            ),
        ),
    )
    approve.start()
    decline.start()
    approve.join()
    decline.join()

    results = list(outcomes.values())
    assert results.count("done") == 1
    refused = next(result for result in results if result != "done")
    assert "no longer waiting for review" in refused
    intake = Intake.objects.get(pk=intake.pk)
    assert intake.status in (IntakeStatus.APPROVED, IntakeStatus.DECLINED)
    assert Clearance.objects.count() == (1 if intake.status == IntakeStatus.APPROVED else 0)
    assert OutboundMessage.objects.filter(kind=ConsultationKind.INTAKE_DECISION).count() == 1
