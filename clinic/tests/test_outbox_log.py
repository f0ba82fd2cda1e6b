"""The communication log: the front desk sees every message to a client with its status and can
send one again; clients cannot see it; clinical bodies stay with practitioners."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings.messages import BookingKind
from clinic.consent import marketing_channels
from clinic.dispatch import outbox_dispatch_due
from clinic.models import AuditEntry, OutboundMessage
from clinic.outbox import outbox_enqueue
from clinic.tests.factories import ClientFactory, log_in
from consultations.messages import ConsultationKind

Status = OutboundMessage.Status


DUE = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def _offer(recipient, key, **fields):
    message = outbox_enqueue(
        kind=BookingKind.WAITLIST_OFFER,
        recipient=recipient,
        due_at=DUE,
        key=key,
        essential=False,
        context={"treatment_name": "Micro-needling", "offered_starts_at": "2037-06-03T09:00:00Z"},
    )
    if fields:
        OutboundMessage.objects.filter(pk=message.pk).update(**fields)
        message.refresh_from_db()
    return message


def _dispatch_when_due():
    """Send what is due, a minute after the offers' time (months later they are stale)."""
    with time_machine.travel(DUE + timedelta(minutes=1), tick=False):
        return outbox_dispatch_due()


@pytest.fixture
def desk_client(client, front_desk, clinic_profile):
    log_in(client, front_desk)
    return client


