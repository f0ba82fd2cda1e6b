"""Completing a session: the record, the appointment's completion, the plan, its PDF, the messages."""

import json
import subprocess
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import redis
import time_machine
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.urls import reverse

from aftercare.messages import AftercareKind
from aftercare.models import AftercarePlan, AreaDepth, CheckIn, SessionRecord
from aftercare.services import aftercare_pdf_render, session_complete
from aftercare.tasks import aftercare_pdf_render_task
from aftercare.tests.conftest import LONDON
from bookings.messages import BookingKind
from bookings.models import Appointment
from clinic.composing import message_compose
from clinic.models import AuditEntry, OutboundMessage
from clinic.tests.factories import FrontDeskFactory, log_in

# 15:30 on Thursday 5 March 2026 in London: the session has just ended.
NOW = datetime(2026, 3, 5, 15, 30, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def _session_day():
    with time_machine.travel(NOW, tick=True):
        yield


def pdf_text(content: bytes) -> str:
    """The PDF's text as pdftotext reads it, with runs of white space made one space."""
    text = subprocess.run(
        ["pdftotext", "-", "-"],  # noqa: S607
        input=content,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return " ".join(text.split())


@pytest.mark.django_db
def test_completing_a_session_writes_the_record_the_plan_and_its_messages(
    session_setup, record_input, django_capture_on_commit_callbacks
):
    appointment = session_setup()
    practitioner = appointment.practitioner.user

    queue = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    # This xdist process's own queue (test settings), in this test run's own Redis database.
    queue_name = settings.CELERY_TASK_DEFAULT_QUEUE
    queue.delete(queue_name)
    with django_capture_on_commit_callbacks(execute=True):
        record = session_complete(appointment=appointment, recorded_by=practitioner, **record_input)
    # After commit, the render task was queued on the real broker with the plan's id...
    queued = [json.loads(raw)["headers"] for raw in queue.lrange(queue_name, 0, -1)]
    renders = [h for h in queued if h["task"] == "aftercare.tasks.aftercare_pdf_render_task"]
    assert [h["argsrepr"] for h in renders] == [f"({record.plan.pk},)"]
    # ...and a worker runs it.
    aftercare_pdf_render_task(record.plan.pk)

    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.COMPLETED
    assert {d.area: d.needle_depth_mm for d in AreaDepth.objects.filter(record=record)} == {
        "face": Decimal("1.00"),
        "neck": Decimal("0.50"),
    }
    plan = AftercarePlan.objects.get(record=record)
    assert plan.client == appointment.client
    assert plan.content["depth_band"] == "medium"
    assert plan.content["skin_types"] == ["Fitzpatrick II", "Combination skin"]
    actives = next(rule for rule in plan.content["rules"] if rule["topic"] == "actives")
    assert actives["until_label"] == "Thursday 12 March"
    # Check-ins on day 1 and day 3 at 10:00 London, each with its message.
    check_ins = list(plan.check_ins.order_by("day"))
    assert [(c.day, c.due_at) for c in check_ins] == [
        (1, datetime(2026, 3, 6, 10, 0, tzinfo=LONDON)),
        (3, datetime(2026, 3, 8, 10, 0, tzinfo=LONDON)),
    ]
    checkin_messages = OutboundMessage.objects.filter(kind=AftercareKind.AFTERCARE_CHECKIN)
    assert sorted(m.due_at for m in checkin_messages) == [c.due_at for c in check_ins]
    assert all(m.recipient == appointment.client for m in checkin_messages)
    # The PDF is in private storage.
    plan.refresh_from_db()
    assert plan.pdf_name.startswith(f"aftercare/{appointment.client_id}/")
    assert storages["private"].exists(plan.pdf_name)
    # The aftercare e-mail (planned at completion) goes out with the PDF attached.
    email = OutboundMessage.objects.get(kind=BookingKind.AFTERCARE)
    assert email.recipient == appointment.client
    composed = message_compose(message=email)
    assert [(a.filename, a.mimetype) for a in composed.attachments] == [
        ("Aftercare plan 2026-03-05.pdf", "application/pdf")
    ]
    assert (
        "No retinoids (retinol, tretinoin), AHA/BHA acids or vitamin C serums: until Thursday 12 March" in composed.text
    )
    assert f"/aftercare/plans/{plan.pk}/" in composed.text
    assert AuditEntry.objects.filter(action="session_record.create", subject=appointment.client).exists()
    # No review yet: this was session 1 of 3.
    assert not OutboundMessage.objects.filter(kind=AftercareKind.COURSE_REVIEW).exists()


@pytest.mark.django_db
def test_the_pdf_shows_the_clients_own_dates_and_escapes_what_was_typed(session_setup, record_input):
    appointment = session_setup()
    record_input["client_note"] = '<script>alert("x")</script><b>Neck</b> out of the sun'
    record = session_complete(appointment=appointment, recorded_by=appointment.practitioner.user, **record_input)

    plan = aftercare_pdf_render(plan_id=record.plan.pk)
    with storages["private"].open(plan.pdf_name, "rb") as handle:
        content = handle.read()
    assert content.startswith(b"%PDF")
    text = pdf_text(content)
    assert appointment.client.get_full_name() in text
    assert "Thursday 5 March 2026" in text
    assert "Thursday 12 March" in text  # no retinoids until...
    assert "15:30 on Friday 6 March" in text  # no makeup until...
    assert "Thursday 2 April" in text and "Thursday 16 April 2026" in text  # next session window
    assert "June 2026" in text and "September 2026" in text  # results
    assert "Lumen Skin Clinic" in text and "+44 117 496 0123" in text
    assert '<script>alert("x")</script><b>Neck</b> out of the sun' in text


@pytest.mark.django_db
def test_the_pdf_follows_the_clinics_paper_size(session_setup, record_input, clinic_profile):
    clinic_profile.paper_size = "Letter"
    clinic_profile.save()
    appointment = session_setup()
    record = session_complete(appointment=appointment, recorded_by=appointment.practitioner.user, **record_input)
    plan = aftercare_pdf_render(plan_id=record.plan.pk)
    info = subprocess.run(
        ["pdfinfo", storages["private"].path(plan.pdf_name)],
        capture_output=True,
        check=True,  # noqa: S607
    ).stdout.decode()
    assert "612 x 792 pts (letter)" in info
    fonts = subprocess.run(
        ["pdffonts", storages["private"].path(plan.pdf_name)],
        capture_output=True,
        check=True,  # noqa: S607
    ).stdout.decode()
    font_rows = fonts.strip().splitlines()[2:]
    assert font_rows and all(" yes " in row for row in font_rows)  # every font embedded


@pytest.mark.django_db
def test_rendering_twice_stores_one_file_and_plans_one_email(session_setup, record_input):
    appointment = session_setup()
    record = session_complete(appointment=appointment, recorded_by=appointment.practitioner.user, **record_input)

    first = aftercare_pdf_render(plan_id=record.plan.pk)
    second = aftercare_pdf_render(plan_id=record.plan.pk)

    assert first.pdf_name == second.pdf_name
    assert first.pdf_rendered_at == second.pdf_rendered_at
    assert sorted(p.name for p in Path(storages["private"].path(f"aftercare/{appointment.client_id}")).iterdir()) == [
        f"plan-{record.plan.pk}.pdf"
    ]


@pytest.mark.django_db
def test_a_depth_over_the_clearance_maximum_is_refused_and_nothing_is_written(session_setup, record_input):
    appointment = session_setup(max_mm="1.00")
    record_input["depths"] = {"face": "1.25", "neck": "0.50"}

    with pytest.raises(ValidationError) as caught:
        session_complete(appointment=appointment, recorded_by=appointment.practitioner.user, **record_input)

    assert caught.value.message_dict == {
        "depth_face": ["1.25 mm is deeper than this client's clearance allows (1.00 mm at most)."]
    }
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.IN_TREATMENT
    assert not SessionRecord.objects.exists()
    assert not AftercarePlan.objects.exists()
    assert not OutboundMessage.objects.filter(kind=AftercareKind.AFTERCARE_CHECKIN).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("depths", "field", "message"),
    [
        ({"face": "1.00"}, "depth_neck", "Enter the needle depth used on the neck, in mm."),
        ({"face": "15", "neck": "0.5"}, "depth_face", "outside a micro-needling pen's range"),
        ({"face": "0.05", "neck": "0.5"}, "depth_face", "outside a micro-needling pen's range"),
        ({"face": "1.005", "neck": "0.5"}, "depth_face", "at most two decimals"),
        ({"face": "one", "neck": "0.5"}, "depth_face", "as a number of millimetres"),
    ],
)
def test_bad_depths_get_a_clear_message(session_setup, record_input, depths, field, message):
    appointment = session_setup()
    record_input["depths"] = depths
    with pytest.raises(ValidationError) as caught:
        session_complete(appointment=appointment, recorded_by=appointment.practitioner.user, **record_input)
    assert message in " ".join(caught.value.message_dict[field])
    assert not SessionRecord.objects.exists()


@pytest.mark.django_db
def test_an_area_not_treated_is_refused(session_setup, record_input):
    appointment = session_setup(areas=["face"])
    with pytest.raises(ValidationError, match="Neck was not treated"):
        session_complete(appointment=appointment, recorded_by=appointment.practitioner.user, **record_input)


@pytest.mark.django_db
def test_a_session_is_recorded_once(session_setup, record_input):
    appointment = session_setup()
    session_complete(appointment=appointment, recorded_by=appointment.practitioner.user, **record_input)
    with pytest.raises(ValidationError, match="already been recorded"):
        session_complete(appointment=appointment, recorded_by=appointment.practitioner.user, **record_input)
    assert SessionRecord.objects.count() == 1


@pytest.mark.django_db
def test_an_unexpected_reaction_needs_notes(session_setup, record_input):
    appointment = session_setup()
    record_input["reaction"] = "unexpected"
    with pytest.raises(ValidationError) as caught:
        session_complete(appointment=appointment, recorded_by=appointment.practitioner.user, **record_input)
    assert "reaction_notes" in caught.value.message_dict
    assert not SessionRecord.objects.exists()


@pytest.mark.django_db
def test_the_front_desk_cannot_record_a_session(session_setup, record_input):
    appointment = session_setup()
    with pytest.raises(PermissionDenied):
        session_complete(appointment=appointment, recorded_by=FrontDeskFactory(), **record_input)
    assert not SessionRecord.objects.exists()


@pytest.mark.django_db
def test_the_last_session_of_a_course_proposes_a_review_three_months_later(session_setup, record_input):
    first = session_setup(planned_sessions=2, starts_at=datetime(2026, 2, 5, 14, 0, tzinfo=LONDON))
    Appointment.objects.filter(pk=first.pk).update(status=Appointment.Status.COMPLETED)
    second = session_setup(client=first.client, course=first.course, planned_sessions=2)

    record = session_complete(appointment=second, recorded_by=second.practitioner.user, **record_input)

    plan = record.plan
    assert plan.course_finished is True
    assert plan.review_on == datetime(2026, 6, 5).date()
    assert plan.content["next_session"] is None
    review = OutboundMessage.objects.get(kind=AftercareKind.COURSE_REVIEW)
    assert review.recipient == first.client
    assert review.due_at == datetime(2026, 5, 22, 10, 0, tzinfo=LONDON)
    assert review.context["review_on"] == "2026-06-05"


@pytest.mark.django_db
def test_a_check_in_flags_the_practitioner_when_the_client_is_worried(session_setup, record_input):
    from aftercare.selectors import worried_check_ins
    from aftercare.services import check_in_answer, check_in_mark_seen

    appointment = session_setup()
    practitioner = appointment.practitioner.user
    record = session_complete(appointment=appointment, recorded_by=practitioner, **record_input)
    day1, day3 = record.plan.check_ins.order_by("day")

    # An unanswered check-in cannot be marked seen: that would stop the client from answering it.
    with pytest.raises(ValidationError, match="Only a worried answer"):
        check_in_mark_seen(check_in=day3, seen_by=practitioner)
    assert CheckIn.objects.get(pk=day3.pk).seen_at is None

    check_in_answer(check_in=day1, client=appointment.client, answer="fine")
    with pytest.raises(ValidationError) as caught:
        check_in_answer(check_in=day3, client=appointment.client, answer="worried", comment="  ")
    assert "comment" in caught.value.message_dict
    assert worried_check_ins(viewer=practitioner) == []

    check_in_answer(
        check_in=day3, client=appointment.client, answer="worried", comment="Small yellow crusts on my chin"
    )
    assert [c.pk for c in worried_check_ins(viewer=practitioner)] == [day3.pk]

    check_in_mark_seen(check_in=day3, seen_by=practitioner)
    assert worried_check_ins(viewer=practitioner) == []
    assert CheckIn.objects.get(pk=day3.pk).seen_by == practitioner


@pytest.mark.django_db
def test_a_late_record_dates_the_plan_from_the_session_day(session_setup, record_input):
    appointment = session_setup()
    with time_machine.travel(NOW + timedelta(days=2), tick=False):
        record = session_complete(appointment=appointment, recorded_by=appointment.practitioner.user, **record_input)
    assert record.plan.session_on == datetime(2026, 3, 5).date()


@pytest.mark.django_db
def test_a_check_in_already_answered_is_not_sent(session_setup, record_input):
    from aftercare.services import check_in_answer

    appointment = session_setup()
    record = session_complete(appointment=appointment, recorded_by=appointment.practitioner.user, **record_input)
    day1, day3 = record.plan.check_ins.order_by("day")
    check_in_answer(check_in=day3, client=appointment.client, answer="fine")

    messages = {m.context["day"]: m for m in OutboundMessage.objects.filter(kind=AftercareKind.AFTERCARE_CHECKIN)}
    assert message_compose(message=messages[3]).skip == "The client has already answered this check-in."
    day1_text = message_compose(message=messages[1]).text
    assert f"/aftercare/check-ins/{day1.pk}/" in day1_text


@pytest.mark.django_db
def test_the_last_sessions_email_has_no_next_window(session_setup, record_input):
    appointment = session_setup(planned_sessions=1)
    session_complete(appointment=appointment, recorded_by=appointment.practitioner.user, **record_input)
    composed = message_compose(message=OutboundMessage.objects.get(kind=BookingKind.AFTERCARE))
    assert "next session can be booked" not in composed.text
    assert composed.attachments[0].content.startswith(b"%PDF")


@pytest.mark.django_db
def test_a_session_not_started_cannot_be_completed_and_leaves_no_record(session_setup, record_input):
    appointment = session_setup()
    Appointment.objects.filter(pk=appointment.pk).update(status=Appointment.Status.BOOKED)
    with pytest.raises(ValidationError, match="cannot be completed: start it first"):
        session_complete(appointment=appointment, recorded_by=appointment.practitioner.user, **record_input)
    # The record was written before the completion was refused: the transaction took it back.
    assert not SessionRecord.objects.exists()
    assert not AreaDepth.objects.exists()
    assert not AftercarePlan.objects.exists()


@pytest.mark.django_db
def test_a_clearance_withdrawn_after_check_in_refuses_the_record_instead_of_dropping_the_cap(
    session_setup, record_input, client
):
    """Without a clearance there is no maximum to check against: the record is refused, not
    accepted up to the pen's range."""
    from consultations.models import Clearance

    appointment = session_setup(max_mm="1.00")
    Clearance.objects.filter(client=appointment.client).update(revoked_at=NOW, revoked_reason="New answers.")
    record_input["depths"] = {"face": "2.50", "neck": "0.50"}

    with pytest.raises(ValidationError) as caught:
        session_complete(appointment=appointment, recorded_by=appointment.practitioner.user, **record_input)

    assert "no clearance for this treatment on the session day" in " ".join(caught.value.messages)
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.IN_TREATMENT
    assert not SessionRecord.objects.exists()
    assert not AreaDepth.objects.exists()

    log_in(client, appointment.practitioner.user)
    page = client.get(reverse("aftercare_session_record", args=[appointment.pk])).content.decode()
    assert "A practitioner must review the client&#x27;s consultation first." in page


@pytest.mark.django_db
def test_aftercare_messages_carry_only_the_recipients_own_plan_and_check_ins(session_setup, record_input):
    """A message row that names another client's appointment or check-in (a bug elsewhere, a
    hand-made row) never sends that client's PDF or check-in link."""
    from clinic.tests.factories import ClientFactory

    appointment = session_setup()
    session_complete(appointment=appointment, recorded_by=appointment.practitioner.user, **record_input)
    stranger = ClientFactory()
    email = OutboundMessage.objects.get(kind=BookingKind.AFTERCARE)
    check_in_message = OutboundMessage.objects.filter(kind=AftercareKind.AFTERCARE_CHECKIN).first()
    assert message_compose(message=email).attachments  # the client's own message has the PDF
    assert not message_compose(message=check_in_message).skip

    OutboundMessage.objects.filter(pk__in=[email.pk, check_in_message.pk]).update(recipient=stranger)
    email.refresh_from_db()
    check_in_message.refresh_from_db()
    assert message_compose(message=email).attachments == []
    assert message_compose(message=check_in_message).skip
