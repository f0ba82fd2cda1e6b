"""The practitioner's pages and the client's side of each decision, through the views."""

import subprocess
from datetime import timedelta

import pytest
from django.urls import reverse

from clinic.clock import clinic_today
from clinic.models import OutboundMessage
from clinic.tests.factories import log_in
from consultations.intake_steps import YES_NO_KEYS
from consultations.messages import ConsultationKind
from consultations.models import Clearance, ConsentText, HealthUpdate, Intake, IntakeStatus
from consultations.tests.factories import ClearanceFactory, IntakeFactory, clean_answers

pytestmark = pytest.mark.django_db


def review_url(intake):
    return reverse("consultations:intake_review", args=[intake.pk])


def submitted(client_user, **answers):
    intake = IntakeFactory(client=client_user, answers=clean_answers(**answers))
    from consultations.screening import screen

    for flag in screen(intake.answers, clinic_today()):
        intake.flags.create(
            rule_code=flag.rule_code,
            severity=flag.severity,
            title=flag.title,
            reason=flag.reason,
            areas=sorted(flag.areas),
        )
    return intake


def test_approve_with_each_flag_acknowledged(client, practitioner, client_user):
    intake = submitted(client_user, diabetes=True, allergy_metals=True)
    log_in(client, practitioner)
    page = client.get(review_url(intake)).content.decode()
    assert "Diabetes" in page and "Allergy to metals" in page
    flag_ids = [str(pk) for pk in intake.flags.values_list("pk", flat=True)]
    data = {
        "action": "approve",
        "approve-areas": ["face"],
        "approve-max_needle_depth_mm": "1.25",
        "approve-planned_sessions": "4",
        "approve-valid_months": "12",
        "approve-acknowledged": flag_ids[:1],
    }
    response = client.post(review_url(intake), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "before approving" in html
    assert 'id="id_approve-acknowledged_error"' in html
    assert 'value="1.25"' in html  # what the practitioner typed is kept
    assert not Clearance.objects.exists()

    response = client.post(review_url(intake), {**data, "approve-acknowledged": flag_ids})
    assert response.status_code == 302
    clearance = Clearance.objects.get()
    assert (clearance.areas, clearance.max_needle_depth_mm, clearance.planned_sessions) == (["face"], 1.25, 4)
    assert clearance.valid_until.year == clinic_today().year + 1


def test_a_declined_client_reads_the_reason_in_plain_words(client, practitioner, client_user):
    intake = submitted(client_user, condition_skin_cancer=["face"])
    log_in(client, practitioner)
    reason = "Please see your GP about the mole on your cheek first."
    client.post(review_url(intake), {"action": "decline", "decline-reason": reason})
    log_in(client, client_user)
    html = client.get(reverse("consultations:home")).content.decode()
    assert reason in html
    assert "Not cleared" in html


def test_deferring_needs_a_future_date_and_the_client_sees_from_when(client, practitioner, client_user):
    intake = submitted(client_user, pregnant_or_breastfeeding=True)
    log_in(client, practitioner)
    response = client.post(review_url(intake), {"action": "defer", "defer-until": ""})
    assert "Choose a date after today." in response.content.decode()
    until = clinic_today() + timedelta(days=200)
    client.post(review_url(intake), {"action": "defer", "defer-until": until.isoformat()})
    log_in(client, client_user)
    html = client.get(reverse("consultations:home")).content.decode()
    assert f"Treatment can be considered again from {until:%d %B %Y}" in html
    assert "pregnan" not in html.lower()


def test_a_question_is_answered_by_amending_and_the_practitioner_sees_what_changed(
    client, practitioner, client_user, consent_text
):
    intake = submitted(client_user, blood_thinners=True)
    log_in(client, practitioner)
    client.post(review_url(intake), {"action": "ask", "ask-question": "Which blood thinner, and how much?"})
    assert OutboundMessage.objects.get(kind=ConsultationKind.INTAKE_DECISION).context["decision"] == "question"

    log_in(client, client_user)
    home = client.get(reverse("consultations:home")).content.decode()
    assert "Which blood thinner, and how much?" in home and "Answer the question" in home
    client.post(
        reverse("consultations:intake_step", args=["health"]),
        {
            **{key: "False" for key in YES_NO_KEYS["health"]},
            "blood_thinners": "True",
            "medications": "Apixaban 5 mg twice a day",
        },
    )
    sign = client.get(reverse("consultations:intake_sign")).content.decode()
    assert "Your answer to the practitioner&#x27;s question" in sign
    client.post(
        reverse("consultations:intake_sign"),
        {
            "consent_version": consent_text.version,
            "full_name": "Jane Client",
            "agreed": "on",
            "client_note": "Apixaban, prescribed by my GP.",
        },
    )
    newer = Intake.objects.get(client=client_user, version=2)
    assert newer.status == IntakeStatus.PENDING

    log_in(client, practitioner)
    html = client.get(review_url(newer)).content.decode()
    assert "What changed since version 1" in html
    assert "Apixaban 5 mg twice a day" in html
    assert "Apixaban, prescribed by my GP." in html
    # The old version is read-only now: a decision on it is refused with a clear message.
    response = client.post(review_url(intake), {"action": "decline", "decline-reason": "Too late for this one."})
    assert response.status_code == 200
    intake.refresh_from_db()
    assert intake.status == IntakeStatus.QUESTION


def test_the_client_reports_a_health_change_and_the_practitioner_keeps_them_cleared(
    client, client_user, practitioner, sessions
):
    ClearanceFactory(client=client_user)
    session = clinic_today() + timedelta(days=2)
    sessions[(client_user.pk, 901)] = session
    url = reverse("consultations:health_update", args=[901])
    log_in(client, client_user)
    assert "Has anything about your health" in client.get(url).content.decode()
    response = client.post(url, {"anything_changed": "yes", "details": ""})
    assert "Please tell us what has changed." in response.content.decode()
    assert not HealthUpdate.objects.exists()
    client.post(url, {"anything_changed": "yes", "details": "A new rash on my neck"})
    update = HealthUpdate.objects.get()
    assert update.appointment_id == 901 and update.anything_changed
    assert OutboundMessage.objects.filter(kind=ConsultationKind.HEALTH_CHANGE_ALERT, recipient=practitioner).exists()
    assert "Health change under review" in client.get(reverse("consultations:home")).content.decode()

    log_in(client, practitioner)
    queue = client.get(reverse("consultations:review_queue")).content.decode()
    assert "Session flagged" in queue
    detail_url = reverse("consultations:health_update_detail", args=[update.pk])
    assert "A new rash on my neck" in client.get(detail_url).content.decode()
    response = client.post(detail_url, {"outcome": "review_again", "note": ""})
    assert "Tell the client what to update" in response.content.decode()
    client.post(detail_url, {"outcome": "still_cleared"})
    update.refresh_from_db()
    assert update.review_outcome == "still_cleared"


def test_a_health_update_for_a_session_more_than_a_week_away_is_refused(client, client_user, sessions):
    session = clinic_today() + timedelta(days=9)
    sessions[(client_user.pk, 902)] = session
    url = reverse("consultations:health_update", args=[902])
    log_in(client, client_user)
    response = client.post(url, {"anything_changed": "no"})
    assert "in the week before your session" in response.content.decode()
    assert not HealthUpdate.objects.exists()


def test_the_consent_pdf_holds_the_signature_and_the_text_version(client, practitioner, client_user):
    intake = IntakeFactory(client=client_user)
    log_in(client, practitioner)
    response = client.get(reverse("consultations:consent_pdf", args=[intake.pk]))
    text = subprocess.run(["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True).stdout
    text = text.decode()
    assert intake.consent.full_name in text
    assert f"Version {intake.consent.consent_text.version}" in text
    assert "127.0.0.1" in text


def test_dashboard_panels_for_a_client_and_a_practitioner(client, client_user, practitioner):
    log_in(client, client_user)
    html = client.get(reverse("dashboard")).content.decode()
    assert "Your consultation" in html and "Start your form" in html
    IntakeFactory()
    IntakeFactory()
    log_in(client, practitioner)
    html = client.get(reverse("dashboard")).content.decode()
    assert "<strong>2</strong> items are waiting" in html


def test_a_manager_publishes_a_new_consent_version_in_the_admin_and_old_ones_stay(client, manager, consent_text):
    manager.is_staff = True
    manager.save(update_fields=["is_staff"])
    log_in(client, manager)
    add_url = reverse("admin:consultations_consenttext_add")
    assert consent_text.body[:30] in client.get(add_url).content.decode()  # starts from the current text
    response = client.post(add_url, {"title": consent_text.title, "body": consent_text.body + "\n\nNew paragraph."})
    assert response.status_code == 302
    newest = ConsentText.objects.order_by("-version").first()
    assert newest.version == consent_text.version + 1 and newest.published_by == manager
    change_url = reverse("admin:consultations_consenttext_change", args=[consent_text.pk])
    response = client.post(change_url, {"title": "Edited", "body": "Edited"})
    assert response.status_code == 403
    consent_text.refresh_from_db()
    assert consent_text.title != "Edited"


def test_the_page_takes_the_sessions_date_from_bookings_and_refuses_others_appointments(client, client_user, sessions):
    session = clinic_today() + timedelta(days=3)
    sessions[(client_user.pk, 903)] = session
    log_in(client, client_user)
    page = client.get(reverse("consultations:health_update", args=[903]))
    assert page.status_code == 200
    assert f"{session:%A} {session.day} {session:%B}" in page.content.decode()
    client.post(reverse("consultations:health_update", args=[903]), {"anything_changed": "no"})
    assert HealthUpdate.objects.get().session_date == session
    assert client.get(reverse("consultations:health_update", args=[904])).status_code == 404


def test_pages_show_the_clinics_wall_clock_time(client, practitioner, clinic_profile):
    from datetime import UTC, datetime

    clinic_profile.time_zone = "America/New_York"
    clinic_profile.save()
    IntakeFactory(submitted_at=datetime(2026, 7, 1, 14, 5, tzinfo=UTC))
    log_in(client, practitioner)
    html = client.get(reverse("consultations:review_queue")).content.decode()
    assert "1 July 2026, 10:05" in html  # 14:05 UTC is 10:05 in New York in summer


INTAKE_APPROVAL_QUERIES = 29


def test_approving_an_intake_stays_within_its_query_budget(
    client, practitioner, client_user, django_assert_max_num_queries
):
    intake = submitted(client_user, diabetes=True)
    log_in(client, practitioner)
    client.get(review_url(intake))  # the session's first request, and the set-up cache
    data = {
        "action": "approve",
        "approve-areas": ["face"],
        "approve-max_needle_depth_mm": "1.25",
        "approve-planned_sessions": "4",
        "approve-valid_months": "12",
        "approve-acknowledged": [str(pk) for pk in intake.flags.values_list("pk", flat=True)],
    }
    with django_assert_max_num_queries(INTAKE_APPROVAL_QUERIES):
        response = client.post(review_url(intake), data)
    assert response.status_code == 302
    assert Clearance.objects.get().areas == ["face"]
