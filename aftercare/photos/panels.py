"""The photos panel under each course on bookings' course pages (the client's "My course" and
the desk's client page), registered in ``AftercareConfig.ready`` through
``bookings.course_panels``: a first-and-latest preview and a link to the comparison."""

from django.db.models import F
from django.urls import reverse

from bookings.course_panels import CoursePanel
from clinic import roles
from consultations.areas import area_labels

from .compare import pairs_for
from .models import SessionPhoto, Stage
from .selectors import may_see_photos

TEMPLATE = "aftercare/photos/_course_panel.html"


def _may_see(viewer, client) -> bool:
    if roles.is_staff_member(viewer):
        return may_see_photos(viewer)  # never the front desk
    return viewer.pk == client.pk


def course_photo_panels(*, viewer, client, course_ids) -> dict[int, CoursePanel]:
    """One panel per course with photos (1 query, whatever the number of courses and photos)."""
    if not _may_see(viewer, client):
        return {}
    photos = (
        SessionPhoto.objects.filter(client=client, appointment__course_id__in=list(course_ids))
        .annotate(
            course_id=F("appointment__course_id"),
            course_areas=F("appointment__course__areas"),
            treatment_name=F("appointment__treatment__name"),
        )
        .order_by("session_on", "taken_at", "pk")
    )
    by_course: dict[int, list[SessionPhoto]] = {}
    for photo in photos:
        by_course.setdefault(photo.course_id, []).append(photo)
    return {
        course_id: CoursePanel(
            template=TEMPLATE, context=_preview(course_id, found, staff=roles.is_staff_member(viewer))
        )
        for course_id, found in by_course.items()
    }


def _preview(course_id: int, photos: list[SessionPhoto], *, staff: bool) -> dict:
    """The same area and angle at the first and the latest session with photos (before
    needling when there are such photos)."""
    before = [p for p in photos if p.stage == Stage.BEFORE] or photos
    days = sorted({p.appointment_id: p.session_on for p in before}.items(), key=lambda item: (item[1], item[0]))
    first_id, first_on = days[0]
    last_id, last_on = days[-1]
    pairs = pairs_for(
        [p for p in before if p.appointment_id == first_id],
        [p for p in before if p.appointment_id == last_id] if last_id != first_id else [],
    )
    pair = next((p for p in pairs if p.first and p.second), pairs[0])
    return {
        "course_id": course_id,
        "course_label": f"{photos[0].treatment_name}: {area_labels(photos[0].course_areas).lower()}",
        "photo_count": len(photos),
        "session_count": len({p.appointment_id for p in photos}),
        "pair": pair,
        "stage_label": (pair.first or pair.second).get_stage_display().lower(),
        "first_on": first_on,
        "second_on": last_on if last_id != first_id else None,
        "days_between": (last_on - first_on).days if last_id != first_id else None,
        "compare_url": reverse("photos_course", args=[course_id]),
        "staff": staff,
    }
