"""Reads of before-and-after photos. Who may see a photo: the client whose photo it is, and
practitioners and managers (``VIEW_MEDICAL``; their reads are audited by the views and
services); never the front desk. The gallery: managers, photos with consent in force only.

Every function runs a fixed number of queries, whatever the number of photos."""

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404

from clinic import roles

from .models import PhotoConsent, PhotoUse, SessionPhoto, Stage

SHORT_LABELS = {PhotoUse.CLINICAL: "Clinical record", PhotoUse.EDUCATION: "Education", PhotoUse.MARKETING: "Marketing"}
# Photos taken before needling compare like with like (after needling the skin is red).
DEFAULT_COMPARE_STAGE = Stage.BEFORE


def may_see_photos(user) -> bool:
    """Staff who may see photos: practitioners and managers."""
    return roles.can(user, roles.Capability.VIEW_MEDICAL)


def _in_force(use: str):
    return Exists(PhotoConsent.objects.filter(photo=OuterRef("pk"), use=use, withdrawn_at__isnull=True))


def _with_consents(queryset):
    return queryset.prefetch_related(
        Prefetch(
            "consents",
            queryset=PhotoConsent.objects.select_related("given_by", "withdrawn_by").order_by("given_at", "pk"),
        )
    )


def photo_for_viewer(*, viewer, photo_id: int) -> SessionPhoto:
    """A photo the viewer may see: their own (a client), any (practitioners and managers).
    Another client's photo is a 404, like one that does not exist; the front desk is refused."""
    if roles.is_staff_member(viewer):
        if not may_see_photos(viewer):
            raise PermissionDenied("Photos are for practitioners and managers.")
        queryset = SessionPhoto.objects.all()
    else:
        queryset = SessionPhoto.objects.filter(client=viewer)
    photo = queryset.filter(pk=photo_id).select_related("client").first()
    if photo is None:
        raise Http404("No such photo.")
    return photo


def gallery_photo(*, viewer, photo_id: int, use: str) -> SessionPhoto:
    """A photo for the gallery of ``use``: managers only, and only while its consent is in force
    (a withdrawn photo is a 404 from the moment of the withdrawal)."""
    roles.require(viewer, roles.Capability.MANAGE_CLINIC)
    if use not in (PhotoUse.MARKETING, PhotoUse.EDUCATION):
        raise Http404("No such gallery.")
    photo = SessionPhoto.objects.filter(_in_force(use), pk=photo_id).select_related("client").first()
    if photo is None:
        raise Http404("No such photo.")
    return photo


def session_photos(*, appointment) -> list[SessionPhoto]:
    """The photos of one session with their consents (2 queries)."""
    return list(_with_consents(SessionPhoto.objects.filter(appointment=appointment)))


def consents_by_use(photo: SessionPhoto) -> dict[str, dict]:
    """For a photo whose consents were prefetched: per use, the consent in force (or None) and
    the history, oldest first."""
    found = {
        use: {"use": use, "label": label, "short": SHORT_LABELS[use], "current": None, "history": []}
        for use, label in PhotoUse.choices
    }
    for consent in photo.consents.all():
        found[consent.use]["history"].append(consent)
        if consent.withdrawn_at is None:
            found[consent.use]["current"] = consent
    return found


@dataclass
class SessionGroup:
    session_on: date
    appointment_id: int
    treatment_name: str
    photos: list[SessionPhoto] = field(default_factory=list)


def client_photo_sessions(*, client) -> list[SessionGroup]:
    """The client's own photos by session, newest session first, with every consent and its
    history (2 queries)."""
    photos = _with_consents(
        SessionPhoto.objects.filter(client=client).select_related("appointment__treatment")
    ).order_by("-session_on", "appointment_id", "area", "angle", "stage", "taken_at", "pk")
    groups: dict[int, SessionGroup] = {}
    for photo in photos:
        group = groups.get(photo.appointment_id)
        if group is None:
            group = groups[photo.appointment_id] = SessionGroup(
                session_on=photo.session_on,
                appointment_id=photo.appointment_id,
                treatment_name=photo.appointment.treatment.name,
            )
        photo.consent_rows = consents_by_use(photo)
        group.photos.append(photo)
    return list(groups.values())


def course_for_viewer(*, viewer, course_id: int):
    """A course whose photos the viewer may see: the client's own, or any for practitioners and
    managers; another client's is a 404, the front desk is refused."""
    from bookings.models import Course

    if roles.is_staff_member(viewer):
        if not may_see_photos(viewer):
            raise PermissionDenied("Photos are for practitioners and managers.")
        queryset = Course.objects.all()
    else:
        queryset = Course.objects.filter(client=viewer)
    course = queryset.filter(pk=course_id).select_related("client", "treatment").first()
    if course is None:
        raise Http404("No such course.")
    return course


@dataclass(frozen=True)
class GalleryItem:
    photo: SessionPhoto
    day: int  # days since the first photo of the same course, area and angle in the gallery


@dataclass
class GallerySeries:
    """The gallery's photos of one course, area and angle: before and after, side by side."""

    label: str
    stage_label: str
    items: list[GalleryItem]


def gallery(*, viewer, use: str) -> list[GallerySeries]:
    """Photos whose consent to ``use`` is in force, with no name: one series per course, area
    and angle, oldest first (1 query). Managers only."""
    roles.require(viewer, roles.Capability.MANAGE_CLINIC)
    photos = (
        SessionPhoto.objects.filter(_in_force(use))
        .select_related("appointment")
        .order_by("appointment__course_id", "area", "angle", "stage", "session_on", "taken_at", "pk")
    )
    series: dict[tuple, GallerySeries] = {}
    firsts: dict[tuple, date] = {}
    for photo in photos:
        key = (photo.appointment.course_id, photo.area, photo.angle, photo.stage)
        first = firsts.setdefault(key, photo.session_on)
        item = GalleryItem(photo=photo, day=(photo.session_on - first).days)
        if key not in series:
            series[key] = GallerySeries(label=photo.label, stage_label=photo.get_stage_display(), items=[])
        series[key].items.append(item)
    # Series with a before and an after first: those are what a gallery is for.
    return sorted(series.values(), key=lambda s: (len({i.day for i in s.items}) < 2,))


def gallery_count(use: str = PhotoUse.MARKETING) -> int:
    """How many photos may be used for ``use`` now (1 query, on the partial index)."""
    return PhotoConsent.objects.filter(use=use, withdrawn_at__isnull=True).count()
