"""Every way into the site ends at the TOTP step for staff: no staff page (the review page with a
client's medical history, the desk, the Django admin) opens before it."""

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from django.urls import reverse

from clinic.tests.factories import PASSWORD, ManagerFactory, log_in
from consultations.tests.factories import IntakeFactory, clean_answers

pytestmark = pytest.mark.django_db

SECRET_WORDS = "Takes warfarin since the valve operation"
NEW_PASSWORD = "plum-tiger-harbour-42"


def totp_now(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.fixture
def staff(clinic_profile):
    """A manager who can reach the admin, and a client whose intake holds medical words."""
    manager = ManagerFactory(email="mia@clinic.example", is_staff=True)
    intake = IntakeFactory(answers=clean_answers(medications=SECRET_WORDS))
    return manager, intake


def staff_pages(intake) -> list[str]:
    return [
        reverse("dashboard"),
        reverse("consultations:intake_review", args=[intake.pk]),
        reverse("consultations:review_queue"),
        reverse("desk_day"),
        reverse("desk_client", args=[intake.client_id]),
        reverse("message_log"),
        "/admin/",
        "/admin/consultations/intake/",
        f"/admin/consultations/intake/{intake.pk}/change/",
        # Account pages where the password step alone could take TOTP away.
        reverse("mfa_index"),
        reverse("mfa_deactivate_totp"),
    ]


def assert_no_staff_page_opens(client, intake):
    for url in staff_pages(intake):
        response = client.get(url)
        assert response.status_code != 200, url
        assert SECRET_WORDS not in response.content.decode(), url


def assert_staff_pages_open(client, intake):
    for url in staff_pages(intake)[:-2]:
        assert client.get(url).status_code == 200, url


def test_allauth_login_with_the_password_alone_opens_no_staff_page(client, staff):
    manager, intake = staff
    response = client.post(reverse("account_login"), {"login": manager.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")

    assert_no_staff_page_opens(client, intake)

    client.post(reverse("mfa_authenticate"), {"code": totp_now(manager.totp_secret)})
    assert_staff_pages_open(client, intake)


def test_the_admin_login_form_goes_through_allauth_and_signs_nobody_in(client, staff):
    manager, intake = staff
    page = client.get("/admin/login/?next=/admin/")
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("account_login"))

    # The admin's own form no longer checks passwords: no session, so no limit to get around.
    for password in ["wrong-1", "wrong-2", PASSWORD]:
        response = client.post("/admin/login/?next=/admin/", {"username": manager.email, "password": password})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
        assert "_auth_user_id" not in client.session

    assert_no_staff_page_opens(client, intake)


def _reset_link() -> str:
    return re.search(r"https?://[^/\s]+(/accounts/password/reset/key/[^\s]+/)", mail.outbox[-1].body).group(1)


@pytest.mark.parametrize("login_on_reset", [False, True], ids=["reset-then-login", "login-on-reset"])
def test_a_password_reset_then_login_stops_at_the_code(client, staff, settings, login_on_reset):
    settings.ACCOUNT_LOGIN_ON_PASSWORD_RESET = login_on_reset
    manager, intake = staff
    client.post(reverse("account_reset_password"), {"email": manager.email})
    form_url = client.get(_reset_link())["Location"]
    client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert_no_staff_page_opens(client, intake)

    response = client.post(reverse("account_login"), {"login": manager.email, "password": NEW_PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    assert_no_staff_page_opens(client, intake)

    client.post(reverse("mfa_authenticate"), {"code": totp_now(manager.totp_secret)})
    assert_staff_pages_open(client, intake)


@pytest.mark.parametrize("login_on_confirmation", [False, True], ids=["confirm-then-login", "login-on-confirm"])
def test_confirming_the_email_address_then_login_stops_at_the_code(client, staff, settings, login_on_confirmation):
    settings.ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = login_on_confirmation
    manager, intake = staff
    manager.emailaddress_set.update(verified=False)
    response = client.post(reverse("account_login"), {"login": manager.email, "password": PASSWORD})
    assert response["Location"] == reverse("account_email_verification_sent")
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mail.outbox[-1].body).group(1)
    client.post(link)
    assert_no_staff_page_opens(client, intake)

    client.post(reverse("account_login"), {"login": manager.email, "password": PASSWORD})
    assert_no_staff_page_opens(client, intake)
    client.post(reverse("mfa_authenticate"), {"code": totp_now(manager.totp_secret)})
    assert_staff_pages_open(client, intake)


def test_a_session_signed_in_without_the_code_is_asked_for_it_before_any_staff_page(client, staff):
    """Whatever path signed the session in: having TOTP set up is not enough, this session must
    have passed it."""
    manager, intake = staff
    client.force_login(manager)  # a session with no TOTP step, as the old admin login left it

    response = client.get(reverse("consultations:intake_review", args=[intake.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    assert_no_staff_page_opens(client, intake)

    response = client.post(response["Location"], {"code": totp_now(manager.totp_secret)})
    assert response["Location"] == reverse("consultations:intake_review", args=[intake.pk])
    assert_staff_pages_open(client, intake)


@pytest.mark.django_db(transaction=True)
def test_a_new_member_of_staff_who_sets_totp_up_is_not_asked_for_a_second_code(client, clinic_profile):
    """Real commits: allauth records the new authenticator after its transaction commits, inside
    the request (a test transaction would hold that back until the response is gone)."""
    manager = ManagerFactory(mfa=False)
    client.post(reverse("account_login"), {"login": manager.email, "password": PASSWORD})
    assert client.get(reverse("dashboard"))["Location"].startswith(reverse("mfa_activate_totp"))

    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    secret = page.context["form"].secret
    client.post(reverse("mfa_activate_totp"), {"code": totp_now(secret)})

    assert client.get(reverse("dashboard")).status_code == 200


def test_the_test_helper_signs_staff_in_with_the_totp_step(client, staff):
    manager, intake = staff
    log_in(client, manager)
    assert_staff_pages_open(client, intake)
