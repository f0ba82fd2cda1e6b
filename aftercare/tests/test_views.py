"""The aftercare pages: the practitioner's record form, the client's plans, PDFs and check-ins."""

import re
from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aftercare import selectors
from aftercare.models import AftercarePlan, CheckIn, SessionRecord
from aftercare.services import check_in_answer, session_complete
from aftercare.tests.conftest import LONDON
from bookings.models import Appointment
from clinic.models import AuditEntry
from clinic.tests.factories import ClientFactory, FrontDeskFactory, PractitionerFactory, log_in

NOW = datetime(2026, 3, 5, 15, 30, tzinfo=LONDON)
SCRIPT = '<script>alert("owned")</script>'


@pytest.fixture(autouse=True)
def _session_day():
    with time_machine.travel(NOW, tick=True):
        yield


def _form_data(**overrides):
    data = {
        "depth_face": "1.0",
        "depth_neck": "0.5 mm",
        "device": "Dermapen 4",
        "cartridge_lot": "DP4-2026-0147",
        "passes": "3",
        "products_applied": "Numbing cream, hyaluronic glide",
        "serum": "Hyaluronic acid recovery serum",
        "fitzpatrick": "fitzpatrick_3",
        "skin_type": "normal",
        "reaction": "expected_redness",
        "reaction_notes": "",
        "client_note": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def completed(session_setup, record_input):
    """A completed face-and-neck session with its plan."""
    appointment = session_setup()
    record = session_complete(appointment=appointment, recorded_by=appointment.practitioner.user, **record_input)
    return record.plan


def test_the_practitioner_records_a_session_and_lands_on_the_plan(client, session_setup):
    appointment = session_setup()
    log_in(client, appointment.practitioner.user)
    url = reverse("aftercare_session_record", args=[appointment.pk])

    with CaptureQueriesContext(connection) as captured:
        page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Needle depth on the face (mm)" in html and "Needle depth on the neck (mm)" in html
    assert "cleared to <strong>1.50 mm</strong> at most" in html
    # Prefilled from the client's intake (Fitzpatrick II, combination skin)...
    assert '<option value="fitzpatrick_2" selected>' in html
    assert '<option value="combination" selected>' in html
    # ... reading only those two answers: the medical ones never leave the database here.
    sql = " ".join(query["sql"] for query in captured.captured_queries)
    assert '"answers" ->' in sql
    assert not re.search(r'"answers"(?! ->)', sql)

    response = client.post(url, _form_data())

    plan = AftercarePlan.objects.get(appointment=appointment)
    assert response.status_code == 302 and response["Location"] == reverse("aftercare_plan", args=[plan.pk])
    assert Appointment.objects.get(pk=appointment.pk).status == Appointment.Status.COMPLETED
    assert {d.area: str(d.needle_depth_mm) for d in plan.record.depths.all()} == {"face": "1.00", "neck": "0.50"}
    # Coming back to the form of a recorded session shows the plan instead.
    assert client.get(url)["Location"] == reverse("aftercare_plan", args=[plan.pk])


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"depth_neck": ""}, "This field is required."),
        ({"depth_face": "1.5 cm"}, "Enter the depth in millimetres as a number such as 1.0 (you typed “1.5 cm”)."),
        (
            {"depth_face": "15"},
            "15 mm is outside a micro-needling pen&#x27;s range (0.10–3.00 mm). Is it in millimetres?",
        ),
        ({"depth_face": "1.75"}, "1.75 mm is deeper than this client&#x27;s clearance allows (1.50 mm at most)."),
        ({"products_applied": "P" * 10_000}, "Ensure this value has at most 300 characters (it has 10000)."),
        ({"reaction": "unexpected"}, "Describe the unexpected reaction."),
    ],
)
def test_bad_input_gets_a_clear_message_and_keeps_what_was_typed(client, session_setup, overrides, message):
    appointment = session_setup()
    log_in(client, appointment.practitioner.user)
    data = _form_data(reaction_notes="", client_note=f"Typed note {SCRIPT}", **overrides)

    response = client.post(reverse("aftercare_session_record", args=[appointment.pk]), data)

    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "The session is not saved yet" in html
    # Nothing lost: what was typed is back in the form (escaped), nothing is half-written.
    assert 'value="DP4-2026-0147"' in html
    assert "Typed note &lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt;" in html
    assert SCRIPT not in html
    assert not SessionRecord.objects.exists()
    assert Appointment.objects.get(pk=appointment.pk).status == Appointment.Status.IN_TREATMENT


