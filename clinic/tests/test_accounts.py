"""Sign-up, e-mail verification, login, and what a client sees afterwards."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from clinic import roles
from clinic.models import User
from clinic.tests.factories import PASSWORD, ClientFactory

pytestmark = pytest.mark.django_db

SIGNUP = {
    "first_name": "Jane",
    "last_name": "Doe",
    "phone": "+44 7700 900123",
    "email": "jane@example.com",
    "password1": "plum-tiger-harbour-42",
    "password2": "plum-tiger-harbour-42",
}


def _link_in(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", message.body).group(1)


def test_sign_up_creates_an_unverified_client_and_sends_the_verification_link(client, clinic_profile):
    response = client.post(reverse("account_signup"), SIGNUP, follow=True)

    assert (
        "Verify Your Email Address" in response.content.decode() or "verification" in response.content.decode().lower()
    )
    user = User.objects.get(email="jane@example.com")
    assert (user.first_name, user.last_name, user.phone) == ("Jane", "Doe", "+44 7700 900123")
    assert roles.roles_of(user) == {roles.Role.CLIENT}
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject.startswith("Lumen Skin Clinic:")
    assert "/accounts/confirm-email/" in mail.outbox[0].body


def test_an_unverified_client_cannot_log_in_until_the_link_is_opened(client, clinic_profile):
    client.post(reverse("account_signup"), SIGNUP)
    client.logout()
    response = client.post(reverse("account_login"), {"login": "jane@example.com", "password": SIGNUP["password1"]})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")

    link = _link_in(mail.outbox[-1])
    client.post(link)
    assert EmailAddress.objects.get(email="jane@example.com").verified

    response = client.post(
        reverse("account_login"), {"login": "jane@example.com", "password": SIGNUP["password1"]}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("dashboard")
    assert "Welcome, Jane" in response.content.decode()


def test_a_used_or_broken_verification_link_says_so(client, clinic_profile):
    client.post(reverse("account_signup"), SIGNUP)
    link = _link_in(mail.outbox[-1])
    client.post(link)

    broken = client.get("/accounts/confirm-email/not-a-real-key/")
    assert "expired or is invalid" in broken.content.decode()
    again = client.post(link, follow=True)
    # allauth answers a second use of a link with the "already confirmed"/invalid page, never a 500.
    assert again.status_code in (200, 404)
    assert EmailAddress.objects.filter(email="jane@example.com", verified=True).count() == 1


def test_signing_up_with_a_used_address_creates_nothing_and_tells_the_owner(client, clinic_profile):
    existing = ClientFactory(email="jane@example.com")

    response = client.post(reverse("account_signup"), SIGNUP, follow=True)

    assert response.status_code == 200
    assert User.objects.filter(email__iexact="jane@example.com").count() == 1
    assert User.objects.get(email="jane@example.com").pk == existing.pk
    # Whether an address is a client of a skin clinic is private: the owner is told by e-mail.
    assert len(mail.outbox) == 1
    assert "already" in mail.outbox[0].body.lower()


def test_a_weak_password_is_refused_with_a_message_and_nothing_is_created(client, clinic_profile):
    response = client.post(reverse("account_signup"), {**SIGNUP, "password1": "12345", "password2": "12345"})

    assert response.status_code == 200
    content = response.content.decode()
    assert "This password is too short" in content
    assert not User.objects.filter(email="jane@example.com").exists()
    assert mail.outbox == []


def test_password_reset_sends_a_link(client, clinic_profile):
    ClientFactory(email="kim@example.com")
    client.post(reverse("account_reset_password"), {"email": "kim@example.com"})
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_login_page_uses_the_clinic_layout(client, clinic_profile):
    content = client.get(reverse("account_login")).content.decode()
    assert "Lumen Skin Clinic" in content
    assert 'href="/static/css/app.css"' in content
    assert "Skip to main content" in content


def test_client_login_with_password(client, clinic_profile):
    ClientFactory(email="kim@example.com", first_name="Kim")
    response = client.post(reverse("account_login"), {"login": "kim@example.com", "password": PASSWORD}, follow=True)
    assert "Welcome, Kim" in response.content.decode()


def test_failed_logins_are_rate_limited_through_the_shared_redis_cache(client, clinic_profile, settings):
    """The counter lives in Redis, so every web process sees the same limit."""
    import redis
    from django.core.cache import cache

    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/5m/key"}
    ClientFactory(email="kim@example.com")
    for _ in range(3):
        response = client.post(reverse("account_login"), {"login": "kim@example.com", "password": "wrong-password"})
        assert "not correct" in response.content.decode()

    response = client.post(reverse("account_login"), {"login": "kim@example.com", "password": PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()

    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    server = redis.Redis.from_url(settings.REDIS_URL)
    prefix = cache.make_key("")
    assert any(b"login_failed" in key for key in server.scan_iter(f"{prefix}*"))
