"""The client's intake through the pages: steps saved one by one, signing, and the bad inputs
the issue lists (each gets a clear message, and nothing already given is lost)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.models import AuditEntry
from clinic.tests.factories import log_in
from consultations.intake_steps import YES_NO_KEYS
from consultations.models import ConsentSignature, Intake, IntakeFlag, IntakeStatus
from consultations.tests.factories import ClearanceFactory, DraftIntakeFactory, IntakeFactory

pytestmark = pytest.mark.django_db

STEP_POSTS = {
    "about": {
        "date_of_birth": "1991-03-04",
        "phone": "+44 7700 900111",
        "emergency_contact_name": "Jo Bloggs",
        "emergency_contact_phone": "+44 7700 900222",
    },
    "skin": {"fitzpatrick": "III", "skin_type": "oily", "concerns": ["acne_scars"], "areas": ["face", "thighs"]},
    "health": {"medications": "Vitamin D", **{key: "False" for key in YES_NO_KEYS["health"]}},
    "conditions": {"condition_acne": ["face"]},
    "more": {"other_allergies": "Plasters", **{key: "False" for key in YES_NO_KEYS["more"]}},
}


def step_url(step):
    return reverse("consultations:intake_step", args=[step])


def fill_all_steps(client):
    for step, data in STEP_POSTS.items():
        response = client.post(step_url(step), data)
        assert response.status_code == 302, response.content.decode()[:2000]


def test_a_client_fills_every_step_signs_and_is_waiting_for_review(client, client_user, consent_text):
    log_in(client, client_user)
    response = client.post(step_url("about"), STEP_POSTS["about"])
    assert response["Location"] == step_url("skin")
    draft = Intake.objects.get(client=client_user)
    assert draft.status == IntakeStatus.DRAFT
    assert draft.steps_done == ["about"]
    assert draft.answers["date_of_birth"] == "1991-03-04"

    # Progress is kept: the home page offers the next step.
    home = client.get(reverse("consultations:home")).content.decode()
    assert "Continue your form: Your skin and goals" in home

    fill_all_steps(client)
    page = client.get(reverse("consultations:intake_sign"))
    assert consent_text.body[:40] in page.content.decode()
    response = client.post(
        reverse("consultations:intake_sign"),
        {"consent_version": consent_text.version, "full_name": "Jane Client", "agreed": "on"},
        HTTP_USER_AGENT="Mozilla/5.0 test",
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 302
    intake = Intake.objects.get(client=client_user)
    assert intake.status == IntakeStatus.PENDING
    signature = ConsentSignature.objects.get(intake=intake)
    assert (signature.full_name, signature.ip_address, signature.user_agent) == (
        "Jane Client",
        "203.0.113.9",
        "Mozilla/5.0 test",
    )
    assert signature.consent_text == consent_text
    assert list(IntakeFlag.objects.filter(intake=intake).values_list("rule_code", "areas")) == [("acne", ["face"])]
    home = client.get(reverse("consultations:home")).content.decode()
    assert "A practitioner will review your answers." in home
    # The client never sees a medical verdict.
    assert "acne" not in home.lower().replace("acne scars", "")
    assert "Relative" not in home


def test_an_incomplete_step_says_what_is_missing_and_keeps_what_was_typed(client, client_user):
    log_in(client, client_user)
    response = client.post(step_url("about"), {"phone": "+44 7700 900333"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Please give your date of birth." in html
    assert "Please give the name of an emergency contact." in html
    assert 'value="+44 7700 900333"' in html
    assert 'aria-invalid="true"' in html
    assert not Intake.objects.filter(client=client_user).exists()


def test_a_medical_question_left_blank_is_not_taken_as_no(client, client_user):
    log_in(client, client_user)
    client.post(step_url("about"), STEP_POSTS["about"])
    answers = {**STEP_POSTS["health"]}
    del answers["diabetes"]
    response = client.post(step_url("health"), answers)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("Please answer yes or no.") == 1
    assert 'id="id_diabetes_error"' in html
    assert Intake.objects.get(client=client_user).steps_done == ["about"]


def test_a_birth_date_that_makes_the_client_3_years_old_is_refused(client, client_user):
    log_in(client, client_user)
    three = (timezone.localdate() - timedelta(days=3 * 365 + 10)).isoformat()
    response = client.post(step_url("about"), {**STEP_POSTS["about"], "date_of_birth": three})
    assert "makes you 3 years old" in response.content.decode()
    assert not Intake.objects.filter(client=client_user).exists()


def test_isotretinoin_stopped_in_the_future_is_refused_and_earlier_steps_are_kept(client, client_user):
    log_in(client, client_user)
    client.post(step_url("about"), STEP_POSTS["about"])
    future = (timezone.localdate() + timedelta(days=20)).isoformat()
    response = client.post(
        step_url("health"),
        {**STEP_POSTS["health"], "isotretinoin": "True", "isotretinoin_stopped": future, "medications": "Isotretinoin"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "This date is in the future" in html
    assert "Isotretinoin</textarea>" in html
    draft = Intake.objects.get(client=client_user)
    assert draft.steps_done == ["about"]
    assert "isotretinoin" not in draft.answers


def test_an_unsigned_consent_is_refused_with_a_message_and_the_draft_stays(client, client_user, consent_text):
    log_in(client, client_user)
    fill_all_steps(client)
    response = client.post(reverse("consultations:intake_sign"), {"consent_version": consent_text.version})
    html = response.content.decode()
    assert "Please tick the box to confirm" in html
    assert "Please type your full name" in html
    draft = Intake.objects.get(client=client_user)
    assert draft.status == IntakeStatus.DRAFT
    assert draft.steps_done == ["about", "skin", "health", "conditions", "more"]
    assert not ConsentSignature.objects.exists()


def test_signing_before_every_step_is_done_names_the_missing_steps(client, client_user, consent_text):
    log_in(client, client_user)
    client.post(step_url("about"), STEP_POSTS["about"])
    response = client.post(
        reverse("consultations:intake_sign"),
        {"consent_version": consent_text.version, "full_name": "Jane Client", "agreed": "on"},
    )
    assert "Please complete these steps first: Your skin and goals" in response.content.decode()
    assert Intake.objects.get(client=client_user).status == IntakeStatus.DRAFT


def test_editing_while_under_review_gives_a_clear_message_and_changes_nothing(client, client_user):
    intake = IntakeFactory(client=client_user)
    log_in(client, client_user)
    response = client.get(step_url("about"), follow=True)
    assert "with a practitioner for review" in response.content.decode()
    # A stale tab posting a step: refused on the page, what was typed is still in the form.
    response = client.post(step_url("about"), {**STEP_POSTS["about"], "phone": "+44 7700 999999"})
    html = response.content.decode()
    assert "with a practitioner for review" in html
    assert 'value="+44 7700 999999"' in html
    intake.refresh_from_db()
    assert intake.answers["phone"] == "+44 7700 900123"
    assert Intake.objects.filter(client=client_user).count() == 1


def test_amending_after_approval_makes_a_new_version_and_withdraws_the_clearance(client, client_user, consent_text):
    clearance = ClearanceFactory(client=client_user)
    log_in(client, client_user)
    client.post(step_url("more"), {**STEP_POSTS["more"], "pregnant_or_breastfeeding": "True"})
    versions = Intake.objects.filter(client=client_user).order_by("version")
    assert [v.status for v in versions] == [IntakeStatus.APPROVED, IntakeStatus.DRAFT]
    assert versions[1].answers["areas"] == ["face", "neck"]  # copied from the last version
    # Until the new version is sent, the clearance stands.
    clearance.refresh_from_db()
    assert clearance.revoked_at is None
    client.post(
        reverse("consultations:intake_sign"),
        {"consent_version": consent_text.version, "full_name": "Jane Client", "agreed": "on"},
    )
    clearance.refresh_from_db()
    assert clearance.revoked_at is not None
    old, new = Intake.objects.filter(client=client_user).order_by("version")
    assert old.superseded_at is not None and old.status == IntakeStatus.APPROVED
    assert new.status == IntakeStatus.PENDING
    assert new.flags.get().rule_code == "pregnancy"


def test_the_client_downloads_their_signed_consent_as_a_pdf(client, client_user):
    intake = IntakeFactory(client=client_user)
    log_in(client, client_user)
    response = client.get(reverse("consultations:consent_pdf", args=[intake.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert response.content.startswith(b"%PDF")
    assert not AuditEntry.objects.filter(action="consent_pdf_downloaded").exists()


def test_the_database_refuses_to_change_a_signed_consent_or_its_text(client_user):
    from django.db import DatabaseError, transaction

    intake = IntakeFactory(client=client_user)
    signature = intake.consent
    signature.full_name = "Somebody Else"
    with pytest.raises(DatabaseError), transaction.atomic():
        signature.save()
    text = signature.consent_text
    text.body = "Something else"
    with pytest.raises(DatabaseError), transaction.atomic():
        text.save()
    signature.refresh_from_db()
    assert signature.full_name != "Somebody Else"


def test_the_database_refuses_to_change_the_answers_of_a_sent_form_but_not_of_a_draft(client_user):
    from django.db import DatabaseError, transaction

    sent = IntakeFactory(client=client_user)
    sent.answers = {**sent.answers, "medications": "Changed after signing"}
    with pytest.raises(DatabaseError), transaction.atomic():
        sent.save(update_fields=["answers"])
    with pytest.raises(DatabaseError), transaction.atomic():
        Intake.objects.filter(pk=sent.pk).update(version=sent.version + 5)
    sent.refresh_from_db()
    assert sent.answers["medications"] != "Changed after signing"

    # The decision and the history still move on, and a draft is the client's to change.
    Intake.objects.filter(pk=sent.pk).update(status=IntakeStatus.QUESTION, decision_note="Which dose?")
    draft = DraftIntakeFactory(client=client_user, version=sent.version + 1)
    Intake.objects.filter(pk=draft.pk).update(answers={"medications": "Aspirin"})
    assert Intake.objects.get(pk=draft.pk).answers == {"medications": "Aspirin"}
    assert Intake.objects.get(pk=sent.pk).status == IntakeStatus.QUESTION


def test_a_consent_text_updated_while_the_client_reads_it_must_be_read_again(client, client_user, consent_text):
    from consultations.services import consent_text_publish

    log_in(client, client_user)
    fill_all_steps(client)
    client.get(reverse("consultations:intake_sign"))
    newer = consent_text_publish(title=consent_text.title, body=consent_text.body + " Updated.", published_by=None)
    response = client.post(
        reverse("consultations:intake_sign"),
        {"consent_version": consent_text.version, "full_name": "Jane Client", "agreed": "on"},
    )
    html = response.content.decode()
    assert "The consent text was updated while you were reading it" in html
    assert f'value="{newer.version}"' in html  # the page now carries the new version
    assert 'value="Jane Client"' in html
    assert Intake.objects.get(client=client_user).status == IntakeStatus.DRAFT


def test_sending_twice_keeps_one_version(client, client_user, consent_text):
    log_in(client, client_user)
    fill_all_steps(client)
    data = {"consent_version": consent_text.version, "full_name": "Jane Client", "agreed": "on"}
    client.post(reverse("consultations:intake_sign"), data)
    response = client.post(reverse("consultations:intake_sign"), data, follow=True)
    assert "with a practitioner for review" in response.content.decode()
    assert Intake.objects.filter(client=client_user).count() == 1
