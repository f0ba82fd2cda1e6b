"""Staff log in with a password and a one-time code; a new member of staff must set TOTP up first."""

import re
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from clinic.tests.factories import PASSWORD, FrontDeskFactory, PractitionerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def code_for(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_practitioner_logs_in_with_password_and_code(page, screenshot, clinic_profile):
    practitioner = PractitionerFactory(email="anna@clinic.example", first_name="Anna")
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(practitioner.email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Code").fill(code_for(practitioner.totp_secret))
    screenshot(page, "staff-mfa-code")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Good to see you, Anna").wait_for()
    screenshot(page, "staff-home")


def test_new_front_desk_member_must_set_up_totp_before_the_schedule(page, screenshot, clinic_profile):
    desk = FrontDeskFactory(email="new.desk@clinic.example", mfa=False)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(desk.email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # Straight to the TOTP set-up page, whatever page was asked for; allauth asks for the
    # password once more before a new authenticator is added.
    page.wait_for_url(re.compile(r"/accounts/reauthenticate/\?next=%2Faccounts%2F2fa%2Ftotp%2Factivate"))
    page.goto("/home/")
    page.wait_for_url(re.compile(r"/accounts/reauthenticate/\?next=%2Faccounts%2F2fa%2Ftotp%2Factivate"))
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/totp/activate/"))
    screenshot(page, "staff-mfa-setup")
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Authenticator code").fill(code_for(secret))
    page.get_by_role("button", name="Activate").click()
    assert Authenticator.objects.filter(user=desk, type=Authenticator.Type.TOTP).exists()

    page.goto("/home/")
    page.get_by_role("heading", name=re.compile("Good to see you")).wait_for()


def test_home_page_works_on_a_phone(browser, live_server, screenshot, clinic_profile):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto("/")
    page.get_by_role("link", name="Book a consultation").first.wait_for()
    # Nothing is wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "home-375")
    context.close()
