"""The one write of the front desk's own: a new client taken on the phone."""

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from clinic import roles
from clinic.audit import audit_record
from clinic.models import User


def client_create_by_staff(
    *, first_name: str, last_name: str, email: str, phone: str, created_by, request=None
) -> User:
    """Make a client account for someone booking by phone: the client role, an unverified
    e-mail (they set a password with "forgot password" when they want to log in), no usable
    password. Raises ``ValidationError`` for an e-mail already in use or a member of staff
    without the right to book for clients."""
    roles.require(created_by, roles.Capability.BOOK_FOR_CLIENT)
    email = User.objects.normalize_email(email).lower().strip()
    taken = ValidationError({"email": "Someone already has an account with this e-mail: search for them instead."})
    with transaction.atomic():
        if User.objects.filter(email__iexact=email).exists():
            raise taken
        try:
            # Two desks adding the same caller at once (or a double click): the unique e-mail
            # refuses the second; it gets the same message, not an error page.
            with transaction.atomic():
                client = User.objects.create_user(
                    email=email,
                    password=None,
                    first_name=first_name.strip(),
                    last_name=last_name.strip(),
                    phone=phone.strip(),
                )
        except IntegrityError as error:
            raise taken from error
        client.groups.add(Group.objects.get_or_create(name=roles.Role.CLIENT)[0])
        EmailAddress.objects.create(user=client, email=email, verified=False, primary=True)
        audit_record(actor=created_by, action="client.created_by_staff", target=client, request=request, subject=client)
    return client
