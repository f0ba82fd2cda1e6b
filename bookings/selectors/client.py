"""Reads for the client's own pages: their appointments, their courses and their waitlist.

Everything is filtered by the client first, so another client's id never reaches a row. Each
function runs a fixed number of queries (tests in ``tests/test_screens_client.py``)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from clinic.models import ClinicProfile, User

from ..models import Appointment, Course, WaitlistEntry

ACTIVE = Appointment.ACTIVE_STATUSES


@dataclass
class AppointmentLists:
    upcoming: list[Appointment]
    past: list[Appointment]


def client_appointment_lists(*, client) -> AppointmentLists:
    """The client's appointments: upcoming (still to come, not cancelled; soonest first) and past
    (everything else; latest first). One query."""
    now = timezone.now()
    rows = list(
        Appointment.objects.filter(client=client)
        .select_related("treatment", "practitioner__user", "room", "course")
        .order_by("starts_at", "pk")
    )
    upcoming = [
        a for a in rows if a.starts_at >= now and a.status in ACTIVE and a.status != Appointment.Status.COMPLETED
    ]
    upcoming_ids = {a.pk for a in upcoming}
    past = [a for a in reversed(rows) if a.pk not in upcoming_ids]
    return AppointmentLists(upcoming=upcoming, past=past)


@dataclass
class CourseProgress:
    course: Course
    sessions: list[Appointment]  # active sessions, in order
    done: int  # completed
    booked: int  # still to come
    next_number: int | None  # the number of the session to book next; None when all are booked
    window_opens: date | None
    window_closes: date | None
    window_passed: bool

    @property
    def planned(self) -> int:
        return self.course.planned_sessions

    @property
    def finished(self) -> bool:
        return self.course.status == Course.Status.FINISHED or self.done >= self.planned


def _progress(course: Course, sessions: list[Appointment], tz, today: date) -> CourseProgress:
    sessions = sorted(sessions, key=lambda a: a.starts_at)
    done = sum(1 for a in sessions if a.status == Appointment.Status.COMPLETED)
    booked = len(sessions) - done
    next_number = len(sessions) + 1 if len(sessions) < course.planned_sessions else None
    opens = closes = None
    if sessions and next_number is not None:
        last_day = timezone.localtime(sessions[-1].starts_at, tz).date()
        opens = last_day + timedelta(days=course.treatment.spacing_min_days)
        closes = last_day + timedelta(days=course.treatment.spacing_max_days)
    return CourseProgress(
        course=course,
        sessions=sessions,
        done=done,
        booked=booked,
        next_number=next_number,
        window_opens=opens,
        window_closes=closes,
        window_passed=closes is not None and closes < today,
    )


def client_courses(*, client, tz, today: date) -> list[CourseProgress]:
    """The client's courses, newest first, with their active sessions and the window for the
    next one (28 to 42 days after the last session, by the treatment's rule). A course with no
    active session (its sessions cancelled, or moved into another course) is left out: it holds
    nothing and the next booking starts afresh. Two queries."""
    sessions = Prefetch(
        "appointments",
        queryset=Appointment.objects.filter(status__in=ACTIVE).order_by("starts_at"),
        to_attr="active_sessions",
    )
    courses = (
        Course.objects.filter(client=client)
        .filter(Exists(Appointment.objects.filter(course=OuterRef("pk"), status__in=ACTIVE)))
        .select_related("treatment")
        .prefetch_related(sessions)
    )
    return [_progress(course, course.active_sessions, tz, today) for course in courses]


def course_session_number(*, course_id: int | None, before) -> int | None:
    """Which session of its course a session on instant ``before`` would be (1-based), or None
    for a new course. One query."""
    if course_id is None:
        return None
    earlier = Appointment.objects.filter(course_id=course_id, status__in=ACTIVE, starts_at__lt=before).count()
    return earlier + 1


def client_waitlist(*, client) -> list[WaitlistEntry]:
    """The client's waitlist entries still open (waiting or offered). One query."""
    return list(
        WaitlistEntry.objects.filter(
            client=client, status__in=[WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED]
        )
        .select_related("treatment", "practitioner__user")
        .order_by("first_day", "pk")
    )


def client_waitlist_entry(*, client, entry_id: int) -> WaitlistEntry:
    """One of the client's own waitlist entries; another's id is a 404."""
    entry = WaitlistEntry.objects.filter(client=client, pk=entry_id).first()
    if entry is None:
        raise Http404("No such waitlist entry.")
    return entry


def client_appointment(*, client: User, appointment_id: int) -> Appointment:
    """One of the client's own appointments; another's id is a 404."""
    return get_object_or_404(
        Appointment.objects.select_related("treatment", "practitioner__user", "room", "course"),
        pk=appointment_id,
        client=client,
    )


def appointment_session_date_for_client(*, client, appointment_id: int) -> date | None:
    """The session's date in the clinic's time zone when ``appointment_id`` is one of
    ``client``'s sessions still to come (booked or checked in); None otherwise (another client's,
    cancelled, over, unknown)."""
    starts_at = (
        Appointment.objects.filter(
            pk=appointment_id, client=client, status__in=(Appointment.Status.BOOKED, Appointment.Status.CHECKED_IN)
        )
        .values_list("starts_at", flat=True)
        .first()
    )
    if starts_at is None:
        return None
    return timezone.localtime(starts_at, ClinicProfile.get().tz).date()


def appointment_starts_at(*, appointment_id: int) -> datetime | None:
    """When an appointment starts (for consultations' health-change alert), or None."""
    return Appointment.objects.filter(pk=appointment_id).values_list("starts_at", flat=True).first()
