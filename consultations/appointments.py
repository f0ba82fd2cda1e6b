"""How consultations learns an appointment's date and owner without importing bookings
(dependencies point one way): bookings registers a lookup when it starts, in its
``AppConfig.ready``::

    from consultations.appointments import appointment_lookup_register
    appointment_lookup_register(lambda *, client, appointment_id: <the session's local date, or
                                None if the appointment is not this client's>)

Without a registered lookup the health-update page opens for no appointment (404).

A second lookup, ``appointment_starts_at_register``, gives an appointment's start (for the
practitioner's health-change alert); without one the alert simply names no time.
"""

from collections.abc import Callable
from datetime import date, datetime

_lookup: Callable[..., date | None] | None = None
_starts_at: Callable[..., datetime | None] | None = None


def appointment_lookup_register(lookup: Callable[..., date | None]) -> None:
    global _lookup
    _lookup = lookup


def appointment_session_date(*, client, appointment_id: int) -> date | None:
    """The session's date (clinic zone) when the appointment is ``client``'s, else None.

    Raises ``LookupError`` when no lookup is registered."""
    if _lookup is None:
        raise LookupError("No appointment lookup registered.")
    return _lookup(client=client, appointment_id=appointment_id)


def appointment_starts_at_register(lookup: Callable[..., datetime | None]) -> None:
    global _starts_at
    _starts_at = lookup


def appointment_starts_at(*, appointment_id: int) -> datetime | None:
    """When the appointment starts, or None (no such appointment, or no lookup registered)."""
    return _starts_at(appointment_id=appointment_id) if _starts_at is not None else None
