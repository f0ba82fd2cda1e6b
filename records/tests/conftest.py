"""A client with a row in every section of the export: intake with a flag and a signed consent,
clearance, health update, a completed session with its record, plan (and PDF), check-ins and
photos with consents, a booked future session, a waitlist entry, messages, a marketing opt-in,
an e-mail address with a confirmation, and an authenticator."""

from datetime import timedelta

import pytest
from django.utils import timezone

from aftercare.tests.conftest import (  # noqa: F401 (fixtures)
    _photo_storage,
    _private_storage,
    add_photo,
    photo_files,
    record_input,
    session_setup,
)

PHONE = "+44 7700 900123"
MEDICAL = "Takes warfarin-xyzzy daily"


@pytest.fixture
def full_client(session_setup, record_input, add_photo, django_capture_on_commit_callbacks):  # noqa: F811
    from allauth.account.models import EmailAddress, EmailConfirmation
    from allauth.mfa.models import Authenticator

    from aftercare.services import aftercare_pdf_render, check_in_answer, session_complete
    from bookings.models import Appointment, WaitlistEntry
    from bookings.tests.factories import AppointmentFactory
    from clinic.consent import marketing_consent_set
    from clinic.models import MarketingConsent
    from clinic.outbox import outbox_enqueue
    from consultations.models import IntakeFlag
    from consultations.tests.factories import HealthUpdateFactory, IntakeFactory

    appointment = session_setup(areas=("face", "neck"))
    client = appointment.client
    client.first_name, client.last_name, client.phone = "Zelda", "Quixotic", PHONE
    client.save(update_fields=["first_name", "last_name", "phone"])
    # payments: a package sold while cleared (the session uses it), then a payment and a refund.
    from clinic.models import Location
    from clinic.tests.factories import FrontDeskFactory
    from payments.services import package_sell, payment_take, refund_make
    from payments.tests.factories import PackageFactory

    desk = FrontDeskFactory()
    package_sell(client=client, package=PackageFactory(treatment=appointment.treatment), sold_by=desk, key="full-sale")
    intake = IntakeFactory(client=client)
    IntakeFlag.objects.create(
        intake=intake, rule_code="blood_thinners", severity="relative", title="Blood thinners", reason=MEDICAL
    )
    HealthUpdateFactory(client=client, appointment_id=appointment.pk, anything_changed=True, details=MEDICAL)
    with django_capture_on_commit_callbacks(execute=False):
        record = session_complete(appointment=appointment, recorded_by=appointment.practitioner.user, **record_input)
        payment = payment_take(
            client=client, location_id=Location.default().pk, amount="450", method="cash", key="full-pay", taken_by=desk
        )
        refund_make(payment=payment, amount="50", method="cash", key="full-refund", refunded_by=desk)
    aftercare_pdf_render(plan_id=record.plan.pk)
    check_in = record.plan.check_ins.order_by("day").first()
    check_in_answer(check_in=check_in, client=client, answer="worried", comment=MEDICAL)
    add_photo(appointment, consents=("clinical", "education"))
    future = AppointmentFactory(
        client=client,
        treatment=appointment.treatment,
        practitioner=appointment.practitioner,
        areas=["face"],
        starts_at=timezone.now() + timedelta(days=40),
        status=Appointment.Status.BOOKED,
    )
    WaitlistEntry.objects.create(
        client=client,
        treatment=appointment.treatment,
        areas=["face"],
        first_day=timezone.localdate() + timedelta(days=1),
        last_day=timezone.localdate() + timedelta(days=9),
        note="Mornings please",
    )
    marketing_consent_set(person=client, channels=["email"], via=MarketingConsent.Via.PORTAL)
    from bookings.models import TabletCheckIn
    from consultations.models import ConsentRenewal, ConsentText

    TabletCheckIn.objects.create(
        appointment=future,
        digest="d" * 64,
        opened_by=appointment.practitioner.user,
        expires_at=timezone.now() + timedelta(minutes=10),
    )
    ConsentRenewal.objects.create(
        client=client,
        intake=intake,
        consent_text=ConsentText.objects.order_by("-version").first(),
        appointment_id=future.pk,
        full_name="Zelda Quixotic",
        text_sha256="0" * 64,
    )
    outbox_enqueue(
        kind="reminder",
        recipient=client,
        due_at=future.starts_at - timedelta(days=2),
        key=f"test-reminder-{future.pk}",
        appointment_id=future.pk,
    )
    address, _ = EmailAddress.objects.get_or_create(user=client, email=client.email, defaults={"verified": True})
    EmailConfirmation.objects.create(email_address=address, key="k" * 20, sent=timezone.now())
    Authenticator.objects.create(user=client, type=Authenticator.Type.TOTP, data={"secret": "SECRETSECRET"})
    from records.models import ClientExport

    ClientExport.objects.create(client=client, requested_by=client, status=ClientExport.Status.EXPIRED)
    return client
