"""How consultations learns an appointment's date and owner without importing bookings
(dependencies point one way): bookings registers a lookup when it starts, in its
``AppConfig.ready``::

    from consultations.appointments import appointment_lookup_register
    appointment_lookup_register(lambda *, client, appointment_id: <the session's local date, or
                                None if the appointment is not this client's>)

Without a registered lookup the health-update page opens for no appointment (404).
"""

from collections.abc import Callable
from datetime import date

_lookup: Callable[..., date | None] | None = None


def appointment_lookup_register(lookup: Callable[..., date | None]) -> None:
    global _lookup
    _lookup = lookup


def appointment_session_date(*, client, appointment_id: int) -> date | None:
    """The session's date (clinic zone) when the appointment is ``client``'s, else None.

    Raises ``LookupError`` when no lookup is registered."""
    if _lookup is None:
        raise LookupError("No appointment lookup registered.")
    return _lookup(client=client, appointment_id=appointment_id)
