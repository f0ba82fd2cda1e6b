"""The outbox and its dispatcher, run in this process against the real database: planning rows,
claiming under leases, channels and opt-outs, retries, and what the messages say."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from aftercare.messages import AftercareKind
from bookings.messages import BookingKind
from clinic import sms
from clinic.dispatch import outbox_claim_due, outbox_deliver_claimed, outbox_dispatch_due
from clinic.models import AuditEntry, OutboundMessage
from clinic.outbox import outbox_cancel_pending, outbox_enqueue, outbox_resend
from clinic.tests.factories import ClientFactory
from consultations.messages import ConsultationKind

Status = OutboundMessage.Status


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def _waitlist_offer(recipient, *, key="offer:1", due_at=None, essential=False, **extra):
    return outbox_enqueue(
        kind=BookingKind.WAITLIST_OFFER,
        recipient=recipient,
        due_at=due_at or timezone.now(),
        key=key,
        essential=essential,
        context={
            "treatment_name": "Micro-needling",
            # Ahead of any clock these tests run on: an offer for a time that has passed is skipped.
            "offered_starts_at": datetime(2037, 7, 1, 13, 30, tzinfo=UTC),
            "offer_url": "/bookings/offers/1/",
            **extra,
        },
    )


def test_enqueue_is_idempotent_on_its_key_and_moves_a_pending_row(db, client_user):
    first = _waitlist_offer(client_user, due_at=timezone.now() + timedelta(days=2))
    later = timezone.now() + timedelta(days=3)
    second = _waitlist_offer(client_user, due_at=later)
    assert second.pk == first.pk
    assert OutboundMessage.objects.count() == 1
    assert OutboundMessage.objects.get().due_at == later


def test_enqueue_refuses_a_naive_time(db, client_user):
    with pytest.raises(ValueError, match="aware"):
        outbox_enqueue(kind=BookingKind.WAITLIST_OFFER, recipient=client_user, due_at=datetime(2026, 1, 1), key="x")  # noqa: DTZ001


def test_the_database_keeps_one_planned_row_per_appointment_kind_and_version(db, client_user):
    now = timezone.now()
    outbox_enqueue(kind=BookingKind.REMINDER, recipient=client_user, due_at=now, key="a", appointment_id=7, version=1)
    outbox_enqueue(kind=BookingKind.REMINDER, recipient=client_user, due_at=now, key="b", appointment_id=7, version=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        outbox_enqueue(
            kind=BookingKind.REMINDER, recipient=client_user, due_at=now, key="c", appointment_id=7, version=2
        )
    # Kinds outside the planner may mention one appointment many times (one alert per practitioner).
    for key in ("alert-1", "alert-2"):
        outbox_enqueue(
            kind=ConsultationKind.HEALTH_CHANGE_ALERT, recipient=client_user, due_at=now, key=key, appointment_id=7
        )
    assert OutboundMessage.objects.filter(appointment_id=7).count() == 4


def test_a_due_message_is_sent_by_email_with_text_html_and_the_clinic_details(db, clinic_profile, client_user):
    message = _waitlist_offer(client_user)
    report = outbox_dispatch_due()
    assert report.sent == 1
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [client_user.email]
    assert "A place has opened: Wed 1 Jul at 14:30" == email.subject  # 13:30 UTC is 14:30 in London (BST)
    assert "Lumen Skin Clinic" in email.body and "+44 117 496 0123" in email.body
    assert "http://127.0.0.1:8000/bookings/offers/1/" in email.body
    html = email.alternatives[0].content
    assert "Lumen Skin Clinic" in html and "hello@lumenskin.example" in html
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert message.sent_at is not None and message.sent_via == "email" and message.address == client_user.email
    assert message.subject == email.subject and "14:30" in message.body_text
    assert message.attempts == 1 and message.lease_token == "" and message.lease_expires_at is None


def test_a_message_not_yet_due_waits(db, client_user):
    message = _waitlist_offer(client_user, due_at=timezone.now() + timedelta(minutes=5))
    assert outbox_dispatch_due().sent == 0
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        assert outbox_dispatch_due().sent == 1
    message.refresh_from_db()
    assert message.status == Status.SENT


def test_sms_goes_to_people_who_chose_it_and_email_when_there_is_no_phone(db, clinic_profile):
    texter = ClientFactory(preferred_channel="sms", phone="+44 7700 900123")
    no_phone = ClientFactory(preferred_channel="sms", phone="")
    _waitlist_offer(texter, key="offer:t")
    _waitlist_offer(no_phone, key="offer:n")
    outbox_dispatch_due()
    assert [(t.to, t.body.startswith("Lumen Skin Clinic: a place opened")) for t in sms.outbox] == [
        ("+44 7700 900123", True)
    ]
    assert [e.to for e in mail.outbox] == [[no_phone.email]]
    fallback = OutboundMessage.objects.get(recipient=no_phone)
    assert fallback.sent_via == "email" and "No phone number" in fallback.note


def test_service_messages_go_without_a_marketing_opt_in(db, clinic_profile):
    """One model of consent: service messages (a decision, an offer from a waitlist the client
    joined) always go; only marketing kinds ask for an opt-in (``records/tests/test_marketing.py``)."""
    opted_out = ClientFactory()
    extra = _waitlist_offer(opted_out, key="offer:extra", essential=False)
    needed = outbox_enqueue(
        kind=ConsultationKind.INTAKE_DECISION,
        recipient=opted_out,
        due_at=timezone.now(),
        key="decision:1",
        context={"decision": "approved", "note": ""},
    )
    outbox_dispatch_due()
    extra.refresh_from_db()
    needed.refresh_from_db()
    assert extra.status == Status.SENT and needed.status == Status.SENT
    assert sorted(e.subject for e in mail.outbox) == sorted([needed.subject, extra.subject])


class _BrokenEmailBackend:
    def __init__(self, *args, **kwargs):
        pass

    def open(self):
        pass

    def close(self):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server unreachable")


def test_a_failing_send_is_retried_with_backoff_then_failed_after_five_attempts(db, client_user, settings):
    settings.EMAIL_BACKEND = "clinic.tests.test_outbox._BrokenEmailBackend"
    start = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        message = _waitlist_offer(client_user)
        seen = []
        for _ in range(5):
            report = outbox_dispatch_due()
            message.refresh_from_db()
            seen.append((message.status, message.attempts, message.next_attempt_at))
            assert outbox_dispatch_due().claimed == 0  # nothing is retried before its time
            if message.next_attempt_at:
                clock.move_to(message.next_attempt_at)
    assert [s[:2] for s in seen] == [
        (Status.PENDING, 1),
        (Status.PENDING, 2),
        (Status.PENDING, 3),
        (Status.PENDING, 4),
        (Status.FAILED, 5),
    ]
    # Backoff between attempts: 1, 5, 15 and 60 minutes.
    retry_times = [start] + [s[2] for s in seen[:4]]
    assert [later - earlier for earlier, later in zip(retry_times, retry_times[1:], strict=False)] == [
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(minutes=15),
        timedelta(minutes=60),
    ]
    assert seen[4][2] is None
    assert report.failed == 1
    assert "SMTP server unreachable" in message.last_error


def test_rows_claimed_by_a_worker_that_died_are_taken_over_when_its_lease_runs_out(db, client_user):
    for n in range(3):
        _waitlist_offer(client_user, key=f"offer:{n}")
    token, ids = outbox_claim_due(lease_seconds=60)  # this "worker" dies without sending
    assert len(ids) == 3
    assert outbox_dispatch_due().claimed == 0  # the lease still holds: nobody else takes them
    assert mail.outbox == []
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        report = outbox_dispatch_due()
    assert report.sent == 3
    assert len(mail.outbox) == 3
    assert set(OutboundMessage.objects.values_list("status", "attempts")) == {(Status.SENT, 2)}
    # The dead worker coming back cannot record anything over the new owner's outcome.
    assert outbox_deliver_claimed(token=token, ids=ids).sent == 0
    assert len(mail.outbox) == 3


def test_a_row_whose_worker_died_on_the_last_attempt_is_failed_not_resent(db, client_user):
    message = _waitlist_offer(client_user)
    OutboundMessage.objects.filter(pk=message.pk).update(attempts=OutboundMessage.MAX_ATTEMPTS - 1)
    outbox_claim_due(lease_seconds=30)
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        assert outbox_dispatch_due().sent == 0
    message.refresh_from_db()
    assert message.status == Status.FAILED and "worker stopped" in message.last_error
    assert mail.outbox == []


def test_a_worker_short_of_lease_hands_its_remaining_rows_back(db, client_user):
    for n in range(2):
        _waitlist_offer(client_user, key=f"offer:{n}")
    token, ids = outbox_claim_due(lease_seconds=10)  # less than the safety margin
    report = outbox_deliver_claimed(token=token, ids=ids)
    assert report.released == 2 and report.sent == 0
    assert set(OutboundMessage.objects.values_list("status", "attempts", "lease_token")) == {(Status.PENDING, 0, "")}
    assert outbox_dispatch_due().sent == 2


def test_two_dispatchers_never_claim_the_same_row(db, client_user):
    for n in range(5):
        _waitlist_offer(client_user, key=f"offer:{n}")
    _, first = outbox_claim_due(limit=3)
    _, second = outbox_claim_due(limit=10)
    assert len(first) == 3 and len(second) == 2 and not set(first) & set(second)


def test_cancel_pending_leaves_what_went_out(db, client_user):
    sent = outbox_enqueue(
        kind=AftercareKind.AFTERCARE_CHECKIN, recipient=client_user, due_at=timezone.now(), key="r", appointment_id=5
    )
    outbox_dispatch_due()
    pending = outbox_enqueue(
        kind=BookingKind.HEALTH_UPDATE_REQUEST,
        recipient=client_user,
        due_at=timezone.now() + timedelta(days=1),
        key="h",
        appointment_id=5,
    )
    assert outbox_cancel_pending(appointment_id=5) == 1
    sent.refresh_from_db()
    pending.refresh_from_db()
    assert (sent.status, pending.status) == (Status.SENT, Status.CANCELLED)


def test_stored_files_are_attached(db, client_user, settings, tmp_path):
    from django.core.files.base import ContentFile
    from django.core.files.storage import storages

    settings.STORAGES = {
        **settings.STORAGES,
        "private": {**settings.STORAGES["private"], "OPTIONS": {"location": str(tmp_path)}},
    }
    name = storages["private"].save("aftercare/plan.pdf", ContentFile(b"%PDF-1.7 plan"))
    outbox_enqueue(
        kind=AftercareKind.AFTERCARE_CHECKIN,
        recipient=client_user,
        due_at=timezone.now(),
        key="checkin:1",
        context={
            "attachments": [{"storage": "private", "name": name, "filename": "Plan.pdf", "mimetype": "application/pdf"}]
        },
    )
    outbox_dispatch_due()
    assert mail.outbox[0].attachments[0][:2] == ("Plan.pdf", b"%PDF-1.7 plan")


def test_every_kind_has_wording_in_each_template(db, clinic_profile, client_user, monkeypatch):
    """Every kind renders a subject, plain text, HTML and SMS text with the clinic's name."""
    from clinic import composing
    from clinic.composing import message_compose
    from clinic.message_kinds import message_kinds

    monkeypatch.setattr(composing, "content_builders", lambda kind: [])  # the row's context alone

    for kind in [kind.code for kind in message_kinds()]:
        message = OutboundMessage(
            kind=kind,
            recipient=client_user,
            due_at=timezone.now(),
            idempotency_key=kind,
            context={
                "starts_at": "2026-03-30T09:00:00Z",
                "treatment_name": "Micro-needling",
                "offered_starts_at": "2026-03-30T09:00:00Z",
                "valid_until": "2026-04-30",
                "session_date": "2026-03-30",
                "client_name": "Ada Lovelace",
                "decision": "approved",
            },
        )
        composed = message_compose(message=message, clinic=clinic_profile)
        assert composed.subject.strip(), kind
        assert "Lumen Skin Clinic" in composed.text and "Lumen Skin Clinic" in composed.html, kind
        assert composed.sms.strip(), kind
        assert "{{" not in composed.text + composed.html + composed.sms, kind


