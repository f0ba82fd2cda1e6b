"""Panels other apps add to the desk's appointment and client pages (payments: the session's
price, the balance, taking money).

bookings cannot import the apps above it, so they register a builder in their
``AppConfig.ready``::

    from bookings.desk_panels import desk_panel_register
    desk_panel_register("appointment", "payments", builder)

A builder is ``builder(*, viewer, client, appointment=None, request=None)`` and returns a
``CoursePanel`` (a template and its context) or None when it has nothing for this viewer. It runs
a fixed number of queries.
"""

from collections.abc import Callable

from .course_panels import CoursePanel

PAGES = ("appointment", "client")

_builders: dict[str, dict[str, Callable[..., CoursePanel | None]]] = {page: {} for page in PAGES}


def desk_panel_register(page: str, name: str, builder: Callable[..., CoursePanel | None]) -> None:
    """Register (or replace, on a second ``ready``) ``name``'s builder for ``page``."""
    if page not in _builders:
        raise ValueError(f"No desk page {page!r}; one of {', '.join(PAGES)}.")
    _builders[page][name] = builder


def desk_panels(page: str, *, viewer, client, appointment=None, request=None) -> list[CoursePanel]:
    panels = []
    for builder in _builders[page].values():
        panel = builder(viewer=viewer, client=client, appointment=appointment, request=request)
        if panel is not None:
            panels.append(panel)
    return panels
