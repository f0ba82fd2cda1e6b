"""Panels other apps add to a course on the client's course page and the desk's client page.

bookings cannot import the apps above it (dependencies point one way), so they register a
builder when they start, in their ``AppConfig.ready``::

    from bookings.course_panels import course_panel_register
    course_panel_register("photos", builder)

A builder is called once per page with every course on it, ``builder(*, viewer, client,
course_ids)``, and returns ``{course_id: CoursePanel}`` for the courses it has something to
show for this viewer (nothing for a viewer who may not see it). It runs a fixed number of
queries, so that a page's query count does not grow with the courses on it.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CoursePanel:
    template: str
    context: dict = field(default_factory=dict)


CoursePanelBuilder = Callable[..., dict[int, CoursePanel]]

_builders: dict[str, CoursePanelBuilder] = {}


def course_panel_register(name: str, builder: CoursePanelBuilder) -> None:
    """Register (or replace, on a second ``ready``) the builder called ``name``."""
    _builders[name] = builder


def course_panel_registered(name: str) -> bool:
    return name in _builders


def course_panels(*, viewer, client, course_ids: Iterable[int]) -> dict[int, list[CoursePanel]]:
    """Every registered app's panels, by course id, in the order the apps registered."""
    ids = sorted({pk for pk in course_ids if pk is not None})
    found: dict[int, list[CoursePanel]] = {}
    if not ids:
        return found
    for builder in _builders.values():
        for course_id, panel in builder(viewer=viewer, client=client, course_ids=ids).items():
            found.setdefault(course_id, []).append(panel)
    return found
