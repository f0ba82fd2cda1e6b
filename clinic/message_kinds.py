"""The registry of message kinds: which kinds exist, what they are called in the log, and the
content builders that fill in what clinic cannot know itself (the appointment, the aftercare plan's
PDF).

clinic sits below the apps that send messages, so it lists none of their kinds: each app registers
its own in its ``AppConfig.ready()`` (``<app>/messages.py``)::

    message_kind_register("reminder", "Reminder with pre-care (48 hours before)",
                          builders=[appointment_message_content], time_bound=True)
    message_content_register("aftercare", aftercare_message_content)   # a builder for another app's kind

A builder is ``builder(message) -> dict``, merged into the template context when the message is
composed (``clinic.composing``). A kind whose words need nothing beyond the row's own context says
so with ``context_only=True``. The system check ``clinic.E110``-``E112`` fails at start-up when a kind has
no builder (and is not context-only), when a builder names a kind nobody registered, or when a kind
lacks one of its four template files: a typo fails before the first message, not at send time.

Attributes that clinic's own pages and dispatcher act on:

- ``clinical``: the words are clinical (a practitioner's note, an aftercare plan): only staff who may
  read medical answers see them in the log;
- ``time_bound``: the message is about a moment and goes stale if sent late (``clinic.staleness``);
- ``marketing``: sent only with a current opt-in for its channel, with an unsubscribe link
  (``clinic.consent``).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.checks import Error, register
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

TEMPLATE_FILES = ("subject.txt", "body.txt", "body.html", "sms.txt")

Builder = Callable[..., dict]


@dataclass
class MessageKind:
    code: str
    label: str
    builders: list[Builder] = field(default_factory=list)
    context_only: bool = False
    clinical: bool = False
    time_bound: bool = False
    marketing: bool = False


_kinds: dict[str, MessageKind] = {}
# Builders registered for a kind before (or without) its registration: checked at start-up.
_orphan_builders: dict[str, list[Builder]] = {}


def message_kind_register(
    code: str,
    label: str,
    *,
    builders=(),
    context_only: bool = False,
    clinical: bool = False,
    time_bound: bool = False,
    marketing: bool = False,
) -> MessageKind:
    """Register a kind (idempotent: registering the same code again replaces its description and
    keeps builders added by other apps)."""
    kind = MessageKind(
        code, label, [], context_only=context_only, clinical=clinical, time_bound=time_bound, marketing=marketing
    )
    previous = _kinds.get(code)
    extra = _orphan_builders.pop(code, [])
    for builder in [*builders, *(previous.builders if previous else []), *extra]:
        if builder not in kind.builders:
            kind.builders.append(builder)
    _kinds[code] = kind
    return kind


def message_content_register(code: str, builder: Builder) -> None:
    """Add a content builder to a kind (possibly another app's, registered before or after)."""
    kind = _kinds.get(code)
    target = kind.builders if kind is not None else _orphan_builders.setdefault(code, [])
    if builder not in target:
        target.append(builder)


def message_kind(code: str) -> MessageKind | None:
    return _kinds.get(code)


def message_kinds() -> list[MessageKind]:
    return list(_kinds.values())


def message_kind_label(code: str) -> str:
    """How the log names a kind; an unknown code (an app that was removed) shows as itself."""
    kind = _kinds.get(code)
    return kind.label if kind is not None else code.replace("_", " ").capitalize()


def content_builders(code: str) -> list[Builder]:
    kind = _kinds.get(code)
    return list(kind.builders) if kind is not None else []


def clinical_kinds() -> frozenset[str]:
    return frozenset(code for code, kind in _kinds.items() if kind.clinical)


def time_bound_kinds() -> frozenset[str]:
    return frozenset(code for code, kind in _kinds.items() if kind.time_bound)


def marketing_kinds() -> frozenset[str]:
    return frozenset(code for code, kind in _kinds.items() if kind.marketing)


@register()
def message_kinds_complete(app_configs=None, **kwargs) -> list[Error]:
    errors = []
    for code, builders in _orphan_builders.items():
        names = ", ".join(f"{b.__module__}.{b.__qualname__}" for b in builders)
        errors.append(
            Error(
                f"Content builders ({names}) are registered for the message kind {code!r}, which no app registers.",
                hint="Register the kind with message_kind_register() in its app's AppConfig.ready().",
                id="clinic.E111",
            )
        )
    for kind in _kinds.values():
        if not kind.builders and not kind.context_only:
            errors.append(
                Error(
                    f"The message kind {kind.code!r} has no content builder.",
                    hint="Register one with message_content_register(), or pass context_only=True if the row's "
                    "context holds everything its templates use.",
                    id="clinic.E110",
                )
            )
        for name in TEMPLATE_FILES:
            try:
                get_template(f"messages/{kind.code}/{name}")
            except TemplateDoesNotExist:
                errors.append(
                    Error(
                        f"The message kind {kind.code!r} has no template messages/{kind.code}/{name}.", id="clinic.E112"
                    )
                )
    return errors
