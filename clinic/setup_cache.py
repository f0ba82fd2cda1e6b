"""A per-process cache of the clinic's set-up: its profile, and (registered by ``bookings``) the
opening hours, working hours, rooms and treatments that every calendar reads and that change a few
times a year.

Each process keeps the values it loaded beside a version token kept in the shared cache (Redis).
Saving or deleting any set-up row replaces the token (at once, and again when the transaction
commits, so a process that loaded the old rows meanwhile loads again), and the next read in every
process loads afresh. Appointments are never cached here: availability always reads them live, so
a time a booking took a moment ago is never offered.

If the shared cache is unreachable, every read goes to the database: slower, never stale.
"""

import contextvars
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "clinic-setup-version"

_values: dict[str, tuple[str, Any]] = {}
_lock = threading.Lock()
# Inside a request the token is read once (the first read) and kept for the rest of it: a page
# reads the set-up a few times, and each read would otherwise be a round trip to Redis.
_request_token: contextvars.ContextVar[str | None | bool] = contextvars.ContextVar("setup_token", default=False)


@contextmanager
def setup_cache_request() -> Iterator[None]:
    """Read the version token at most once during the block (one request)."""
    marker = _request_token.set(None)
    try:
        yield
    finally:
        _request_token.reset(marker)


def _token() -> str | None:
    memo = _request_token.get()
    if memo:
        return memo
    token = _shared_token()
    if memo is None and token is not None:
        _request_token.set(token)
    return token


def _shared_token() -> str | None:
    try:
        token = cache.get(VERSION_KEY)
        if token is None:
            cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
            token = cache.get(VERSION_KEY)
    except Exception:  # noqa: BLE001 (no shared cache: read the database every time)
        return None
    return token


def setup_cached(name: str, load: Callable[[], Any]) -> Any:
    """``load()``'s value, loaded once per process and set-up version. The value is shared by
    every caller in the process: treat it as read-only."""
    token = _token()
    if token is None:
        return load()
    with _lock:
        hit = _values.get(name)
    if hit is not None and hit[0] == token:
        return hit[1]
    value = load()
    with _lock:
        _values[name] = (token, value)
    return value


def _replace_token() -> None:
    if _request_token.get() is not False:
        _request_token.set(None)  # this request changed the set-up: read the token again
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:  # noqa: BLE001, S110 (no shared cache: nothing is cached either)
        pass


def setup_changed(**_signal_kwargs) -> None:
    """A set-up row changed (a signal receiver): every process reloads on its next read."""
    _replace_token()
    transaction.on_commit(_replace_token)


def _setup_updated(*, created: bool = False, **_signal_kwargs) -> None:
    if not created:
        setup_changed()


def setup_models_watch(*models, through=(), on_create: bool = True) -> None:
    """Invalidate the set-up cache whenever one of ``models`` is saved or deleted, or one of the
    ``through`` many-to-many relations changes. Called from each app's ``AppConfig.ready()``."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    for model in models:
        uid = f"setup_cache:{model._meta.label}"
        receiver = setup_changed if on_create else _setup_updated
        post_save.connect(receiver, sender=model, dispatch_uid=f"{uid}:save")
        post_delete.connect(setup_changed, sender=model, dispatch_uid=f"{uid}:delete")
    for relation in through:
        m2m_changed.connect(setup_changed, sender=relation, dispatch_uid=f"setup_cache:{relation._meta.label}:m2m")
