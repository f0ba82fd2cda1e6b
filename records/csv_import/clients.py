"""Clients from another system's file: matched by e-mail or phone, created in bulk with the client
role, an unverified e-mail address, their marketing opt-ins and an invitation in the outbox."""

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from clinic import roles
from clinic.models import MarketingConsent, OutboundMessage, User

from ..messages import ACCOUNT_INVITATION
from .reading import CREATED, MATCHED, REFUSED, Column, ImportReport, phone_key, yes_no

CLIENT_COLUMNS = {
    "email": Column(
        ("email", "e mail", "email address", "e mail address", "client email", "customer email"),
        "the client's e-mail address (required: clients log in with it)",
    ),
    "first_name": Column(("first name", "firstname", "given name", "forename", "first"), "first name"),
    "last_name": Column(("last name", "lastname", "surname", "family name", "last"), "last name"),
    "name": Column(
        ("name", "full name", "client name", "customer name", "client"),
        "the whole name, when there are no first and last name columns",
    ),
    "phone": Column(
        ("phone", "mobile", "mobile phone", "mobile number", "phone number", "telephone", "tel", "cell"),
        "phone number (optional; also used to match)",
    ),
    "marketing_email": Column(
        ("marketing email", "email marketing", "accepts email marketing", "email opt in", "email consent"),
        "yes/no: agreed to marketing by e-mail in the previous system (optional)",
    ),
    "marketing_sms": Column(
        ("marketing sms", "sms marketing", "accepts sms marketing", "sms opt in", "sms consent"),
        "yes/no: agreed to marketing by text (optional)",
    ),
}
CLIENT_REQUIRED = (("email",), ("first_name", "last_name", "name"))


def existing_people(emails: set[str], phones: set[str]):
    by_email, by_phone = {}, {}
    email_list = sorted(emails)
    for start in range(0, len(email_list), 2000):
        for user in User.objects.filter(email__in=email_list[start : start + 2000]):
            by_email[user.email] = user
    if phones:
        for user in User.objects.exclude(phone="").only("pk", "email", "phone", "first_name", "last_name"):
            key = phone_key(user.phone)
            if key in phones:
                by_phone.setdefault(key, user)
    return by_email, by_phone


def _client_values(values: dict) -> dict:
    email = values.get("email", "").strip().lower()
    if not email:
        raise ValidationError("No e-mail address: clients log in with theirs, so it is needed.")
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(f"“{values.get('email')}” is not an e-mail address.") from None
    first, last = values.get("first_name", ""), values.get("last_name", "")
    if not (first or last) and values.get("name"):
        first, _, last = values["name"].strip().rpartition(" ")
        if not first:
            first, last = last, ""
    if not (first or last):
        raise ValidationError("No name.")
    if len(first) > 150 or len(last) > 150:
        raise ValidationError("The name is longer than 150 characters.")
    phone = values.get("phone", "")
    if phone and (len(phone) > 32 or not phone_key(phone)):
        raise ValidationError(f"“{phone}” is not a phone number.")
    marketing = set()
    if yes_no(values.get("marketing_email", ""), "marketing e-mail"):
        marketing.add("email")
    if yes_no(values.get("marketing_sms", ""), "marketing SMS"):
        if not phone:
            raise ValidationError("Marketing by text is ticked but there is no phone number.")
        marketing.add("sms")
    return {
        "email": email,
        "first_name": first.strip(),
        "last_name": last.strip(),
        "phone": phone,
        "marketing": marketing,
    }


def import_clients(rows, report: ImportReport, *, imported_by) -> None:
    parsed = []
    for line, values in rows:
        try:
            parsed.append((line, _client_values(values)))
        except ValidationError as exc:
            report.add(line, REFUSED, values.get("email") or values.get("name") or "", " ".join(exc.messages))
    by_email, by_phone = existing_people(
        {p["email"] for _, p in parsed}, {phone_key(p["phone"]) for _, p in parsed if p["phone"]}
    )
    staff_ids = set(
        User.objects.filter(groups__name__in=[role.value for role in roles.STAFF_ROLES]).values_list("pk", flat=True)
    )
    in_file: dict[str, int] = {}
    new_people = []
    for line, person in parsed:
        label = f"{person['first_name']} {person['last_name']} <{person['email']}>".strip()
        if person["email"] in in_file:
            report.add(line, MATCHED, label, f"The same person as line {in_file[person['email']]} of this file.")
            continue
        existing = by_email.get(person["email"])
        phone_match = by_phone.get(phone_key(person["phone"])) if person["phone"] else None
        if existing is None and phone_match is not None and phone_match.email != person["email"]:
            if phone_match.pk in staff_ids:
                report.add(line, REFUSED, label, "This phone number belongs to a member of staff.")
            else:
                report.add(line, MATCHED, label, f"Matched by phone to the client with e-mail {phone_match.email}.")
            in_file[person["email"]] = line
            continue
        if existing is not None:
            if existing.pk in staff_ids:
                report.add(line, REFUSED, label, "This e-mail address belongs to a member of staff.")
            else:
                report.add(line, MATCHED, label, "Already a client (same e-mail).")
            in_file[person["email"]] = line
            continue
        in_file[person["email"]] = line
        new_people.append((line, label, person))
    _clients_create(new_people, report, imported_by=imported_by)


def _clients_create(new_people, report: ImportReport, *, imported_by) -> None:
    """Create the new clients in bulk (a few queries per thousand), each with the client role, an
    unverified e-mail address, their marketing consents and an invitation in the outbox."""
    if not new_people:
        return
    unusable = make_password(None)
    now = timezone.now()
    users = User.objects.bulk_create(
        [
            User(
                email=p["email"],
                first_name=p["first_name"],
                last_name=p["last_name"],
                phone=p["phone"],
                preferred_channel="email",
                password=unusable,
                date_joined=now,
            )
            for _, _, p in new_people
        ],
        batch_size=1000,
    )
    group = Group.objects.get(name=roles.Role.CLIENT.value)
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=user.pk, group_id=group.pk) for user in users], batch_size=2000
    )
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=user, email=user.email, verified=False, primary=True) for user in users], batch_size=2000
    )
    consents = [
        MarketingConsent(person=user, channel=channel, given_at=now, given_via=MarketingConsent.Via.IMPORT)
        for user, (_, _, p) in zip(users, new_people, strict=True)
        for channel in sorted(p["marketing"])
    ]
    MarketingConsent.objects.bulk_create(consents, batch_size=2000)
    OutboundMessage.objects.bulk_create(
        [
            OutboundMessage(
                kind=ACCOUNT_INVITATION,
                recipient=user,
                channel=OutboundMessage.Channel.EMAIL,
                idempotency_key=f"import-invitation:{user.pk}",
                due_at=now,
                essential=True,
            )
            for user in users
        ],
        batch_size=2000,
    )
    for (line, label, _), _user in zip(new_people, users, strict=True):
        report.add(line, CREATED, label, "New client; invited by e-mail to set a password and fill in the intake.")
