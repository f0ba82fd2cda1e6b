"""Before and after, side by side: the same area and angle at two sessions of a course.

``course_compare`` loads a course's sessions and photos in two queries, whatever their number;
``pairs_for`` is plain Python over what it loaded."""

from dataclasses import dataclass
from datetime import date

from consultations.areas import Area

from .models import Angle, SessionPhoto, Stage

AREA_ORDER = {code: n for n, code in enumerate(Area.values)}
ANGLE_ORDER = {code: n for n, code in enumerate(Angle.values)}


@dataclass(frozen=True)
class CompareSession:
    appointment_id: int
    number: int  # the session's number in its course, 1-based
    session_on: date

    @property
    def label(self) -> str:
        return f"Session {self.number}"


@dataclass(frozen=True)
class ComparePair:
    area: str
    angle: str
    first: SessionPhoto | None
    second: SessionPhoto | None

    @property
    def label(self) -> str:
        return f"{Area(self.area).label} · {Angle(self.angle).label}"


@dataclass
class CourseCompare:
    course: object
    stage: str
    sessions: list[CompareSession]  # the sessions that have photos of this stage, in order
    first: CompareSession | None
    second: CompareSession | None
    pairs: list[ComparePair]
    photo_count: int  # every photo of the course, any stage

    @property
    def days_between(self) -> int | None:
        if self.first is None or self.second is None:
            return None
        return (self.second.session_on - self.first.session_on).days

    @property
    def stage_label(self) -> str:
        return Stage(self.stage).label

    @property
    def photos(self) -> list[SessionPhoto]:
        return [p for pair in self.pairs for p in (pair.first, pair.second) if p is not None]


def _latest_by_slot(photos: list[SessionPhoto]) -> dict[tuple[str, str], SessionPhoto]:
    """The last photo taken of each (area, angle) in one session: a retake wins."""
    found: dict[tuple[str, str], SessionPhoto] = {}
    for photo in sorted(photos, key=lambda p: (p.taken_at, p.pk)):
        found[(photo.area, photo.angle)] = photo
    return found


def pairs_for(first: list[SessionPhoto], second: list[SessionPhoto]) -> list[ComparePair]:
    """One pair per area and angle photographed at either session, in the catalogue's order of
    areas and the order of angles (front, left, right, 45° left, 45° right)."""
    a, b = _latest_by_slot(first), _latest_by_slot(second)
    slots = sorted(set(a) | set(b), key=lambda s: (AREA_ORDER.get(s[0], 99), ANGLE_ORDER.get(s[1], 99)))
    return [
        ComparePair(area=area, angle=angle, first=a.get((area, angle)), second=b.get((area, angle)))
        for area, angle in slots
    ]


def _chosen(sessions: list[CompareSession], first_id, second_id) -> tuple[CompareSession | None, CompareSession | None]:
    """Two sessions in date order: the ones asked for when both have photos, otherwise the
    first and the latest session with photos."""
    by_id = {s.appointment_id: s for s in sessions}
    picked = [by_id[i] for i in (first_id, second_id) if i in by_id]
    if len(picked) == 2 and picked[0] != picked[1]:
        first, second = sorted(picked, key=lambda s: (s.session_on, s.number))
        return first, second
    if not sessions:
        return None, None
    if len(sessions) == 1:
        return sessions[0], None
    return sessions[0], sessions[-1]


def _as_int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def course_compare(*, course, first_id=None, second_id=None, stage: str = Stage.BEFORE) -> CourseCompare:
    """The course's photos of ``stage`` at two sessions, paired by area and angle (2 queries).
    ``first_id`` and ``second_id`` are appointment ids as typed in an address: anything that is
    not a session of this course with photos falls back to the first and the latest."""
    from bookings.models import Appointment

    stage = stage if stage in Stage.values else Stage.BEFORE
    appointments = list(
        Appointment.objects.filter(course=course, status__in=Appointment.ACTIVE_STATUSES)
        .order_by("starts_at", "pk")
        .values_list("pk", flat=True)
    )
    numbers = {pk: n for n, pk in enumerate(appointments, start=1)}
    photos = list(SessionPhoto.objects.filter(appointment__course=course).order_by("session_on", "taken_at", "pk"))
    by_session: dict[int, list[SessionPhoto]] = {}
    sessions: dict[int, CompareSession] = {}
    for photo in photos:
        if photo.stage != stage or photo.appointment_id not in numbers:
            continue
        by_session.setdefault(photo.appointment_id, []).append(photo)
        sessions.setdefault(
            photo.appointment_id,
            CompareSession(
                appointment_id=photo.appointment_id, number=numbers[photo.appointment_id], session_on=photo.session_on
            ),
        )
    ordered = sorted(sessions.values(), key=lambda s: (s.session_on, s.number))
    first, second = _chosen(ordered, _as_int(first_id), _as_int(second_id))
    pairs = pairs_for(
        by_session.get(first.appointment_id, []) if first else [],
        by_session.get(second.appointment_id, []) if second else [],
    )
    return CourseCompare(
        course=course,
        stage=stage,
        sessions=ordered,
        first=first,
        second=second,
        pairs=pairs,
        photo_count=len(photos),
    )
