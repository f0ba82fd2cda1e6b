"""What each app holds about a client, for the export and the erasure (``records``).

A registry filled in each app's ``AppConfig.ready()``: an app that adds a model with a foreign key
to a client (directly or through a chain of foreign keys) registers it here, in one line, with the
lookup from the model to the client, the section of the export it goes in, and what happens to it
when the client is forgotten. ``records`` reads the registry; it never needs to know the apps.

A model that points at users without being about a client (a staff member's calendar feed, the
admin's own log) is declared with ``client_data_exempt`` and the reason. The system check below
(and ``records/tests/test_export_registry.py``) walks every model: one with a path to the user
model that is neither registered nor exempt stops start-up, so a new model cannot forget the
export.
"""

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.db import models


class Erasure(StrEnum):
    """What happens to a model's rows when a manager confirms that a client is to be forgotten."""

    DELETE = "delete"  # what the law lets go: deleted at once (messages, contact, marketing)
    ANONYMISE = "anonymise"  # the row stays, its ``personal_fields`` blanked at once
    CLINICAL = "clinical"  # kept for the retention period after the last treatment, then deleted
    KEEP = "keep"  # nothing personal in it: kept, tied to the anonymised account (a course)
    CUSTOM = "custom"  # the entry's ``erase`` function does it (the user row, the audit log)


@dataclass(frozen=True)
class ExportFile:
    """A stored file that goes into the export's zip: the storage alias, its name there and the
    path it gets in the zip."""

    storage: str
    name: str
    path: str
    export: bool = True  # False: only deleted with its row (a photo's thumbnail)


@dataclass(frozen=True)
class ClientData:
    """One model's rows about a client.

    ``client_lookup``: the ORM path from the model to the client ("client", "intake__client", "pk"
    for the user model itself). ``section``: the key in the export's JSON. ``exclude``: fields left
    out of the export (secrets, internal bookkeeping). ``files(rows)``: the stored files of these
    rows (PDFs, photos) for the zip, and deleted with them. ``personal_fields``: what ANONYMISE
    blanks. ``rendered(rows)``: (path in the zip, bytes) of documents made on demand (a signed
    consent's PDF)."""

    model: type[models.Model]
    client_lookup: str
    section: str
    description: str
    erasure: Erasure
    exclude: tuple[str, ...] = ()
    personal_fields: tuple[str, ...] = ()
    files: Callable[[Iterable[models.Model]], list[ExportFile]] | None = None
    rendered: Callable[[Iterable[models.Model]], list[tuple[str, bytes]]] | None = None
    erase: Callable[..., None] | None = None
    order_by: tuple[str, ...] = ("pk",)

    def rows(self, client_id: int) -> models.QuerySet:
        return self.model._default_manager.filter(**{self.client_lookup: client_id}).order_by(*self.order_by)


@dataclass
class _Registry:
    entries: dict[str, ClientData] = field(default_factory=dict)
    exempt: dict[str, str] = field(default_factory=dict)


_registry = _Registry()


def client_data_register(entry: ClientData) -> None:
    """Register one model's rows about a client. Registering the same model again replaces its
    entry (``ready()`` can run twice in tests)."""
    _registry.entries[entry.model._meta.label_lower] = entry


def client_data_exempt(label: str, reason: str) -> None:
    """Declare that ``label`` ("app.model") points at users but holds nothing about a client."""
    _registry.exempt[label.lower()] = reason


def client_data_entries() -> list[ClientData]:
    """The registered entries, in the order of the installed apps and their models."""
    order = {model._meta.label_lower: n for n, model in enumerate(apps.get_models())}
    return sorted(_registry.entries.values(), key=lambda e: order.get(e.model._meta.label_lower, len(order)))


def client_data_exemptions() -> dict[str, str]:
    return dict(_registry.exempt)


