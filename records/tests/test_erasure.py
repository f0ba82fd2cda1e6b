"""Erasure within the law: after a manager confirms, nothing personal about the client remains
outside the clinical records kept by law; after the retention period, nothing at all."""

from datetime import date, timedelta

import pytest
from django.apps import apps
from django.core import serializers
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from bookings.models import Appointment
from bookings.tests.factories import AppointmentFactory
from clinic.client_data import Erasure, client_data_entries
from clinic.models import AuditEntry, MarketingConsent, OutboundMessage, User
from clinic.tests.factories import ClientFactory, ManagerFactory, log_in
from records.erasure import clinical_records_sweep, erasure_confirm, erasure_request
from records.models import ErasureRequest

from .conftest import MEDICAL, PHONE

CLINICAL = {e.model._meta.label_lower for e in client_data_entries() if e.erasure == Erasure.CLINICAL}


def where_found(needles) -> dict[str, set[str]]:
    """needle -> the models ("app.model") whose rows hold it anywhere, in any field."""
    found = {needle: set() for needle in needles}
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        text = serializers.serialize("json", model._default_manager.all()).lower()
        for needle in needles:
            if needle.lower() in text:
                found[needle].add(model._meta.label_lower)
    return found


def personal_strings(client) -> list[str]:
    return [client.email, client.first_name, client.last_name, PHONE, MEDICAL, "Mornings please"]


@pytest.mark.django_db
def test_after_erasure_only_the_clinical_records_hold_anything_personal_and_after_retention_nothing(
    full_client, clinic_profile, photo_files, django_capture_on_commit_callbacks
):
    manager = ManagerFactory()
    needles = personal_strings(full_client)
    before = where_found(needles)
    assert before[full_client.email] and before[MEDICAL] and before["Mornings please"]  # the check can fire
    photos_before = photo_files()
    assert photos_before
    from django.core.files.base import ContentFile
    from django.core.files.storage import storages

    from records.export import client_export_build, client_export_request
    from records.models import ImportRun

    upload = storages["private"].save("imports/clients.csv", ContentFile(full_client.email.encode()))
    ImportRun.objects.create(
        kind="clients",
        file_name=upload,
        uploaded_by=manager,
        status="done",
        report={"counts": {"created": 1}, "rows": [{"line": 2, "label": full_client.email}]},
    )
    zip_name = client_export_build(
        export_id=client_export_request(client=full_client, requested_by=manager).pk
    ).file_name
    erasure = erasure_request(client=full_client)
    with django_capture_on_commit_callbacks(execute=True):
        erasure = erasure_confirm(erasure=erasure, confirmed_by=manager)
    assert erasure.status == ErasureRequest.Status.ERASED
    assert not storages["private"].exists(zip_name)  # the export held everything: it goes at once
    assert not storages["private"].exists(upload)  # so did the file it was imported from
    assert erasure.retain_until == date(2034, 3, 5)  # 8 years after the last treatment (5 March 2026)
    after = where_found(needles)
    for needle, labels in after.items():
        assert labels <= CLINICAL, f"{needle!r} still in {labels - CLINICAL}"
    assert after[MEDICAL], "the clinical records are kept for the retention period"
    assert photo_files() == photos_before  # clinical photos are kept too
    account = User.objects.get(pk=full_client.pk)
    assert not account.is_active and not account.has_usable_password()
    assert not account.phone and not account.first_name and account.email.endswith("@erased.invalid")
    assert not OutboundMessage.objects.filter(recipient=account).exists()
    assert not MarketingConsent.objects.filter(person=account).exists()

    assert clinical_records_sweep(today=date(2034, 3, 4)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert clinical_records_sweep(today=date(2034, 3, 5)) == 1
    assert where_found(needles) == {needle: set() for needle in needles}
    assert photo_files() == []
    erasure.refresh_from_db()
    assert erasure.status == ErasureRequest.Status.COMPLETE
    assert clinical_records_sweep(today=date(2034, 3, 6)) == 0  # a second run does nothing


@pytest.mark.django_db
def test_future_sessions_are_cancelled_and_their_messages_go(full_client, clinic_profile):
    future = Appointment.objects.get(client=full_client, status=Appointment.Status.BOOKED)
    erasure_confirm(erasure=erasure_request(client=full_client), confirmed_by=ManagerFactory())
    future.refresh_from_db()
    assert future.status == Appointment.Status.CANCELLED
    assert not OutboundMessage.objects.filter(appointment_id=future.pk).exists()


@pytest.mark.django_db
def test_the_audit_log_keeps_that_it_happened_not_who(full_client, clinic_profile):
    manager = ManagerFactory()
    erasure_confirm(erasure=erasure_request(client=full_client), confirmed_by=manager)
    entry = AuditEntry.objects.get(action="client.erased")
    assert entry.actor == manager and entry.subject is None
    assert not AuditEntry.objects.filter(subject=full_client).exists()
    assert not AuditEntry.objects.filter(actor=full_client).exists()
    assert AuditEntry.objects.filter(action="client.erasure_requested").exists()


@pytest.mark.django_db
def test_erasure_is_refused_while_a_session_today_is_not_over(full_client, clinic_profile):
    future = Appointment.objects.get(client=full_client, status=Appointment.Status.BOOKED)
    today = AppointmentFactory(
        client=full_client,
        treatment=future.treatment,
        practitioner=future.practitioner,
        room=future.room,
        course=future.course,
        areas=["face"],
        starts_at=(timezone.now() + timedelta(minutes=30)).replace(second=0, microsecond=0),
    )
    erasure = erasure_request(client=full_client)
    with pytest.raises(ValidationError, match="session today"):
        erasure_confirm(erasure=erasure, confirmed_by=ManagerFactory())
    full_client.refresh_from_db()
    assert full_client.is_active and full_client.phone == PHONE
    erasure.refresh_from_db()
    assert erasure.status == ErasureRequest.Status.REQUESTED
    # Once that session is over (here: the clinic cancelled it), the manager can confirm.
    from bookings.services.appointments import appointment_cancel

    manager = ManagerFactory()
    appointment_cancel(appointment=today, cancelled_by=manager)
    assert erasure_confirm(erasure=erasure, confirmed_by=manager).status == ErasureRequest.Status.ERASED


@pytest.mark.django_db
def test_only_a_manager_confirms(full_client, clinic_profile):
    erasure = erasure_request(client=full_client)
    with pytest.raises(PermissionDenied):
        erasure_confirm(erasure=erasure, confirmed_by=ClientFactory())


@pytest.mark.django_db
def test_the_client_asks_and_the_manager_confirms_through_the_pages(client, full_client, clinic_profile):
    log_in(client, full_client)
    assert client.post(reverse("records:my_erasure"), {}).status_code == 200  # the box must be ticked
    assert not ErasureRequest.objects.exists()
    assert client.post(reverse("records:my_erasure"), {"confirm": "on"}).status_code == 302
    assert ErasureRequest.objects.get().status == ErasureRequest.Status.REQUESTED
    manager = ManagerFactory()
    log_in(client, manager)
    page = client.get(reverse("records:client_records", args=[full_client.pk])).content.decode()
    assert "Confirm the erasure" in page
    response = client.post(reverse("records:client_erasure_confirm", args=[full_client.pk]), follow=True)
    assert "The client is forgotten" in response.content.decode()
    assert ErasureRequest.objects.get().status == ErasureRequest.Status.ERASED
