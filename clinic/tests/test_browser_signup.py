"""A visitor signs up, verifies their address from the e-mail and lands on their home page."""

import re

import pytest
from django.core import mail

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_visitor_signs_up_verifies_and_sees_the_client_home(page, live_server, screenshot, clinic_profile):
    page.goto("/")
    screenshot(page, "home-anonymous")
    page.get_by_role("link", name="Book a consultation").first.click()

    page.get_by_label("First name").fill("Jane")
    page.get_by_label("Last name").fill("Doe")
    page.get_by_label("Email").fill("jane.browser@example.com")
    page.get_by_label("Password:", exact=True).fill("plum-tiger-harbour-42")
    page.get_by_label("Password (again)").fill("plum-tiger-harbour-42")
    screenshot(page, "signup")
    page.get_by_role("button", name="Sign up").click()
    page.get_by_role("heading", name="Verify Your Email Address").wait_for()
    screenshot(page, "verification-sent")

    body = mail.outbox[-1].body
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", body).group(1)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()

    page.get_by_label("Email").fill("jane.browser@example.com")
    page.get_by_label("Password:", exact=True).fill("plum-tiger-harbour-42")
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("heading", name="Welcome, Jane").wait_for()
    screenshot(page, "client-home")
    assert page.url.endswith("/home/")
