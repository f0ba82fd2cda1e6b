"""The proposed dates for the rest of a course, as a course panel (``bookings.course_panels``) on
the client's "My course" page and the desk's client page: each session still to book, on a
date inside its window and free now, with a link to confirm it (the client's own booking flow,
or the desk's for this client). Proposes only; the confirmation page books, with every rule
checked again."""

from urllib.parse import urlencode

from django.urls import reverse

from .course_panels import CoursePanel
from .models import Course, Practitioner
from .selectors.course_plan import course_plan

TEMPLATE = "bookings/_course_plan_panel.html"


def _confirm_url(course: Course, slot, *, client, online: bool) -> str:
    query = urlencode(
        [("areas", code) for code in course.areas]
        + [("starts_at", slot.starts_at.isoformat()), ("practitioner", slot.practitioner_id), ("room", slot.room_id)]
    )
    slug = course.treatment.slug
    if online:
        return f"{reverse('book_confirm', kwargs={'slug': slug})}?{query}"
    return f"{reverse('desk_book_confirm', kwargs={'client_id': client.pk, 'slug': slug})}?{query}"


def course_plan_panels(*, viewer, client, course_ids) -> dict[int, CoursePanel]:
    """A panel for the client's current course: the most recent open one with sessions left to
    book (one plan per page, so the page's queries do not grow with the courses on it). The
    client sees the dates their own online booking allows (notice, horizon); the desk sees the
    clinic's."""
    online = viewer.pk == client.pk
    current = (
        Course.objects.filter(pk__in=course_ids, client=client, status=Course.Status.OPEN)
        .select_related("treatment")
        .order_by("-created_at", "-pk")
        .first()
    )
    plans = {current: course_plan(course=current, online=online)} if current is not None else {}
    names = {
        p.pk: p
        for p in Practitioner.objects.filter(
            pk__in={s.slot.practitioner_id for plan in plans.values() for s in plan if s.slot}
        ).select_related("user")
    }
    panels = {}
    for course, plan in plans.items():
        if not plan:
            continue
        proposals = [
            {
                "proposal": proposed,
                "practitioner": names.get(proposed.slot.practitioner_id) if proposed.slot else None,
                "url": _confirm_url(course, proposed.slot, client=client, online=online) if proposed.slot else "",
            }
            for proposed in plan
        ]
        panels[course.pk] = CoursePanel(
            template=TEMPLATE, context={"course": course, "proposals": proposals, "for_client": online}
        )
    return panels
