"""Demo people and the clinic itself, for `make run`. Idempotent: run it as often as you like.

Staff get a TOTP authenticator with a known secret, so that a person trying the demo can log in
without an authenticator app: `python manage.py demo_totp EMAIL` prints the current code.
"""

import base64
import hashlib

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import CommandError

from . import roles
from .models import ClinicProfile, User

DEMO_PASSWORD = "demo-clinic-2026"


def demo_refuse_unless_allowed(command: str) -> None:
    """Raise CommandError under settings that do not allow demo data (production)."""
    if not getattr(settings, "DEMO_DATA_ALLOWED", False):
        raise CommandError(
            f"{command} refuses to run under these settings ({settings.SETTINGS_MODULE}): the demo's "
            "accounts have the password printed in the README and TOTP secrets anyone can derive, "
            "so they must never exist in production. Create real staff with `manage.py createsuperuser` "
            "and the admin instead."
        )


STAFF = [
    ("manager@clinic.example", "Morgan", "Hale", roles.Role.MANAGER),
    ("desk1@clinic.example", "Fran", "Desai", roles.Role.FRONT_DESK),
    ("desk2@clinic.example", "Ola", "Brennan", roles.Role.FRONT_DESK),
    ("anna@clinic.example", "Anna", "Kowalska", roles.Role.PRACTITIONER),
    ("ben@clinic.example", "Ben", "Okafor", roles.Role.PRACTITIONER),
    ("chloe@clinic.example", "Chloe", "Martin", roles.Role.PRACTITIONER),
]

CLIENT_NAMES = [
    ("Amelia", "Clarke"),
    ("Noah", "Patel"),
    ("Isla", "Murphy"),
    ("Leo", "Nguyen"),
    ("Ava", "Hughes"),
    ("Oliver", "Rossi"),
    ("Mia", "Kaur"),
    ("Jack", "O'Neill"),
    ("Sofia", "Ahmed"),
    ("Harry", "Wilson"),
    ("Grace", "Lopez"),
    ("Arthur", "Evans"),
    ("Lily", "Chen"),
    ("Oscar", "Walsh"),
    ("Freya", "Silva"),
    ("George", "Ward"),
    ("Emily", "Novak"),
    ("Theo", "Baker"),
    ("Ruby", "Jensen"),
    ("Alfie", "Moreau"),
]


def demo_totp_secret(email: str) -> str:
    return base64.b32encode(hashlib.sha1(f"demo-totp:{email}".encode()).digest()).decode()  # noqa: S324 - demo only


def client_email(index: int) -> str:
    first, last = CLIENT_NAMES[index]
    slug = f"{first}.{last}".lower().replace("'", "")
    return f"{slug}@example.com"


def _person(email, first, last, role, *, phone=""):
    user, created = User.objects.get_or_create(
        email=email, defaults={"first_name": first, "last_name": last, "phone": phone}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def seed(stdout=None) -> dict:
    profile = ClinicProfile.get()
    if profile.name == "Clinic":
        profile.name = "Lumen Skin Clinic"
        profile.address = "14 Harbour Street\nBristol BS1 4RT"
        profile.phone = "+44 117 496 0123"
        profile.email = "hello@lumenskin.example"
        profile.save(update_fields=["name", "address", "phone", "email", "updated_at"])

    staff = {}
    for email, first, last, role in STAFF:
        user = _person(email, first, last, role)
        if role == roles.Role.MANAGER and not user.is_staff:
            user.is_staff = True
            user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            Authenticator.objects.create(
                user=user, type=Authenticator.Type.TOTP, data={"secret": encrypt(demo_totp_secret(email))}
            )
        staff.setdefault(role, []).append(user)

    clients = [
        _person(client_email(i), first, last, roles.Role.CLIENT, phone=f"+44 7700 900{i:03d}")
        for i, (first, last) in enumerate(CLIENT_NAMES)
    ]
    return {"staff": staff, "clients": clients}


def logins_text() -> str:
    lines = ["", f"Demo logins (password for all: {DEMO_PASSWORD})"]
    for email, first, last, role in STAFF:
        lines.append(f"  {role.value:<13} {email:<28} {first} {last}")
    lines.append(f"  {'client':<13} {client_email(0):<28} and 19 more clients (firstname.lastname@example.com)")
    lines.append("Staff log in with a one-time code: `make totp EMAIL=anna@clinic.example` prints the current one.")
    return "\n".join(lines)
