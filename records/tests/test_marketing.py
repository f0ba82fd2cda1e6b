"""Marketing consent per channel: the outbox never sends a marketing message without a current
opt-in for the channel it goes by; every marketing message carries an unsubscribe link that works
without logging in."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clinic.consent import marketing_channels, marketing_consent_set, unsubscribe_path
from clinic.dispatch import outbox_dispatch_due
from clinic.models import MarketingConsent, OutboundMessage
from clinic.outbox import outbox_enqueue
from clinic.tests.factories import ClientFactory, log_in


class Kind:
    COURSE_REVIEW = "course_review"
    INTAKE_DECISION = "intake_decision"


Status = OutboundMessage.Status


def nudge(person, key="nudge"):
    return outbox_enqueue(
        kind=Kind.COURSE_REVIEW,
        recipient=person,
        due_at=timezone.now() - timedelta(minutes=1),
        key=key,
        context={"treatment_name": "Micro-needling", "plan_url": "/aftercare/"},
        essential=False,
    )


@pytest.mark.django_db
def test_marketing_planned_without_an_opt_in_is_written_skipped(clinic_profile):
    message = nudge(ClientFactory())
    assert message.status == Status.SKIPPED
    assert "consent" in message.note


@pytest.mark.django_db
def test_with_an_opt_in_it_is_sent_with_a_one_click_unsubscribe_link(clinic_profile):
    person = ClientFactory()
    marketing_consent_set(person=person, channels=["email"], via=MarketingConsent.Via.PORTAL)
    nudge(person)
    outbox_dispatch_due(seconds=5)
    assert OutboundMessage.objects.get().status == Status.SENT
    email = mail.outbox[0]
    link = email.extra_headers["List-Unsubscribe"].strip("<>")
    assert link in email.body
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The link works without logging in: GET shows one button, POST unsubscribes.
    browser = Client()
    path = link.split("://", 1)[1].split("/", 1)[1]
    assert browser.get("/" + path).status_code == 200
    assert marketing_channels(person=person) == {"email"}
    assert browser.post("/" + path).status_code == 200
    assert marketing_channels(person=person) == set()
    withdrawn = MarketingConsent.objects.get(person=person)
    assert withdrawn.withdrawn_via == MarketingConsent.Via.UNSUBSCRIBE_LINK


@pytest.mark.django_db
def test_a_withdrawal_after_planning_is_honoured_at_send_time(clinic_profile):
    person = ClientFactory()
    marketing_consent_set(person=person, channels=["email"], via=MarketingConsent.Via.PORTAL)
    message = nudge(person)
    assert message.status == Status.PENDING
    marketing_consent_set(person=person, channels=[], via=MarketingConsent.Via.PORTAL)
    outbox_dispatch_due(seconds=5)
    message.refresh_from_db()
    assert message.status == Status.SKIPPED
    assert mail.outbox == []


@pytest.mark.django_db
def test_consent_is_per_channel(clinic_profile, settings):
    person = ClientFactory(phone="+447700900456", preferred_channel="sms")
    marketing_consent_set(person=person, channels=["email"], via=MarketingConsent.Via.PORTAL)
    message = nudge(person)
    outbox_dispatch_due(seconds=5)
    message.refresh_from_db()
    assert message.status == Status.SKIPPED  # it would go by text, and texts were not agreed to
    assert "SMS" in message.note


@pytest.mark.django_db
def test_service_messages_do_not_ask_for_marketing_consent(clinic_profile):
    person = ClientFactory()
    outbox_enqueue(
        kind=Kind.INTAKE_DECISION, recipient=person, due_at=timezone.now(), key="decision", context={"status": "x"}
    )
    assert OutboundMessage.objects.get().status == Status.PENDING


@pytest.mark.django_db
def test_a_forged_unsubscribe_link_is_refused_plainly():
    response = Client().post(reverse("unsubscribe", args=["not-a-token"]))
    assert response.status_code == 404
    assert "not valid" in response.content.decode()


@pytest.mark.django_db
def test_the_client_chooses_channels_and_each_choice_is_recorded_with_when_and_how(client, clinic_profile):
    person = ClientFactory()
    log_in(client, person)
    assert client.post(reverse("records:my_marketing"), {"channels": ["email", "sms"]}).status_code == 302
    assert marketing_channels(person=person) == {"email", "sms"}
    client.post(reverse("records:my_marketing"), {"channels": ["sms"]})
    rows = list(MarketingConsent.objects.filter(person=person).order_by("pk"))
    email = next(row for row in rows if row.channel == "email")
    assert email.given_via == "portal" and email.withdrawn_at is not None and email.given_ip == "127.0.0.1"
    page = client.get(reverse("records:my_marketing")).content.decode()
    assert "Your choices so far" in page
    assert unsubscribe_path(person=person).startswith("/messages/unsubscribe/")


@pytest.mark.django_db
def test_a_manager_records_consent_given_on_the_phone_as_given_by_staff(client, clinic_profile):
    from clinic.models import AuditEntry
    from clinic.tests.factories import ManagerFactory

    person, manager = ClientFactory(), ManagerFactory()
    log_in(client, manager)
    response = client.post(reverse("records:client_marketing", args=[person.pk]), {"channels": ["sms"]})
    assert response.status_code == 302
    consent = MarketingConsent.objects.get(person=person)
    assert (consent.channel, consent.given_via) == ("sms", "staff")
    assert AuditEntry.objects.get(action="marketing_consent.update").actor == manager
    log_in(client, ClientFactory())
    assert client.post(reverse("records:client_marketing", args=[person.pk]), {"channels": []}).status_code == 403
