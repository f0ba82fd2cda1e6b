"""Sessions kept in the database and read from the shared cache (Redis).

Django's ``cached_db`` store, with one difference: the cached copy carries the instant the session
expires, checked on every read. ``cached_db`` trusts the cache entry's own timeout to end an idle
session; this store does not need to (a cache that keeps entries longer, or a clock moved by a
test, still sees the session end on time). The database row stays the record: a session missing
from the cache, or a cache that cannot be reached, is read from the database (a session is never
lost with Redis), and every save writes the row first.
"""

import logging

from asgiref.sync import sync_to_async
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.utils import timezone

logger = logging.getLogger("django.contrib.sessions")


class SessionStore(CachedDBStore):
    cache_key_prefix = "clinic.sessions.v1:"

    def load(self):
        try:
            cached = self._cache.get(self.cache_key)
        except Exception:  # noqa: BLE001 (no cache: the database has every session)
            cached = None
        if cached is not None:
            expires_at, data = cached
            if expires_at > timezone.now().timestamp():
                return data
        row = self._get_session_from_db()  # only a row that has not expired
        if not row:
            return {}
        data = self.decode(row.session_data)
        self._cache_copy(data, row.expire_date)
        return data

    def create_model_instance(self, data):
        row = super().create_model_instance(data)
        self._saved_expire_date = row.expire_date  # the instant the row says, to the microsecond
        return row

    def save(self, must_create=False):
        super(CachedDBStore, self).save(must_create)  # the database row (DBStore.save)
        self._cache_copy(self._session, self._saved_expire_date)

    # The app is served synchronously; the asynchronous entry points use the same code.
    async def aload(self):
        return await sync_to_async(self.load)()

    async def asave(self, must_create=False):
        return await sync_to_async(self.save)(must_create)

    def _cache_copy(self, data, expires_at) -> None:
        age = int((expires_at - timezone.now()).total_seconds())
        if age <= 0:
            return
        try:
            self._cache.set(self.cache_key, (expires_at.timestamp(), data), age)
        except Exception:  # noqa: BLE001 (the row is written; the next read goes to it)
            logger.exception("Could not keep the session in the cache (%s)", self._cache)
