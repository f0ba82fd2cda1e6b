"""A TOTP code typed just after its 30-second step ended is still accepted (one step of
tolerance); an older one is not."""

from datetime import UTC, datetime

import pytest
import time_machine
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.urls import reverse

from clinic.tests.factories import PASSWORD, FrontDeskFactory

pytestmark = pytest.mark.django_db

TYPED_AT = datetime(2026, 3, 2, 9, 15, 0, tzinfo=UTC)  # the first second of a new step


def code_at(secret: str, moment: datetime) -> str:
    return format_hotp_value(hotp_value(secret, int(moment.timestamp()) // 30))


def sign_in_with_code_read_at(client, desk, read_at: datetime):
    with time_machine.travel(read_at, tick=False) as traveller:
        code = code_at(desk.totp_secret, read_at)
        response = client.post(reverse("account_login"), {"login": desk.email, "password": PASSWORD})
        assert response["Location"] == reverse("mfa_authenticate")
        traveller.move_to(TYPED_AT)
        return client.post(reverse("mfa_authenticate"), {"code": code})


def test_a_code_read_at_59_seconds_and_typed_at_00_is_accepted(client, clinic_profile):
    desk = FrontDeskFactory()
    response = sign_in_with_code_read_at(client, desk, datetime(2026, 3, 2, 9, 14, 59, tzinfo=UTC))
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")


def test_a_code_from_two_steps_ago_is_refused(client, clinic_profile):
    desk = FrontDeskFactory()
    response = sign_in_with_code_read_at(client, desk, datetime(2026, 3, 2, 9, 14, 29, tzinfo=UTC))
    assert response.status_code == 200
    assert "Incorrect code" in response.content.decode()
