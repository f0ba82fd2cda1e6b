"""Factories for consultations, and for other apps' tests that need a cleared client.

``ClearanceFactory(client=..., areas=[...], valid_until=..., max_needle_depth_mm=...)`` creates
the approved intake (with clean answers and a signed consent) the clearance rests on.
"""

from datetime import date, timedelta
from decimal import Decimal

import factory
from django.db.models import Max
from django.utils import timezone

from clinic.tests.factories import ClientFactory, PractitionerFactory
from consultations.intake_steps import STEP_CODES, answers_with_nothing_to_report
from consultations.models import (
    DEFAULT_TREATMENT_SLUG,
    Clearance,
    ConsentSignature,
    ConsentText,
    HealthUpdate,
    Intake,
    IntakeStatus,
)


def clean_answers(areas=("face", "neck"), **overrides) -> dict:
    """Answers that raise no flag: every step filled in."""
    answers = {
        "date_of_birth": "1990-04-12",
        "phone": "+44 7700 900123",
        "emergency_contact_name": "Sam Taylor",
        "emergency_contact_phone": "+44 7700 900456",
        "fitzpatrick": "II",
        "skin_type": "combination",
        "concerns": ["texture", "acne_scars"],
        "areas": list(areas),
        **answers_with_nothing_to_report(),
    }
    answers.update(overrides)
    return answers


def _next_version(intake) -> int:
    return (Intake.objects.filter(client=intake.client).aggregate(v=Max("version"))["v"] or 0) + 1


class ConsentTextFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsentText
        django_get_or_create = ("version",)

    version = factory.Sequence(lambda n: 1000 + n)
    title = "Informed consent for micro-needling"
    body = factory.Faker("paragraph", nb_sentences=6)


class IntakeFactory(factory.django.DjangoModelFactory):
    """A submitted intake (pending review) with a signed consent. It becomes the client's
    current version: an older current one is marked superseded, as the service would."""

    class Meta:
        model = Intake
        skip_postgeneration_save = True

    client = factory.SubFactory(ClientFactory)
    version = factory.LazyAttribute(_next_version)
    status = IntakeStatus.PENDING
    answers = factory.LazyFunction(clean_answers)
    steps_done = factory.LazyFunction(lambda: list(STEP_CODES))
    submitted_at = factory.LazyFunction(timezone.now)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        if kwargs.get("status") != IntakeStatus.DRAFT:
            Intake.objects.filter(client=kwargs["client"], superseded_at__isnull=True).exclude(
                status=IntakeStatus.DRAFT
            ).update(superseded_at=timezone.now())
        return super()._create(model_class, *args, **kwargs)

    @factory.post_generation
    def signed(self, create, extracted, **kwargs):
        if create and self.status != IntakeStatus.DRAFT and extracted is not False:
            text = ConsentText.objects.order_by("-version").first() or ConsentTextFactory()
            ConsentSignature.objects.create(
                intake=self,
                consent_text=text,
                full_name=self.client.get_full_name() or "Test Client",
                ip_address="127.0.0.1",
                user_agent="factory",
                text_sha256="0" * 64,
            )


class DraftIntakeFactory(IntakeFactory):
    status = IntakeStatus.DRAFT
    submitted_at = None
    steps_done = factory.LazyFunction(list)
    answers = factory.LazyFunction(dict)


class ClearanceFactory(factory.django.DjangoModelFactory):
    """An approved clearance (default: face and neck, 1.5 mm, 3 sessions, valid 12 months)."""

    class Meta:
        model = Clearance

    client = factory.SubFactory(ClientFactory)
    areas = factory.LazyFunction(lambda: ["face", "neck"])
    intake = factory.SubFactory(
        IntakeFactory,
        client=factory.SelfAttribute("..client"),
        status=IntakeStatus.APPROVED,
        answers=factory.LazyAttribute(lambda o: clean_answers(areas=o.factory_parent.areas)),
        decided_at=factory.LazyFunction(timezone.now),
    )
    treatment_slug = DEFAULT_TREATMENT_SLUG
    max_needle_depth_mm = Decimal("1.50")
    planned_sessions = 3
    valid_until = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=365))
    valid_from = factory.LazyAttribute(lambda o: min(timezone.localdate(), o.valid_until - timedelta(days=365)))
    decided_by = factory.SubFactory(PractitionerFactory)
    decided_at = factory.LazyFunction(timezone.now)


class HealthUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HealthUpdate

    client = factory.SubFactory(ClientFactory)
    appointment_id = factory.Sequence(lambda n: 5000 + n)
    session_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=2))
    anything_changed = False
    details = ""
    submitted_by = factory.SelfAttribute("client")


def today() -> date:
    return timezone.localdate()
