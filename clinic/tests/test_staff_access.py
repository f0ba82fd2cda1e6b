"""Staff need MFA before any staff page; sessions end by role; the role table."""

import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.urls import reverse

from clinic import roles
from clinic.tests.factories import (
    PASSWORD,
    ClientFactory,
    FrontDeskFactory,
    ManagerFactory,
    PractitionerFactory,
    log_in,
)

pytestmark = pytest.mark.django_db


def totp_now(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_staff_without_mfa_is_sent_to_set_it_up_before_any_staff_page(client, clinic_profile):
    desk = FrontDeskFactory(mfa=False)
    log_in(client, desk)

    for url in (reverse("dashboard"), reverse("clinic_profile_edit"), "/admin/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("mfa_activate_totp"))


def test_staff_with_mfa_logs_in_with_password_then_code(client, clinic_profile):
    desk = FrontDeskFactory(email="fran@clinic.example", first_name="Fran")
    response = client.post(reverse("account_login"), {"login": desk.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")

    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert "Incorrect code" in wrong.content.decode()

    response = client.post(reverse("mfa_authenticate"), {"code": totp_now(desk.totp_secret)}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("dashboard")
    assert "Good to see you, Fran" in response.content.decode()


def test_a_client_needs_no_mfa(client, clinic_profile):
    log_in(client, ClientFactory())
    assert client.get(reverse("dashboard")).status_code == 200


def test_staff_sessions_end_after_30_idle_minutes_and_clients_after_12_hours(client, clinic_profile, settings):
    log_in(client, FrontDeskFactory())
    client.get(reverse("dashboard"))
    assert client.session.get_expiry_age() == 30 * 60

    client.logout()
    log_in(client, ClientFactory())
    client.get(reverse("dashboard"))
    assert client.session.get_expiry_age() == 12 * 60 * 60

    settings.CLIENT_SESSION_IDLE_MINUTES = 60
    client.get(reverse("dashboard"))
    assert client.session.get_expiry_age() == 60 * 60


def test_role_table_matches_who_may_see_what():
    table = {
        roles.Role.CLIENT: (False, False, False),
        roles.Role.FRONT_DESK: (True, False, False),
        roles.Role.PRACTITIONER: (True, True, False),
        roles.Role.MANAGER: (True, True, True),
    }
    for role, (schedule, medical, manage) in table.items():
        caps = roles.CAPABILITIES[role]
        assert (roles.Capability.VIEW_SCHEDULE in caps) == schedule, role
        assert (roles.Capability.VIEW_MEDICAL in caps) == medical, role
        assert (roles.Capability.MANAGE_CLINIC in caps) == manage, role


def test_navigation_changes_with_the_role(client, clinic_profile):
    log_in(client, ManagerFactory())
    assert "Clinic profile" in client.get(reverse("dashboard")).content.decode()
    client.logout()
    log_in(client, PractitionerFactory())
    assert "Clinic profile" not in client.get(reverse("dashboard")).content.decode()


def test_a_manager_edits_the_clinic_profile_and_front_desk_may_not(client, clinic_profile):
    log_in(client, FrontDeskFactory())
    assert client.get(reverse("clinic_profile_edit")).status_code == 403
    client.logout()

    manager = ManagerFactory()
    log_in(client, manager)
    data = {
        "name": "Lumen Skin",
        "address": "1 Road",
        "phone": "+44 1",
        "email": "a@b.example",
        "time_zone": "Mars/Olympus",
        "late_cancellation_hours": 48,
        "paper_size": "A4",
    }
    response = client.post(reverse("clinic_profile_edit"), data)
    assert "is not a time zone name" in response.content.decode()
    clinic_profile.refresh_from_db()
    assert clinic_profile.name == "Lumen Skin Clinic"

    client.post(reverse("clinic_profile_edit"), {**data, "time_zone": "America/New_York"})
    clinic_profile.refresh_from_db()
    assert (clinic_profile.name, clinic_profile.time_zone) == ("Lumen Skin", "America/New_York")
    from clinic.models import AuditEntry

    entry = AuditEntry.objects.get(action="clinic_profile.update")
    assert entry.actor == manager and entry.ip_address == "127.0.0.1"


def test_an_idle_staff_session_is_over_after_31_minutes_but_a_client_one_is_not(client, clinic_profile):
    import datetime as dt

    import time_machine
    from django.utils import timezone

    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        log_in(client, FrontDeskFactory())
        assert client.get(reverse("dashboard")).status_code == 200
        traveller.shift(dt.timedelta(minutes=29))
        assert client.get(reverse("dashboard")).status_code == 200  # activity moves the expiry on
        traveller.shift(dt.timedelta(minutes=31))
        response = client.get(reverse("dashboard"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))

    with time_machine.travel(start, tick=False) as traveller:
        log_in(client, ClientFactory())
        traveller.shift(dt.timedelta(hours=11))
        assert client.get(reverse("dashboard")).status_code == 200


def test_only_a_manager_can_change_the_clinic_profile_whatever_calls_the_service(clinic_profile, front_desk, manager):
    """The rule is in the service, not only in the view: a shell or a task acting for the front
    desk is refused too, and nothing changes."""
    from django.core.exceptions import PermissionDenied

    from clinic.models import AuditEntry
    from clinic.services import clinic_profile_update

    with pytest.raises(PermissionDenied):
        clinic_profile_update(actor=front_desk, name="Hijacked")
    clinic_profile.refresh_from_db()
    assert clinic_profile.name == "Lumen Skin Clinic"
    assert not AuditEntry.objects.filter(action="clinic_profile.update").exists()

    clinic_profile_update(actor=manager, name="Lumen Skin")
    clinic_profile.refresh_from_db()
    assert clinic_profile.name == "Lumen Skin"