def test_html_typed_into_notes_is_shown_as_text(client, session_setup):
    appointment = session_setup()
    practitioner = appointment.practitioner.user
    log_in(client, practitioner)
    client.post(
        reverse("aftercare_session_record", args=[appointment.pk]),
        _form_data(client_note=f"Avoid the sun {SCRIPT}", reaction="unexpected", reaction_notes=f"Wheal {SCRIPT}"),
    )
    plan = AftercarePlan.objects.get(appointment=appointment)
    staff_html = client.get(reverse("aftercare_plan", args=[plan.pk])).content.decode()
    assert "Avoid the sun &lt;script&gt;" in staff_html and "Wheal &lt;script&gt;" in staff_html
    assert SCRIPT not in staff_html

    log_in(client, appointment.client)
    client_html = client.get(reverse("aftercare_plan", args=[plan.pk])).content.decode()
    assert "Avoid the sun &lt;script&gt;" in client_html
    assert "Wheal" not in client_html  # reaction notes are for staff only
    assert SCRIPT not in client_html


def test_a_client_reads_and_downloads_only_their_own_plan(client, completed):
    other = ClientFactory()
    log_in(client, other)
    assert client.get(reverse("aftercare_plan", args=[completed.pk])).status_code == 404
    assert client.get(reverse("aftercare_plan_pdf", args=[completed.pk])).status_code == 404
    assert not AuditEntry.objects.filter(action="aftercare_plan.download").exists()

    log_in(client, completed.client)
    page = client.get(reverse("aftercare_plan", args=[completed.pk]))
    assert page.status_code == 200
    assert "until Thursday 12 March" in page.content.decode()
    response = client.get(reverse("aftercare_plan_pdf", args=[completed.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Cache-Control"] == "private, no-store"
    entry = AuditEntry.objects.get(action="aftercare_plan.download")
    assert (entry.actor, entry.subject, entry.target_id) == (completed.client, completed.client, str(completed.pk))


def test_staff_downloads_are_checked_and_audited(client, completed):
    practitioner = PractitionerFactory()
    log_in(client, practitioner)
    assert client.get(reverse("aftercare_plan_pdf", args=[completed.pk])).status_code == 200
    assert AuditEntry.objects.filter(
        action="aftercare_plan.download", actor=practitioner, subject=completed.client
    ).exists()

    page = client.get(reverse("aftercare_plan", args=[completed.pk]))
    assert page.status_code == 200 and "Session record" in page.content.decode()
    entry = AuditEntry.objects.get(action="aftercare_plan.view")
    assert (entry.actor, entry.subject, entry.target_id) == (practitioner, completed.client, str(completed.pk))

    log_in(client, FrontDeskFactory())
    assert client.get(reverse("aftercare_plan_pdf", args=[completed.pk])).status_code == 403
    assert client.get(reverse("aftercare_plan", args=[completed.pk])).status_code == 403
    assert AuditEntry.objects.filter(action="aftercare_plan.view").count() == 1
    assert client.get(reverse("aftercare_session_record", args=[completed.appointment_id])).status_code == 403


def test_my_aftercare_lists_the_plan_and_the_due_check_in(client, completed):
    with time_machine.travel(datetime(2026, 3, 6, 11, 0, tzinfo=LONDON), tick=False):
        log_in(client, completed.client)
        html = client.get(reverse("aftercare_mine")).content.decode()
        dashboard = client.get(reverse("dashboard")).content.decode()
    assert "Thursday 5 March 2026" in html
    assert "Thursday 2 April – Thursday 16 April 2026" in html
    day1 = completed.check_ins.get(day=1)
    assert reverse("aftercare_check_in", args=[day1.pk]) in html
    assert "How is your skin today?" in dashboard
    assert ">My aftercare<" in dashboard  # the nav item


def test_a_worried_check_in_reaches_the_practitioner(client, completed):
    day1 = completed.check_ins.get(day=1)
    log_in(client, completed.client)
    url = reverse("aftercare_check_in", args=[day1.pk])

    response = client.post(url, {"answer": "worried", "comment": ""})
    assert response.status_code == 400
    assert "Tell us what worries you" in response.content.decode()

    response = client.post(url, {"answer": "worried", "comment": f"Yellow crusts {SCRIPT}"})
    assert response.status_code == 302
    assert CheckIn.objects.get(pk=day1.pk).answer == "worried"

    # Another client cannot open it.
    log_in(client, ClientFactory())
    assert client.get(url).status_code == 404

    practitioner = completed.record.recorded_by
    log_in(client, practitioner)
    assert "1 worried" in client.get(reverse("dashboard")).content.decode()
    queue = client.get(reverse("aftercare_worried")).content.decode()
    assert "Yellow crusts &lt;script&gt;" in queue and SCRIPT not in queue
    entry = AuditEntry.objects.get(action="worried_check_ins.view")
    assert entry.actor == practitioner and entry.details == {"check_ins": [day1.pk]}
    day3 = completed.check_ins.get(day=3)
    refused = client.post(reverse("aftercare_check_in_seen", args=[day3.pk]), follow=True).content.decode()
    assert "Only a worried answer waits to be marked as seen." in refused
    assert CheckIn.objects.get(pk=day3.pk).seen_at is None
    client.post(reverse("aftercare_check_in_seen", args=[day1.pk]))
    reads = AuditEntry.objects.filter(action="worried_check_ins.view").count()
    assert reads == 2  # the queue was shown twice with the client's words
    assert "No client has said they are worried" in client.get(reverse("aftercare_worried")).content.decode()
    assert AuditEntry.objects.filter(action="worried_check_ins.view").count() == reads  # an empty queue is no read


def test_reading_lists_takes_the_same_queries_for_one_or_many_plans(
    session_setup, record_input, django_assert_num_queries
):
    first = session_setup()
    session_complete(appointment=first, recorded_by=first.practitioner.user, **record_input)
    check_in_answer(check_in=CheckIn.objects.first(), client=first.client, answer="worried", comment="Itchy")
    practitioner = first.practitioner.user

    with django_assert_num_queries(2):
        assert len(selectors.client_plans(client=first.client)) == 1
    with django_assert_num_queries(1):
        assert len(selectors.worried_check_ins(viewer=practitioner)) == 1

    for n in range(1, 5):
        more = session_setup(client=first.client, starts_at=first.starts_at - timedelta(days=35 * n))
        session_complete(appointment=more, recorded_by=more.practitioner.user, **record_input)
    for check_in in CheckIn.objects.filter(answer=""):
        check_in_answer(check_in=check_in, client=first.client, answer="worried", comment="Itchy")

    with django_assert_num_queries(2):
        assert len(selectors.client_plans(client=first.client)) == 5
    with django_assert_num_queries(1):
        assert len(selectors.worried_check_ins(viewer=practitioner)) == 10


# 56 before payments, and 4 for payments' status hook (bookings.status_hooks): whether the session
# already used a package, the client's valid packages (locked), the price list (nothing is charged
# here: no price is set).
SESSION_COMPLETION_QUERIES = 60


def test_completing_a_session_stays_within_its_query_budget(client, session_setup, django_assert_max_num_queries):
    """The record, the completion, the plan and its messages: a pinned number of queries (the set-up
    cache and the session's first request aside)."""
    from clinic.models import ClinicProfile

    appointment = session_setup()
    log_in(client, appointment.practitioner.user)
    url = reverse("aftercare_session_record", args=[appointment.pk])
    ClinicProfile.get()
    client.get(url)
    with django_assert_max_num_queries(SESSION_COMPLETION_QUERIES):
        response = client.post(url, _form_data())
    assert response.status_code == 302
    assert Appointment.objects.get(pk=appointment.pk).status == Appointment.Status.COMPLETED


def test_a_colleague_may_record_a_session_as_cover_and_the_page_and_audit_say_so(client, session_setup):
    """Issue 17, item 10: cover for a colleague is real, so any practitioner may record another's
    session; the page says whom they are covering for and the audit entry names the appointment's
    own practitioner."""
    appointment = session_setup()
    own = appointment.practitioner.user
    colleague = PractitionerFactory(first_name="Priya", last_name="Shah")
    log_in(client, colleague)
    url = reverse("aftercare_session_record", args=[appointment.pk])

    page = client.get(url).content.decode()
    assert f"You are covering for {own.get_full_name()}." in page

    response = client.post(url, _form_data())
    assert response.status_code == 302
    record = SessionRecord.objects.get(appointment=appointment)
    assert record.recorded_by == colleague
    entry = AuditEntry.objects.get(target_type="aftercare.sessionrecord", target_id=str(record.pk))
    assert entry.actor == colleague
    assert entry.action == "session_record.create_covering"
    assert entry.details["covering_for"] == {
        "practitioner_id": appointment.practitioner_id,
        "name": own.get_full_name(),
    }


def test_the_appointments_own_practitioner_sees_no_cover_notice_and_a_plain_audit_entry(client, session_setup):
    appointment = session_setup()
    log_in(client, appointment.practitioner.user)
    url = reverse("aftercare_session_record", args=[appointment.pk])

    assert "covering for" not in client.get(url).content.decode()
    client.post(url, _form_data())
    entry = AuditEntry.objects.get(target_type="aftercare.sessionrecord")
    assert entry.action == "session_record.create"
    assert "covering_for" not in entry.details
