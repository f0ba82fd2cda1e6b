"""In Chromium: a client fills in the intake on a phone and signs, a practitioner (password and
TOTP) approves after acknowledging the flag, and the client sees that they are cleared."""

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from clinic.tests.factories import PASSWORD, ClientFactory, PractitionerFactory
from consultations.intake_steps import LABELS, YES_NO_KEYS
from consultations.models import Clearance, ConsentSignature

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, email, totp_secret=None):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    if totp_secret:
        page.get_by_label("Code").fill(format_hotp_value(hotp_value(totp_secret, int(time.time()) // 30)))
        page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/home/"))


def answer(page, question, choice):
    page.get_by_role("group", name=question).get_by_label(choice, exact=True).check()


def assert_fits(page, width=375):
    """Nothing sticks out sideways on a phone (tables scroll inside their own box)."""
    wide = page.evaluate(
        f"() => [...document.querySelectorAll('body *')]"
        f".filter(e => e.getBoundingClientRect().right > {width + 1} && !e.closest('.table-scroll'))"
        ".map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 8)"
    )
    assert wide == [], wide


def test_client_fills_in_and_signs_practitioner_approves_client_is_cleared(
    browser, live_server, screenshot, clinic_profile, consent_text
):
    client = ClientFactory(first_name="Maya", last_name="Lind", email="maya@example.com")
    practitioner = PractitionerFactory(first_name="Anna", email="anna.browser@clinic.example")

    phone = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 800}, is_mobile=True)
    page = phone.new_page()
    page.set_default_timeout(10_000)
    log_in(page, client.email)
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("link", name="My consultation").click()
    page.get_by_role("link", name="Start your consultation form").click()

    # Step 1: an incomplete step is refused with messages by the fields.
    page.get_by_label("Phone", exact=True).fill("+44 7700 900321")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_text("Please give your date of birth.").wait_for()
    assert page.get_by_label("Phone", exact=True).input_value() == "+44 7700 900321"
    screenshot(page, "consult-step-errors-phone")
    assert_fits(page)
    page.get_by_label("Date of birth").fill("1990-05-01")
    page.get_by_label("Emergency contact", exact=True).fill("Sam Lind")
    page.get_by_label("Emergency contact's phone").fill("+44 7700 900654")
    page.get_by_role("button", name="Save and continue").click()

    page.get_by_role("heading", name="Your skin and goals").wait_for()
    page.get_by_label("III: medium, sometimes burns, tans gradually").check()
    page.get_by_label("Combination").check()
    page.get_by_label("Acne scars").check()
    page.get_by_label("Face", exact=True).check()
    page.get_by_label("Neck", exact=True).check()
    screenshot(page, "consult-step-skin-phone")
    assert_fits(page)
    page.get_by_role("button", name="Save and continue").click()

    page.get_by_role("heading", name="Health and medication").wait_for()
    for key in YES_NO_KEYS["health"]:
        answer(page, LABELS[key], "Yes" if key == "diabetes" else "No")
    page.get_by_role("button", name="Save and continue").click()

    page.get_by_role("heading", name="Skin conditions").wait_for()
    screenshot(page, "consult-step-conditions-phone")
    assert_fits(page)
    page.get_by_role("button", name="Save and continue").click()

    page.get_by_role("heading", name="Pregnancy, allergies and scarring").wait_for()
    for key in YES_NO_KEYS["more"][1:]:
        answer(page, LABELS[key], "No")
    page.get_by_role("button", name="Save and go to consent").click()
    # The pregnancy question was left blank: not taken as a no.
    page.get_by_text("Please answer yes or no.").wait_for()
    screenshot(page, "consult-step-more-unanswered-phone")
    assert_fits(page)
    answer(page, LABELS["pregnant_or_breastfeeding"], "No")
    page.get_by_role("button", name="Save and go to consent").click()

    page.get_by_role("heading", name="Consent and signature").wait_for()
    page.get_by_role("button", name="Sign and send for review").click()
    page.get_by_text("Please tick the box to confirm").wait_for()
    page.get_by_label("Type your full name to sign").fill("Maya Lind")
    page.get_by_label(re.compile("I have read the consent above")).check()
    screenshot(page, "consult-sign-phone")
    assert_fits(page)
    page.get_by_role("button", name="Sign and send for review").click()
    page.get_by_text("A practitioner will review your answers.").first.wait_for()
    assert "diabetes" not in page.content().lower()
    screenshot(page, "consult-client-waiting-phone")
    assert ConsentSignature.objects.get(intake__client=client).full_name == "Maya Lind"

    desk = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    staff = desk.new_page()
    staff.set_default_timeout(10_000)
    log_in(staff, practitioner.email, practitioner.totp_secret)
    staff.get_by_role("link", name="Review queue").first.click()
    row = staff.get_by_role("row").filter(has_text="Maya Lind")
    row.get_by_text("Diabetes").wait_for()
    screenshot(staff, "consult-review-queue")
    row.get_by_role("link", name="Review").click()
    staff.get_by_role("heading", name="Screening flags").wait_for()

    approve = staff.locator("#approve")
    approve.get_by_label("Face", exact=True).check()
    approve.get_by_label("Neck", exact=True).check()
    approve.get_by_role("button", name="Approve").click()
    staff.get_by_text("Acknowledge “Diabetes” before approving.").wait_for()
    assert not Clearance.objects.exists()
    screenshot(staff, "consult-review-needs-acknowledgement")
    approve = staff.locator("#approve")
    approve.get_by_label(re.compile("Diabetes: Client has diabetes")).check()
    approve.get_by_role("button", name="Approve").click()
    staff.get_by_text("Approved: the client can now book.").wait_for()
    clearance = Clearance.objects.get(client=client)
    assert clearance.areas == ["face", "neck"]

    page.goto("/consultations/")
    page.get_by_text("You are cleared for treatment until").wait_for()
    page.get_by_text("Cleared", exact=True).wait_for()
    screenshot(page, "consult-client-cleared-phone")
    assert_fits(page)
    phone.close()
    desk.close()


def test_practitioner_sees_what_changed_between_versions_on_a_small_screen(
    browser, live_server, screenshot, clinic_profile, consent_text
):
    from consultations import services
    from consultations.intake_steps import STEP_CODES
    from consultations.tests.factories import DraftIntakeFactory, clean_answers

    client = ClientFactory(first_name="Ola", last_name="Berg")
    practitioner = PractitionerFactory(first_name="Ben")
    DraftIntakeFactory(client=client, answers=clean_answers(blood_thinners=True), steps_done=list(STEP_CODES))
    first = services.intake_submit(client=client, full_name="Ola Berg", agreed=True)
    services.intake_ask(intake=first, decided_by=practitioner, question="Which blood thinner do you take?")
    services.intake_step_save(
        client=client,
        step="health",
        values={**clean_answers(), "blood_thinners": True, "medications": "Apixaban"},
    )
    services.intake_submit(client=client, full_name="Ola Berg", agreed=True, client_note="Apixaban, 5 mg.")

    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 800}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, practitioner.email, practitioner.totp_secret)
    page.goto("/consultations/review/")
    page.get_by_role("link", name="Review").click()
    page.get_by_role("heading", name="What changed since version 1").wait_for()
    page.get_by_text("Apixaban, 5 mg.").wait_for()
    changes = page.get_by_role("row").filter(has_text="Medicines and supplements you take")
    assert "Apixaban" in changes.inner_text()
    screenshot(page, "consult-review-diff-phone")
    assert_fits(page)
    context.close()
