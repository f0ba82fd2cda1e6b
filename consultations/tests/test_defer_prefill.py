"""The defer form is filled in with the date the flags suggest (issue 17, item 5)."""

from datetime import date

import pytest
from django.urls import reverse

from clinic.tests.factories import PractitionerFactory, log_in
from consultations.models import IntakeFlag
from consultations.tests.factories import IntakeFactory

pytestmark = pytest.mark.django_db


def _flag(intake, code, defer_until):
    IntakeFlag.objects.create(
        intake=intake,
        rule_code=code,
        severity="absolute",
        title=code,
        reason="Test flag",
        areas=["face"],
        defer_until=defer_until,
    )


def test_the_defer_date_is_the_latest_the_flags_suggest(client, clinic_profile):
    intake = IntakeFactory()
    _flag(intake, "isotretinoin", date(2027, 3, 1))
    _flag(intake, "radiation_therapy", date(2027, 5, 14))
    log_in(client, PractitionerFactory())
    page = client.get(reverse("consultations:intake_review", args=[intake.pk])).content.decode()
    assert 'name="defer-until" value="2027-05-14"' in page


def test_without_a_suggested_date_the_defer_date_is_empty(client, clinic_profile):
    intake = IntakeFactory()
    log_in(client, PractitionerFactory())
    page = client.get(reverse("consultations:intake_review", args=[intake.pk])).content.decode()
    assert 'name="defer-until" value=' not in page
