"""Row locks taken by the booking services, always in the same order (by primary key) so that
two transactions locking overlapping sets cannot deadlock.

Locking the client's row serialises bookings for one client: the spacing rule reads the client's
sessions and then writes one, and two such transactions must not both pass the check. (On SQLite
``select_for_update`` is a no-op: IMMEDIATE transactions serialise every writer.)
"""

from clinic.models import User

from .models import Appointment


def clients_lock(client_ids) -> list[User]:
    """Lock the clients' rows for the rest of the transaction (stable order: by id)."""
    return list(User.objects.filter(pk__in=set(client_ids)).order_by("pk").select_for_update())


def appointment_lock(appointment_id: int) -> Appointment:
    """Lock one appointment, after its client (clients first everywhere: one lock order), and
    return it fresh from the database."""
    client_id = Appointment.objects.values_list("client_id", flat=True).get(pk=appointment_id)
    clients_lock([client_id])
    return (
        Appointment.objects.select_for_update(of=("self",)).select_related("treatment", "client").get(pk=appointment_id)
    )
