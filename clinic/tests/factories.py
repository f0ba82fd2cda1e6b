import factory
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import generate_totp_secret
from allauth.mfa.utils import encrypt
from django.contrib.auth.models import Group

from clinic import roles
from clinic.models import User

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    phone = factory.Sequence(lambda n: f"+44 7700 9{n:05d}")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        _add_role(self, create, extracted)


def _add_role(user, create, role):
    if create and role:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        roles.forget_roles(user)


def _role_default(role):
    """A post-generation hook that gives the user `role` unless the test names another."""

    def hook(obj, create, extracted, **kwargs):
        _add_role(obj, create, extracted or role)

    return factory.PostGeneration(hook)


class ClientFactory(UserFactory):
    role = _role_default(roles.Role.CLIENT)


class StaffFactory(UserFactory):
    """A member of staff with TOTP set up (the secret is kept on the object as `totp_secret`)."""

    role = _role_default(roles.Role.FRONT_DESK)

    @factory.post_generation
    def mfa(self, create, extracted, **kwargs):
        if create and extracted is not False:
            self.totp_secret = generate_totp_secret()
            Authenticator.objects.create(
                user=self, type=Authenticator.Type.TOTP, data={"secret": encrypt(self.totp_secret)}
            )


class FrontDeskFactory(StaffFactory):
    role = _role_default(roles.Role.FRONT_DESK)


class PractitionerFactory(StaffFactory):
    role = _role_default(roles.Role.PRACTITIONER)


class ManagerFactory(StaffFactory):
    role = _role_default(roles.Role.MANAGER)


def log_in(client, user) -> None:
    """Sign ``user`` in on a test client, with the session the real login leaves behind: the
    password step and, for someone with TOTP, the TOTP step recorded in it (the staff-MFA
    middleware opens no staff page to a session without it). A member of staff created with
    ``mfa=False`` has no TOTP step, as in real life, and is sent to set TOTP up."""
    from allauth.account.internal.flows.login import record_authentication
    from django.http import HttpRequest

    client.force_login(user)
    request = HttpRequest()
    request.session = client.session
    record_authentication(request, user, "password", email=user.email)
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if totp is not None:
        record_authentication(request, user, "mfa", id=totp.pk, type=totp.type)
    request.session.save()
