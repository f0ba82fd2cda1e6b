"""The appointment lock of the booking services, taken after the client's (``clinic.locks``:
people first everywhere, by primary key, so two transactions cannot deadlock).

Locking the client's row serialises bookings for one client: the spacing rule reads the client's
sessions and then writes one, and two such transactions must not both pass the check.
"""

from clinic.locks import users_lock

from .models import Appointment


def appointment_lock(appointment_id: int) -> Appointment:
    """Lock one appointment, after its client (clients first everywhere: one lock order), and
    return it fresh from the database."""
    client_id = Appointment.objects.values_list("client_id", flat=True).get(pk=appointment_id)
    users_lock(client_id)
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("treatment", "client", "room")
        .get(pk=appointment_id)
    )
