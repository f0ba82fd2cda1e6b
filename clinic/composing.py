"""Turning an outbox row into the words that are sent: subject, plain text, HTML, SMS text and
attachments.

Wording lives in template files, one folder per kind under ``templates/messages/<kind>/``:
``subject.txt``, ``body.txt``, ``body.html`` and ``sms.txt``. They are rendered in the clinic's
time zone, with these names available:

- ``unsubscribe_url`` for marketing kinds (``clinic.consent``): their templates must show it;
- ``clinic`` (the ClinicProfile: name, address, phone, e-mail), ``recipient``, ``message``;
- every key of the row's ``context`` (keys ending in ``_at`` come back as aware datetimes, ``_on``,
  ``_date`` and ``_until`` as dates, keys ending in ``_url`` that are paths become absolute links on
  ``settings.CLINIC_SITE_URL``);
- whatever the kind's content builders return (with the same treatment of ``_url`` paths).

Content builders are how the apps above clinic fill in what clinic cannot know (the appointment,
the aftercare plan) without clinic importing them: each app registers its kinds and their builders
``builder(message) -> dict`` in ``clinic.message_kinds`` when it starts. A builder's dict is merged into the template context; two keys are special:

- ``"attachments"``: a list of ``Attachment`` (file name, bytes, MIME type) added to the e-mail;
- ``"skip"``: a reason; the message is not sent and is marked skipped with that reason (the
  appointment was cancelled meanwhile, the next session is already booked...).

Files already stored can also be attached without a builder: put
``{"attachments": [{"storage": "private", "name": "aftercare/12.pdf", "filename": "Aftercare.pdf",
"mimetype": "application/pdf"}]}`` in the row's context.
"""

from dataclasses import dataclass, field
from datetime import UTC

from django.conf import settings
from django.core.files.storage import storages
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from .consent import is_marketing, unsubscribe_path
from .message_kinds import content_builders
from .models import ClinicProfile, OutboundMessage

# Context keys with these endings hold dates (ISO strings in the JSON).
DATE_SUFFIXES = ("_on", "_date", "_until")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str


@dataclass
class ComposedMessage:
    subject: str = ""
    text: str = ""
    html: str = ""
    sms: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    skip: str = ""  # a reason not to send it at all
    headers: dict = field(default_factory=dict)  # extra e-mail headers (List-Unsubscribe)


def absolute_url(path: str) -> str:
    """A link a person can click in an e-mail: ``path`` on the clinic's public address."""
    if path.startswith(("http://", "https://")):
        return path
    return settings.CLINIC_SITE_URL.rstrip("/") + "/" + path.lstrip("/")


def _aware_datetime(value: str):
    """An ISO string as an aware datetime, or None if it is not one. A time without an offset
    is read as UTC (how the app stores times): rendered naive, it would show the UTC clock as if
    it were the clinic's."""
    try:
        parsed = parse_datetime(value)
    except ValueError:  # well formed but impossible, such as 30 February
        return None
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, UTC)
    return parsed


def _context_values(raw: dict) -> dict:
    values = {}
    for key, value in raw.items():
        if key.endswith("_at") and isinstance(value, str):
            parsed = _aware_datetime(value)
            value = parsed if parsed is not None else value
        elif key.endswith(DATE_SUFFIXES) and isinstance(value, str):
            try:
                parsed = parse_date(value) or parse_datetime(value)
            except ValueError:
                parsed = None
            value = parsed if parsed is not None else value
        elif key.endswith("_url") and isinstance(value, str) and value.startswith("/"):
            value = absolute_url(value)
        values[key] = value
    return values


def _stored_attachments(specs) -> list[Attachment]:
    attachments = []
    for spec in specs or []:
        storage = storages[spec.get("storage", "private")]
        with storage.open(spec["name"], "rb") as handle:
            content = handle.read()
        attachments.append(
            Attachment(
                filename=spec.get("filename") or spec["name"].rsplit("/", 1)[-1],
                content=content,
                mimetype=spec.get("mimetype", "application/octet-stream"),
            )
        )
    return attachments


def render_plain_text(template_name: str, context: dict) -> str:
    """Render a plain-text template without HTML escaping: a name like O'Neill must reach an SMS
    or a text e-mail as typed, not as ``O&#x27;Neill``. (HTML bodies keep autoescaping.)"""
    return get_template(template_name).template.render(Context(context, autoescape=False))


def _strip_blank_lines(text: str) -> str:
    """Template tags leave runs of blank lines in plain text; keep at most one."""
    lines, blank = [], 0
    for line in text.strip().splitlines():
        blank = blank + 1 if not line.strip() else 0
        if blank <= 1:
            lines.append(line.rstrip())
    return "\n".join(lines) + "\n"


def message_compose(*, message: OutboundMessage, clinic: ClinicProfile | None = None) -> ComposedMessage:
    """Render ``message`` with its kind's templates and builders. Raises whatever a builder or a
    template raises (the dispatcher records it as the attempt's error and retries)."""
    clinic = clinic or ClinicProfile.get()
    raw_context = dict(message.context or {})
    stored = raw_context.pop("attachments", None)
    context = {
        "clinic": clinic,
        "recipient": message.recipient,
        "message": message,
        "site_url": settings.CLINIC_SITE_URL.rstrip("/"),
        "dashboard_url": absolute_url(reverse("dashboard")),
        "preferences_url": absolute_url(reverse("my_messages")),
        **_context_values(raw_context),
    }
    headers = {}
    if is_marketing(message.kind):
        # A link that works without logging in, and RFC 8058 one-click for mail programs.
        context["unsubscribe_url"] = absolute_url(unsubscribe_path(person=message.recipient))
        headers = {
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    attachments = _stored_attachments(stored)
    for builder in content_builders(message.kind):
        extra = dict(builder(message) or {})
        if extra.get("skip"):
            return ComposedMessage(skip=str(extra["skip"]))
        attachments.extend(extra.pop("attachments", []) or [])
        context.update(_context_values(extra))
    folder = f"messages/{message.kind}"
    # A builder may give the clinic as met at one location (its address and time zone).
    with timezone.override(context["clinic"].tz):
        subject = " ".join(render_plain_text(f"{folder}/subject.txt", context).split())
        return ComposedMessage(
            subject=subject[:200],
            text=_strip_blank_lines(render_plain_text(f"{folder}/body.txt", context)),
            html=render_to_string(f"{folder}/body.html", context),
            sms=" ".join(render_plain_text(f"{folder}/sms.txt", context).split()),
            attachments=attachments,
            headers=headers,
        )