def test_the_front_desk_sees_every_message_to_a_client_with_its_status(desk_client, client_user):
    _offer(client_user, "a", status=Status.FAILED, attempts=5, last_error="SMTPRecipientsRefused: mailbox full")
    _offer(client_user, "b", status=Status.CANCELLED, note="Opted out of messages that are not essential.")
    _dispatch_when_due()  # nothing due in those two; a third is sent:
    sent = _offer(client_user, "c")
    _dispatch_when_due()
    sent.refresh_from_db()
    someone_else = ClientFactory()
    _offer(someone_else, "d")

    page = desk_client.get(reverse("message_log_client", args=[client_user.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("Waitlist offer</a>") == 3
    assert "Failed" in html and "mailbox full" in html and "5 attempts" in html
    assert "Cancelled" in html and "Opted out" in html
    assert "Sent" in html and "by E-mail" in html
    assert "1 June 2026, 09:00" in html  # 08:00 UTC shown on the London clock
    assert someone_else.email not in html

    overview = desk_client.get(reverse("message_log")).content.decode()
    assert "Needs attention" in overview and "1 failed" in overview


def test_send_again_queues_a_copy_that_the_dispatcher_sends(desk_client, client_user, front_desk):
    failed = _offer(client_user, "a", status=Status.FAILED, attempts=5, last_error="timeout")
    response = desk_client.post(reverse("message_resend", args=[failed.pk]), follow=True)
    assert "will be sent again" in response.content.decode()
    copy = OutboundMessage.objects.get(resend_of=failed)
    assert copy.status == Status.PENDING and copy.due_at <= timezone.now()
    outbox_dispatch_due()
    copy.refresh_from_db()
    assert copy.status == Status.SENT
    assert [email.to for email in mail.outbox] == [[client_user.email]]
    failed.refresh_from_db()
    assert failed.status == Status.FAILED  # the record of what happened stays


def test_a_cancelled_message_cannot_be_sent_again(desk_client, client_user):
    cancelled = _offer(client_user, "a", status=Status.CANCELLED)
    response = desk_client.post(reverse("message_resend", args=[cancelled.pk]), follow=True)
    assert "Only a message that was sent or that failed can be sent again." in response.content.decode()
    assert not OutboundMessage.objects.filter(resend_of=cancelled).exists()


def test_clients_cannot_open_the_log(client, client_user):
    message = _offer(client_user, "a")
    log_in(client, client_user)
    for url in (
        reverse("message_log"),
        reverse("message_log_client", args=[client_user.pk]),
        reverse("message_detail", args=[message.pk]),
    ):
        assert client.get(url).status_code == 403
    assert client.post(reverse("message_resend", args=[message.pk])).status_code == 403
    assert not OutboundMessage.objects.filter(resend_of=message).exists()


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get(reverse("message_log"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_front_desk_sees_that_a_clinical_message_went_out_but_not_what_it_said(
    client, client_user, front_desk, practitioner, clinic_profile
):
    decision = outbox_enqueue(
        kind=ConsultationKind.INTAKE_DECISION,
        recipient=client_user,
        due_at=timezone.now(),
        key="decision",
        context={"decision": "declined", "note": "Because of the isotretinoin you take."},
    )
    outbox_dispatch_due()
    url = reverse("message_detail", args=[decision.pk])
    log_in(client, front_desk)
    desk_view = client.get(url).content.decode()
    assert "About your consultation" in desk_view and "isotretinoin" not in desk_view
    assert "only practitioners can read it" in desk_view
    log_in(client, practitioner)
    assert "isotretinoin" in client.get(url).content.decode()


def test_the_log_pages_take_the_same_number_of_queries_for_one_message_or_thirty(desk_client, client_user):
    def queries(url):
        with CaptureQueriesContext(connection) as context:
            assert desk_client.get(url).status_code == 200
        return len(context)

    first = _offer(client_user, "0", status=Status.FAILED, attempts=5)
    urls = [reverse("message_log"), reverse("message_log_client", args=[client_user.pk])]
    queries(urls[0])  # the process's first read of the clinic's profile fills the set-up cache
    one = [queries(url) for url in urls]
    for n in range(1, 30):
        _offer(
            ClientFactory() if n % 2 else client_user,
            str(n),
            status=Status.FAILED if n % 3 else Status.SENT,
            sent_at=first.due_at + timedelta(minutes=n),
        )
    assert [queries(url) for url in urls] == one


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_log_reads_well_on_a_phone_and_send_again_works(page, live_server, client, screenshot):
    from clinic.models import ClinicProfile
    from clinic.tests.factories import FrontDeskFactory

    profile = ClinicProfile.get()
    profile.name = "Lumen Skin Clinic"
    profile.save()
    front_desk = FrontDeskFactory()
    person = ClientFactory(first_name="Ada", last_name="Lovelace")
    _offer(person, "a", status=Status.FAILED, attempts=5, last_error="SMTPRecipientsRefused: mailbox full")
    _offer(person, "b")
    _dispatch_when_due()
    log_in(client, front_desk)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )

    page.goto("/messages/")
    assert page.get_by_role("heading", name="Needs attention").is_visible()
    screenshot(page, "messages-log-desktop")
    page.set_viewport_size({"width": 375, "height": 800})
    page.get_by_role("link", name="Ada Lovelace").first.click()
    assert page.get_by_role("heading", name="Messages to Ada Lovelace").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "messages-log-client-phone")
    page.get_by_role("button", name="Send again Waitlist offer").first.click()
    assert page.get_by_text("will be sent again to Ada Lovelace").is_visible()
    assert OutboundMessage.objects.filter(resend_of__isnull=False).count() == 1


def test_a_client_chooses_texts_and_marketing_by_text_only(client, client_user, clinic_profile):
    from clinic.consent import marketing_consent_set
    from clinic.models import MarketingConsent

    marketing_consent_set(person=client_user, channels=["email"], via=MarketingConsent.Via.PORTAL)
    log_in(client, client_user)
    page = client.get(reverse("my_messages")).content.decode()
    assert re.search(r'name="marketing" value="email"[^>]*checked', page)
    assert not re.search(r'name="marketing" value="sms"[^>]*checked', page)
    response = client.post(reverse("my_messages"), {"preferred_channel": "sms", "phone": "", "marketing": ["sms"]})
    assert "Add your mobile number to get text messages." in response.content.decode()
    client_user.refresh_from_db()
    assert client_user.preferred_channel == "email" and marketing_channels(person=client_user) == {"email"}

    response = client.post(
        reverse("my_messages"),
        {"preferred_channel": "sms", "phone": "+44 7700 900555", "marketing": ["sms"]},
        follow=True,
    )
    assert "Your message preferences are saved." in response.content.decode()
    client_user.refresh_from_db()
    assert (client_user.preferred_channel, client_user.phone) == ("sms", "+44 7700 900555")
    # One model of consent: the same rows the unsubscribe link and the records page write.
    assert marketing_channels(person=client_user) == {"sms"}
    withdrawn = MarketingConsent.objects.get(person=client_user, channel="email")
    assert withdrawn.withdrawn_via == "portal" and withdrawn.withdrawn_at is not None
    assert AuditEntry.objects.filter(action="contact_preferences.update", subject=client_user).exists()
    assert AuditEntry.objects.filter(action="marketing_consent.update", subject=client_user).exists()


def test_a_client_sees_only_what_was_sent_to_them(client, client_user, clinic_profile):
    other = ClientFactory()
    _offer(client_user, "mine")
    _offer(other, "theirs")
    _dispatch_when_due()
    log_in(client, client_user)
    html = client.get(reverse("my_messages")).content.decode()
    assert html.count("A place has opened") == 1
    assert client_user.email in html and other.email not in html


def test_optional_messages_link_to_the_preferences_page(db, client_user, clinic_profile):
    _offer(client_user, "extra")  # waitlist offers are optional
    _dispatch_when_due()
    assert "http://127.0.0.1:8000/messages/mine/" in mail.outbox[0].body


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_client_sets_their_preferences_on_a_phone(page, live_server, client, screenshot):
    person = ClientFactory(first_name="Ada", phone="")
    _offer(person, "a")
    _dispatch_when_due()
    log_in(client, person)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/messages/mine/")
    page.get_by_label("Text message (SMS)").check()
    page.get_by_label("By text message").check()
    page.get_by_role("button", name="Save preferences").click()
    assert page.get_by_text("Add your mobile number to get text messages.").is_visible()
    screenshot(page, "messages-preferences-error-phone")
    page.get_by_label("Mobile phone").fill("+44 7700 900555")
    page.get_by_role("button", name="Save preferences").click()
    assert page.get_by_text("Your message preferences are saved.").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "messages-preferences-phone")
    person.refresh_from_db()
    assert person.preferred_channel == "sms" and marketing_channels(person=person) == {"sms"}


@pytest.mark.parametrize("query", ["Jane\x00", "x" * 101])
def test_a_search_that_cannot_be_one_is_an_error_on_the_page_not_a_crash(desk_client, client_user, query):
    """A NUL character (PostgreSQL refuses it in a query) or an overlong search gets a message;
    the log still shows the latest messages."""
    _offer(client_user, "a")

    response = desk_client.get(reverse("message_log"), {"q": query, "status": "pending"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="alert alert-error"' in html
    assert "Waitlist offer" in html  # the status still filters; the search, which did not parse, does not
    assert "People matching" not in html


def test_an_unknown_status_is_an_error_and_shows_every_status(desk_client, client_user):
    _offer(client_user, "a")
    response = desk_client.get(reverse("message_log"), {"status": "lost"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Select a valid choice" in html and "Latest messages" in html


def test_who_may_read_what_a_message_said(client_user, front_desk, practitioner, manager):
    from clinic.outbox import message_words_visible

    decision = outbox_enqueue(
        kind=ConsultationKind.INTAKE_DECISION, recipient=client_user, due_at=timezone.now(), key="decision", context={}
    )
    offer = _offer(client_user, "offer")
    assert not message_words_visible(message=decision, viewer=front_desk)
    assert message_words_visible(message=offer, viewer=front_desk)
    assert message_words_visible(message=decision, viewer=practitioner)
    assert message_words_visible(message=decision, viewer=manager)
    # Clients read their own messages in their inbox, not in the clinic's log.
    assert not message_words_visible(message=offer, viewer=client_user)


def test_a_clients_messages_show_the_nearest_first_not_the_year_ahead_ones(desk_client, client_user):
    """Issue 17, item 4: what is coming up soonest, then what went out most recently; a notice due
    a year ahead is the last of the upcoming ones."""
    now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        for key, due in [("year", now + timedelta(days=365)), ("soon", now + timedelta(days=2))]:
            message = _offer(client_user, key)
            OutboundMessage.objects.filter(pk=message.pk).update(due_at=due, note=f"note-{key}")
        for key, due in [("old", now - timedelta(days=30)), ("recent", now - timedelta(days=1))]:
            message = _offer(client_user, key, status=Status.SENT, sent_at=due)
            OutboundMessage.objects.filter(pk=message.pk).update(due_at=due, note=f"note-{key}")
        html = desk_client.get(reverse("message_log_client", args=[client_user.pk])).content.decode()
    order = [html.index(f"note-{key}") for key in ("soon", "year", "recent", "old")]
    assert order == sorted(order)
    assert (
        html.index("Coming up") < html.index("note-soon") < html.index("Sent and earlier") < html.index("note-recent")
    )