def models_pointing_at_users() -> dict[str, list[str]]:
    """Every model with a path of foreign keys to the user model: label -> the paths (lookups such
    as "intake__client"). The user model itself is in it with the path "pk"."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    paths: dict[type[models.Model], list[str]] = {user_model: ["pk"]}
    changed = True
    while changed:  # follow chains until nothing new points (a fixpoint over the FK graph)
        changed = False
        for model in apps.get_models():
            for fk in model._meta.concrete_fields:
                if not fk.is_relation or fk.related_model is None or fk.related_model is model:
                    continue
                target = fk.related_model
                if target not in paths:
                    continue
                found = [fk.name if p == "pk" else f"{fk.name}__{p}" for p in paths[target] if p.count("__") < 3]
                known = paths.setdefault(model, [])
                for path in found:
                    if path not in known:
                        known.append(path)
                        changed = True
    return {model._meta.label_lower: sorted(found) for model, found in paths.items()}


def client_data_unsorted() -> list[str]:
    """Models with a path to the user model that are neither registered nor exempt."""
    sorted_labels = set(_registry.entries) | set(_registry.exempt)
    return sorted(label for label in models_pointing_at_users() if label not in sorted_labels)


@checks.register()
def client_data_check(app_configs=None, **kwargs):
    """Every model about a client is exported and erased, or says why not; each registered
    lookup leads to the user model."""
    errors = [
        checks.Error(
            f"{label} has a foreign key to a user but is not in the client data registry.",
            hint="Register it with clinic.client_data.client_data_register in its app's ready(), or "
            "declare with client_data_exempt why it holds nothing about a client.",
            id="clinic.E120",
        )
        for label in client_data_unsorted()
    ]
    pointing = models_pointing_at_users()
    for label, entry in _registry.entries.items():
        if entry.client_lookup not in pointing.get(label, []):
            errors.append(checks.Error(f"{label}: {entry.client_lookup!r} does not lead to a user.", id="clinic.E112"))
        if entry.erasure == Erasure.CUSTOM and entry.erase is None:
            errors.append(checks.Error(f"{label}: a custom erasure needs its erase function.", id="clinic.E113"))
    return errors


# --- The core's own entries (registered by ClinicConfig.ready) -----------------------------------


def _user_erase(*, client, rows, **kwargs) -> None:
    """The account: contact details gone, no login, no e-mail; the row stays so that the clinical
    records kept for the retention period still hang together."""
    from django.contrib.auth.hashers import make_password

    rows.update(
        email=f"erased-{client.pk}-{secrets.token_hex(6)}@erased.invalid",
        first_name="",
        last_name="",
        phone="",
        preferred_channel="email",
        is_active=False,
        password=make_password(None),
        last_login=None,
    )


def _audit_erase(*, client, rows, snapshot: dict, **kwargs) -> None:
    """The audit log keeps that things happened, not who to: the client is unlinked as subject
    and as actor, and descriptions that name them are blanked."""
    from .models import AuditEntry

    names = [value for value in (snapshot.get("email"), snapshot.get("full_name")) if value]
    naming = models.Q(subject_id=client.pk) | models.Q(actor_id=client.pk)
    naming |= models.Q(target_type=client._meta.label_lower, target_id=str(client.pk))
    for name in names:
        naming |= models.Q(target_repr__icontains=name)
    AuditEntry.objects.filter(naming).update(target_repr="")
    AuditEntry.objects.filter(actor_id=client.pk).update(actor=None, ip_address=None)
    AuditEntry.objects.filter(subject_id=client.pk).update(subject=None)


def _register_accounts() -> None:
    """The account, its marketing opt-ins, its messages and the access log."""
    from .models import AuditEntry, MarketingConsent, OutboundMessage, User

    client_data_register(
        ClientData(
            model=User,
            client_lookup="pk",
            section="profile",
            description="The client's account: name, contact details and how they want to hear from the clinic.",
            erasure=Erasure.CUSTOM,
            erase=_user_erase,
            exclude=("password", "is_superuser", "is_staff"),
        )
    )
    client_data_register(
        ClientData(
            model=MarketingConsent,
            client_lookup="person",
            section="marketing_consents",
            description="Opt-ins to marketing per channel: when and how given, when and how withdrawn.",
            erasure=Erasure.DELETE,
            exclude=("person",),
        )
    )
    client_data_register(
        ClientData(
            model=OutboundMessage,
            client_lookup="recipient",
            section="messages",
            description="Every message the clinic planned or sent to the client, with what it said.",
            erasure=Erasure.DELETE,
            exclude=("recipient", "lease_token", "lease_expires_at", "idempotency_key", "context"),
            order_by=("due_at", "pk"),
        )
    )
    client_data_register(
        ClientData(
            model=AuditEntry,
            client_lookup="subject",
            section="access_log",
            description="Who at the clinic read or changed the client's records, and when.",
            erasure=Erasure.CUSTOM,
            erase=_audit_erase,
            exclude=("subject", "ip_address", "details"),
            order_by=("at", "pk"),
        )
    )


def core_client_data_register() -> None:
    _register_accounts()
    # allauth's rows about a person.
    from allauth.account.models import EmailAddress, EmailConfirmation
    from allauth.mfa.models import Authenticator

    client_data_register(
        ClientData(
            model=EmailAddress,
            client_lookup="user",
            section="email_addresses",
            description="The client's login e-mail addresses and whether each was verified.",
            erasure=Erasure.DELETE,
            exclude=("user",),
        )
    )
    client_data_register(
        ClientData(
            model=EmailConfirmation,
            client_lookup="email_address__user",
            section="email_confirmations",
            description="When e-mail verification links were sent.",
            erasure=Erasure.DELETE,
            exclude=("key", "email_address"),
        )
    )
    client_data_register(
        ClientData(
            model=Authenticator,
            client_lookup="user",
            section="authenticators",
            description="Two-factor authenticators set up (their secrets are never exported).",
            erasure=Erasure.DELETE,
            exclude=("user", "data"),
        )
    )
    client_data_exempt("admin.logentry", "the Django admin's record of what staff edited (its user is staff)")
