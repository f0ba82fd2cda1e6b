"""The client's address behind a proxy: one answer (``clinic.audit.client_ip``) for the audit
log, consent signatures and allauth's login rate limits; X-Forwarded-For counts only through the
configured number of trusted proxies."""

import pytest
from django.urls import reverse

from clinic.audit import client_ip
from clinic.models import AuditEntry
from clinic.tests.factories import ClientFactory, log_in
from consultations.models import ConsentSignature
from consultations.tests.factories import ConsentTextFactory
from consultations.tests.test_intake_flow import fill_all_steps

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.5"


def behind_proxy(address: str, forged: str = "") -> dict:
    """What the app sees of a request through our one proxy (nginx's $proxy_add_x_forwarded_for:
    whatever the client sent, then the address it came from)."""
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"{forged}, {address}" if forged else address}


@pytest.fixture
def rate_limited(settings, clinic_profile):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/5m/ip"}
    ClientFactory(email="kim@example.com")
    ClientFactory(email="lee@example.com")


def login(client, email, password, **meta):
    return client.post(reverse("account_login"), {"login": email, "password": password}, **meta).content.decode()


def test_two_clients_behind_one_trusted_proxy_have_their_own_login_limit(client, settings, rate_limited):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    for _ in range(3):
        assert "not correct" in login(client, "kim@example.com", "typo", **behind_proxy("198.51.100.1"))
    assert "Too many failed login attempts" in login(client, "kim@example.com", "typo", **behind_proxy("198.51.100.1"))

    # Someone else, through the same proxy: not locked out by Kim's typos.
    assert "not correct" in login(client, "lee@example.com", "typo", **behind_proxy("198.51.100.2"))


def test_with_no_trusted_proxy_a_forged_forwarded_for_neither_escapes_the_limit_nor_is_recorded(
    client, settings, rate_limited
):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0  # the default
    for n in range(3):
        login(client, "kim@example.com", "typo", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    page = login(client, "kim@example.com", "typo", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="192.0.2.77")
    assert "Too many failed login attempts" in page


def test_a_client_cannot_choose_its_address_by_adding_to_the_header_the_proxy_extends(client, settings, rate_limited):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    for n in range(3):
        login(client, "kim@example.com", "typo", **behind_proxy("198.51.100.1", forged=f"192.0.2.{n}"))
    page = login(client, "kim@example.com", "typo", **behind_proxy("198.51.100.1", forged="192.0.2.99"))
    assert "Too many failed login attempts" in page


def sign_consent(client, **meta):
    user = ClientFactory()
    text = ConsentTextFactory()
    log_in(client, user)
    fill_all_steps(client)
    response = client.post(
        reverse("consultations:intake_sign"),
        {"consent_version": text.version, "full_name": "Jane Client", "agreed": "on"},
        **meta,
    )
    assert response.status_code == 302
    return ConsentSignature.objects.get(intake__client=user), AuditEntry.objects.get(action="intake_submitted")


def test_the_consent_signature_and_the_audit_entry_carry_the_clients_address_not_the_proxys(client, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    signature, entry = sign_consent(client, **behind_proxy("198.51.100.23", forged="192.0.2.1"))
    assert signature.ip_address == "198.51.100.23"
    assert entry.ip_address == "198.51.100.23"


def test_with_no_trusted_proxy_the_consent_records_the_connecting_address(client, settings):
    signature, entry = sign_consent(client, REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert signature.ip_address == entry.ip_address == "203.0.113.9"


@pytest.mark.parametrize(
    ("hops", "meta", "expected"),
    [
        (0, {"REMOTE_ADDR": "203.0.113.9", "HTTP_X_FORWARDED_FOR": "192.0.2.1"}, "203.0.113.9"),
        (1, {"REMOTE_ADDR": PROXY}, PROXY),  # straight to the app: no header, the peer's address
        (1, {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "192.0.2.1, 198.51.100.1"}, "198.51.100.1"),
        (2, {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "192.0.2.1, 198.51.100.1, 10.0.0.9"}, "198.51.100.1"),
        (2, {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.1"}, "198.51.100.1"),
        (1, {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "[2001:db8::1]:443"}, "2001:db8::1"),
        (1, {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.1:5000"}, "198.51.100.1"),
        (1, {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "not-an-address"}, None),
    ],
)
def test_client_ip_reads_the_header_only_through_trusted_proxies(rf, settings, hops, meta, expected):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = hops
    assert client_ip(rf.get("/", **meta)) == expected
