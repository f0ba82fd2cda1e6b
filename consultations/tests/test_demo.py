import pytest

from clinic import demo as clinic_demo
from clinic.clock import clinic_today
from consultations import demo
from consultations.models import Clearance, Intake, IntakeStatus
from consultations.selectors import clearance_statuses

pytestmark = pytest.mark.django_db


def test_the_demo_holds_clients_in_every_state_and_can_run_twice(consent_text):
    people = clinic_demo.seed()
    demo.seed(people)
    counts_after_first = (Intake.objects.count(), Clearance.objects.count())
    demo.seed(people)
    assert (Intake.objects.count(), Clearance.objects.count()) == counts_after_first

    ids = [client.pk for client in people["clients"]]
    statuses = clearance_statuses(client_ids=ids, treatment_slug="microneedling", on=clinic_today())
    codes = [statuses[pk].code for pk in ids]
    assert codes.count("cleared") >= 14
    assert {"pending", "declined", "deferred", "no_intake"} <= set(codes)
    current = Intake.objects.filter(superseded_at__isnull=True)
    assert {
        IntakeStatus.PENDING,
        IntakeStatus.QUESTION,
        IntakeStatus.DECLINED,
        IntakeStatus.DEFERRED,
        IntakeStatus.DRAFT,
        IntakeStatus.APPROVED,
    } <= set(current.values_list("status", flat=True))
    # The amended form keeps its first version for the practitioner's comparison.
    assert Intake.objects.filter(superseded_at__isnull=False).count() == 1
    face_neck = [c for c in Clearance.objects.all() if {"face", "neck"} <= set(c.areas)]
    assert len(face_neck) >= 8
