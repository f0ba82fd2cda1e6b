"""In a real browser: the desk sells a package, the practitioner completes a session (it uses a
prepaid one), the desk takes the payment at check-out and opens the receipt PDF; every payments
page is checked at 360 px (nothing wider than the phone, axe-clean)."""

import re
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.apps import apps
from django.utils import timezone

from aftercare.default_protocol import default_protocol_install
from bookings.models import Appointment
from clinic.tests.factories import PASSWORD, FrontDeskFactory
from clinic.tests.screens import resize, screen_problems

from ..models import LedgerEntry, PackageSale
from .factories import PackageFactory, PriceFactory
from .pdf_text import pdf_text

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _default_protocol():
    default_protocol_install(get_model=lambda name: apps.get_model("aftercare", name))


def _log_in(page, user, *, totp_secret=None):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    if totp_secret:
        page.get_by_label("Code").fill(format_hotp_value(hotp_value(totp_secret, int(time.time()) // 30)))
        page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/home/"))


def _phone_problems(page, label) -> list[str]:
    resize(page, 360)
    found = [f"{label} at 360 px: {p}" for p in screen_problems(page)]
    resize(page, 1280)
    return found


def test_the_desk_sells_a_package_the_session_uses_it_and_the_payment_gets_a_receipt(
    page, browser, live_server, screenshot, session_setup
):
    started = (timezone.now() - timedelta(hours=1)).replace(second=0, microsecond=0)
    appointment = session_setup(starts_at=started, max_mm="1.50")
    location = appointment.room.location
    PriceFactory(treatment=appointment.treatment, location=location, amount=Decimal("240.00"))
    package = PackageFactory(
        name="Face and neck course of 3", treatment=appointment.treatment, location=location, price=Decimal("600.00")
    )
    desk = FrontDeskFactory()
    problems = []

    # The desk sells the package on the client's page.
    _log_in(page, desk, totp_secret=desk.totp_secret)
    page.goto(f"/desk/clients/{appointment.client_id}/")
    page.get_by_label("Package").select_option(str(package.pk))
    page.get_by_role("button", name="Sell the package").click()
    page.get_by_text("Face and neck course of 3 sold: £600.00 charged to the account.").wait_for()
    assert "3 of 3 sessions left" in page.locator("#account").inner_text()
    screenshot(page, "payments/desk-client-sold")
    problems += _phone_problems(page, "desk client page")

    page.goto(f"/desk/appointments/{appointment.pk}/")
    panel = page.locator(".payments-panel")
    assert "Prepaid" in panel.inner_text() and "£240.00" in panel.inner_text()
    problems += _phone_problems(page, "desk appointment page")

    # The practitioner records and completes the session.
    practitioner = appointment.practitioner.user
    other = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    practice = other.new_page()
    _log_in(practice, practitioner, totp_secret=practitioner.totp_secret)
    practice.goto(f"/aftercare/appointments/{appointment.pk}/record/")
    practice.get_by_label("Needle depth on the face (mm)").fill("1.0")
    practice.get_by_label("Needle depth on the neck (mm)").fill("0.5")
    practice.get_by_label("Device").fill("Dermapen 4")
    practice.get_by_label("Cartridge lot number").fill("DP4-2026-0147")
    practice.get_by_label("Expected redness").check()
    practice.get_by_role("button", name="Save and complete the session").click()
    practice.get_by_text("Session recorded and completed").wait_for()
    other.close()
    assert Appointment.objects.get(pk=appointment.pk).status == Appointment.Status.COMPLETED
    assert PackageSale.objects.get().sessions_used == 1

    # Check-out: the payment and the next session on one screen.
    page.goto(f"/desk/appointments/{appointment.pk}/")
    page.get_by_role("link", name="Check out: payment and next session").click()
    page.get_by_role("heading", name="Next session").wait_for()
    problems += _phone_problems(page, "check-out page")
    assert page.get_by_label("Amount").input_value() == "600.00"  # the balance
    page.get_by_label("Method").select_option("card_terminal")
    page.get_by_role("button", name="Record the payment").click()
    page.get_by_text(re.compile(r"Payment of £600\.00 recorded: receipt")).wait_for()
    screenshot(page, "payments/checkout-paid")
    payment = LedgerEntry.objects.get(kind="payment")

    # The receipt PDF, as the desk opens it.
    link = page.get_by_role("link", name=f"{payment.receipt.label} (PDF)")
    response = page.request.get(link.get_attribute("href"))
    assert response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.body())
    assert f"Receipt {payment.receipt.label}" in text
    assert "£600.00" in text
    assert "Tax (VAT) at 20% included £100.00" in text

    # The client's own account on a phone.
    phone = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 740})
    client_page = phone.new_page()
    _log_in(client_page, appointment.client)
    client_page.goto("/payments/account/")
    assert "2 of 3 sessions left" in client_page.locator("main").inner_text()
    problems += [f"client account at 360 px: {p}" for p in screen_problems(client_page)]
    screenshot(client_page, "payments/client-account-360")
    phone.close()
    assert not problems, "\n".join(problems)
