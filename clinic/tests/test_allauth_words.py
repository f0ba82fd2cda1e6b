"""allauth's pages use the site's words (issue 17, item 4): "Log in" and "Sign up", as the header
and every other page say, never "Sign In" / "Sign Up" / "Sign Out"."""

import pytest
from django.urls import reverse

from clinic.tests.factories import ClientFactory, log_in

pytestmark = pytest.mark.django_db


def _words(response) -> str:
    return " ".join(response.content.decode().split())


def test_the_login_page_says_log_in(client, clinic_profile):
    page = _words(client.get(reverse("account_login")))
    assert "<title> Log in ·" in page and page.count("Log in") >= 3
    assert "Sign In" not in page and "Sign Up" not in page and "sign in" not in page


def test_the_signup_page_says_sign_up_and_log_in(client, clinic_profile):
    page = _words(client.get(reverse("account_signup")))
    assert "<title> Sign up ·" in page
    assert "Then please" in page and "log in</a>" in page
    assert "Sign In" not in page and "Sign Up" not in page and "Signup" not in page


def test_the_logout_page_says_log_out(client, clinic_profile):
    log_in(client, ClientFactory())
    page = _words(client.get(reverse("account_logout")))
    assert "Are you sure you want to log out?" in page
    assert "Sign Out" not in page and "sign out" not in page
