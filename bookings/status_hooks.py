"""What other apps do when a session ends: completed, a no-show, cancelled.

bookings cannot import the apps above it (payments uses a prepaid session or charges the
session), so they register a hook in their ``AppConfig.ready``::

    from bookings.status_hooks import status_hook_register
    status_hook_register("completed", on_session_completed)

A hook is ``hook(*, appointment, by)``; it runs inside the status change's transaction with the
appointment locked (after its client), so what it writes commits or rolls back with the change,
and a ``ValidationError`` it raises refuses the change.
"""

from collections.abc import Callable

EVENTS = ("completed", "no_show", "cancelled")

_hooks: dict[str, list[Callable[..., None]]] = {event: [] for event in EVENTS}


def status_hook_register(event: str, hook: Callable[..., None]) -> None:
    """Register ``hook`` for ``event`` (idempotent: ``ready()`` can run twice in tests)."""
    if event not in _hooks:
        raise ValueError(f"No status event {event!r}; one of {', '.join(EVENTS)}.")
    if hook not in _hooks[event]:
        _hooks[event].append(hook)


def status_hooks_run(event: str, *, appointment, by) -> None:
    for hook in _hooks[event]:
        hook(appointment=appointment, by=by)
