"""Text messages behind a small backend interface, like Django's e-mail backends.

``settings.SMS_BACKEND`` names the class: ``ConsoleSMSBackend`` for ``make run`` (prints each text
to the worker's log), ``LocmemSMSBackend`` for tests (keeps them in ``clinic.sms.outbox``). A real
gateway is one more subclass with ``send_messages``, and it must give up on every network request
after ``self.timeout`` seconds (pass it to the HTTP client): the dispatcher builds the backend with
``settings.OUTBOX_SEND_TIMEOUT_SECONDS`` so that no send outlives its lease.
"""

import sys
import threading
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

# Texts "sent" by LocmemSMSBackend, in order (tests read and clear it, like django.core.mail.outbox).
outbox: list["TextMessage"] = []


@dataclass(frozen=True)
class TextMessage:
    to: str
    body: str
    message_id: int | None = None  # the outbox row, for tracing


class BaseSMSBackend:
    """Sends text messages. ``send_messages`` returns how many went out and raises on failure;
    each request to the gateway gives up after ``timeout`` seconds (raising)."""

    def __init__(self, *, timeout: float | None = None):
        self.timeout = settings.OUTBOX_SEND_TIMEOUT_SECONDS if timeout is None else timeout

    def send_messages(self, messages: list[TextMessage]) -> int:
        raise NotImplementedError


class ConsoleSMSBackend(BaseSMSBackend):
    """Writes each text to a stream (stdout by default): the demo's "phone"."""

    def __init__(self, stream=None, *, timeout: float | None = None):
        super().__init__(timeout=timeout)
        self.stream = stream or sys.stdout
        self._lock = threading.Lock()

    def send_messages(self, messages: list[TextMessage]) -> int:
        with self._lock:
            for text in messages:
                self.stream.write(f"SMS to {text.to}\n{text.body}\n{'-' * 40}\n")
            self.stream.flush()
        return len(messages)


class LocmemSMSBackend(BaseSMSBackend):
    """Keeps texts in ``clinic.sms.outbox`` (tests)."""

    def send_messages(self, messages: list[TextMessage]) -> int:
        outbox.extend(messages)
        return len(messages)


def sms_backend(*, timeout: float | None = None) -> BaseSMSBackend:
    """The configured backend; ``timeout`` (seconds per gateway request) defaults to
    ``settings.OUTBOX_SEND_TIMEOUT_SECONDS``."""
    return import_string(settings.SMS_BACKEND)(timeout=timeout)
