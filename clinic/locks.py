"""Row locks on people, taken in one order (by primary key) so that two transactions locking
overlapping sets cannot deadlock.

Locking a user's row serialises the writes that read-then-write that person's data: a client's
bookings (the spacing rule reads their sessions and then writes one), their intake (two tabs, a
double click), their contact preferences. Every app locks people through this one helper; a lock
on other rows (an appointment) is taken after the people's, never before. (On SQLite
``select_for_update`` is a no-op: IMMEDIATE transactions serialise every writer.)
"""

from .models import User


def users_lock(*user_ids: int) -> list[User]:
    """Lock these users' rows for the rest of the transaction (stable order: by id) and return
    them fresh from the database. Must run inside ``transaction.atomic()``."""
    return list(User.objects.filter(pk__in=set(user_ids)).order_by("pk").select_for_update())