def test_the_front_desk_can_send_a_message_again(db, client_user, front_desk):
    message = _waitlist_offer(client_user, essential=True)
    outbox_dispatch_due()
    message.refresh_from_db()
    copy = outbox_resend(message=message, resent_by=front_desk)
    assert copy.resend_of == message and copy.status == Status.PENDING
    outbox_dispatch_due()
    assert len(mail.outbox) == 2
    assert AuditEntry.objects.filter(action="message_resend", actor=front_desk, subject=client_user).count() == 1
    cancelled = _waitlist_offer(client_user, key="offer:c", due_at=timezone.now() + timedelta(days=1))
    OutboundMessage.objects.filter(pk=cancelled.pk).update(status=Status.CANCELLED)
    cancelled.refresh_from_db()
    with pytest.raises(ValidationError):
        outbox_resend(message=cancelled, resent_by=front_desk)


def test_a_message_due_now_kicks_the_dispatcher_after_commit(db, client_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        _waitlist_offer(client_user)
    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks() as callbacks:
        _waitlist_offer(client_user, key="later", due_at=timezone.now() + timedelta(days=2))
    assert callbacks == []


class _BrokenSMSBackend(sms.BaseSMSBackend):
    def send_messages(self, messages):
        raise TimeoutError("SMS gateway timed out")


def test_an_essential_message_whose_texts_keep_failing_goes_by_email(db, clinic_profile, settings):
    settings.SMS_BACKEND = "clinic.tests.test_outbox._BrokenSMSBackend"
    texter = ClientFactory(preferred_channel="sms", phone="+44 7700 900123")
    essential = _waitlist_offer(texter, key="essential", essential=True)
    optional = _waitlist_offer(texter, key="optional", essential=False)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(3):
            outbox_dispatch_due()
            clock.shift(timedelta(hours=2))
    essential.refresh_from_db()
    optional.refresh_from_db()
    assert (essential.status, essential.attempts, essential.sent_via) == (Status.SENT, 3, "email")
    assert essential.note == "Text messages failed, so it went by e-mail."
    assert [email.to for email in mail.outbox] == [[texter.email]]
    assert (optional.status, optional.attempts) == (Status.PENDING, 3)
    assert "SMS gateway timed out" in optional.last_error


def test_beat_runs_the_dispatcher_every_minute(settings):
    from clinic.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["outbox-dispatch"]
    assert entry["schedule"] == 60.0
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks


def test_plain_text_and_sms_keep_apostrophes_while_html_escapes_them(db, clinic_profile):
    from clinic.composing import message_compose

    client = ClientFactory(first_name="Siobhán", last_name="O'Neill")
    clinic_profile.name = "Rose & Thorn's Skin"
    clinic_profile.save()
    message = _waitlist_offer(client)

    composed = message_compose(message=message, clinic=clinic_profile)

    assert "Rose & Thorn's Skin" in composed.text
    assert "&#x27;" not in composed.text and "&amp;" not in composed.text
    assert "&#x27;" not in composed.subject + composed.sms
    assert "Rose &amp; Thorn&#x27;s Skin" in composed.html


def test_a_time_without_offset_in_a_context_is_read_as_utc_and_shown_on_the_clinics_clock(db, clinic_profile):
    """08:00 UTC in June is 09:00 in London: a naive "08:00" stored in a context must not be
    shown as 08:00 (the clock it was written on is UTC, like every time the app stores)."""
    from clinic.composing import message_compose

    message = outbox_enqueue(
        kind=BookingKind.WAITLIST_OFFER,
        recipient=ClientFactory(),
        due_at=timezone.now(),
        key="naive",
        context={"treatment_name": "Micro-needling", "offered_starts_at": "2026-06-03T08:00:00"},
    )

    composed = message_compose(message=message, clinic=clinic_profile)

    assert "Wednesday 3 June 2026 at 09:00" in composed.text


def test_an_impossible_time_in_a_context_is_kept_as_text_not_a_crash(db, clinic_profile):
    from clinic.composing import message_compose

    message = outbox_enqueue(
        kind=BookingKind.WAITLIST_OFFER,
        recipient=ClientFactory(),
        due_at=timezone.now(),
        key="impossible",
        context={"treatment_name": "Micro-needling", "offered_starts_at": "2026-02-30T08:00:00Z"},
    )

    composed = message_compose(message=message, clinic=clinic_profile)

    assert "Micro-needling place has opened" in composed.text


def test_only_staff_who_see_the_log_can_send_a_message_again(db, client_user, front_desk):
    """The service refuses a client (whatever calls it) and writes no copy."""
    from django.core.exceptions import PermissionDenied

    message = _waitlist_offer(client_user)
    OutboundMessage.objects.filter(pk=message.pk).update(status=OutboundMessage.Status.FAILED, attempts=5)
    message.refresh_from_db()
    with pytest.raises(PermissionDenied):
        outbox_resend(message=message, resent_by=client_user)
    assert not OutboundMessage.objects.filter(resend_of=message).exists()
    assert outbox_resend(message=message, resent_by=front_desk).resend_of_id == message.pk


def test_the_database_knows_the_skipped_status_and_refuses_unknown_ones(db, client_user):
    message = _waitlist_offer(client_user)
    OutboundMessage.objects.filter(pk=message.pk).update(status=Status.SKIPPED, note="Not sent: stale.")
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboundMessage.objects.filter(pk=message.pk).update(status="lost")
    message.refresh_from_db()
    assert message.status == Status.SKIPPED


def test_a_transaction_planning_many_messages_due_now_kicks_the_dispatcher_once(
    db, client_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        for n in range(5):
            outbox_enqueue(
                kind="intake_decision",
                recipient=client_user,
                due_at=timezone.now(),
                key=f"many-{n}",
            )
    assert len(callbacks) == 1
