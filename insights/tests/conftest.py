"""The hand-built clinic of the insights tests: two locations (Bristol on London time, New York),
a handful of clients whose every session is written out below, and the answers for October 2026
worked out by hand in ``test_figures.py``."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bookings.models import Appointment, Course, WorkingHours
from bookings.tests.factories import AppointmentFactory, PractitionerFactory, RoomFactory, TreatmentFactory
from clinic.models import Location
from clinic.tests.factories import ClientFactory

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
TODAY = date(2026, 12, 1)
OCTOBER = (date(2026, 10, 1), date(2026, 10, 31))
S = Appointment.Status


def at(day: str, hhmm: str, tz=LONDON) -> datetime:
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(hhmm), tzinfo=tz)


@pytest.fixture
def today():
    with time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


class Clinic:
    pass


def session(clinic, client, course, starts_at, *, status=S.COMPLETED, room=None, practitioner=None, **extra):
    """A session written directly (the factory checks no rules): 30 min numbing, 45 needling, 15
    turnover."""
    extra.setdefault("created_at", starts_at)
    return AppointmentFactory(
        client=client,
        treatment=clinic.treatment,
        course=course,
        practitioner=practitioner or clinic.p1,
        room=room or clinic.bristol_room,
        starts_at=starts_at,
        status=status,
        cancelled_at=starts_at if status == S.CANCELLED else None,
        **extra,
    )


@pytest.fixture
def hand_built(db, clinic_profile, today):
    c = Clinic()
    c.bristol = Location.objects.create(name="Bristol", time_zone="Europe/London")
    c.new_york = Location.objects.create(name="New York", time_zone="America/New_York")
    c.treatment = TreatmentFactory(needs_clearance=False)
    c.p1 = PractitionerFactory(user__first_name="Anna", user__last_name="Bell")
    c.p2 = PractitionerFactory(user__first_name="Noor", user__last_name="Haddad")
    for weekday in range(5):  # Anna: Monday to Friday 09:00-17:00 in Bristol
        WorkingHours.objects.create(
            practitioner=c.p1, location=c.bristol, weekday=weekday, start_time=time(9), end_time=time(17)
        )
    c.bristol_room = RoomFactory(name="Bristol 1", location=c.bristol)
    c.new_york_room = RoomFactory(name="Hudson", location=c.new_york)
    people = {name: ClientFactory(first_name=name, last_name="Client") for name in "ABCDEFGH"}
    c.people = people
    course = {}

    def course_of(key, name):
        course[key] = Course.objects.create(
            client=people[name], treatment=c.treatment, areas=["face"], planned_sessions=3
        )
        return course[key]

    # A: completed on 2 Sep and 5 Oct (33 days); on 5 Oct at 11:30 books 5 Nov, cancels it, and
    # on 10 Oct books 6 Nov instead (cancelled, then rebooked).
    ca = course_of("A", "A")
    session(c, people["A"], ca, at("2026-09-02", "10:00"), created_at=at("2026-08-20", "12:00"))
    c.a1 = session(
        c, people["A"], ca, at("2026-10-05", "10:00"), channel="online", created_at=at("2026-09-20", "12:00")
    )
    session(c, people["A"], ca, at("2026-11-05", "10:00"), status=S.CANCELLED, created_at=at("2026-10-05", "11:30"))
    session(c, people["A"], ca, at("2026-11-06", "10:00"), status=S.BOOKED, created_at=at("2026-10-10", "09:00"))
    # B: 27 Sep and 25 Oct, the day the clocks go back (28 local days, 28 days and an hour in UTC).
    cb = course_of("B", "B")
    session(c, people["B"], cb, at("2026-09-27", "10:00"), created_at=at("2026-09-01", "12:00"))
    session(c, people["B"], cb, at("2026-10-25", "10:00"), created_at=at("2026-10-24", "12:00"))
    # C: 1 Sep, window closed 13 Oct with nothing booked; 20 Oct starts a new course.
    cc1 = course_of("C1", "C")
    session(c, people["C"], cc1, at("2026-09-01", "10:00"), created_at=at("2026-08-01", "12:00"))
    cc2 = course_of("C2", "C")
    session(
        c, people["C"], cc2, at("2026-10-20", "14:00"), starts_new_course=True, created_at=at("2026-10-15", "14:00")
    )
    # D: moved from Bristol to New York: 02:00 UTC on 1 Oct is 22:00 on 30 Sep in New York.
    cd = course_of("D", "D")
    c.moved = session(
        c,
        people["D"],
        cd,
        datetime(2026, 10, 1, 2, 0, tzinfo=UTC),
        practitioner=c.p2,
        room=c.new_york_room,
        created_at=at("2026-09-01", "12:00"),
    )
    # E: 23:30 on 31 Oct in New York (03:30 UTC on 1 Nov), a no-show booked online a month ahead.
    ce = course_of("E", "E")
    session(
        c,
        people["E"],
        ce,
        at("2026-10-31", "23:30", NEW_YORK),
        status=S.NO_SHOW,
        practitioner=c.p2,
        room=c.new_york_room,
        channel="online",
        created_at=at("2026-10-01", "12:00"),
    )
    # F: cancelled late (booked the day before); G: cancelled on time, online, two weeks ahead.
    session(
        c,
        people["F"],
        course_of("F", "F"),
        at("2026-10-14", "11:00"),
        status=S.CANCELLED,
        cancellation_late=True,
        created_at=at("2026-10-13", "12:00"),
    )
    session(
        c,
        people["G"],
        course_of("G", "G"),
        at("2026-10-16", "11:00"),
        status=S.CANCELLED,
        channel="online",
        created_at=at("2026-10-02", "12:00"),
    )
    # H: 20 Aug and 8 Oct in the same course (49 days: booked late, with a reason).
    ch = course_of("H", "H")
    session(c, people["H"], ch, at("2026-08-20", "10:00"), created_at=at("2026-08-01", "12:00"))
    session(c, people["H"], ch, at("2026-10-08", "09:00"), created_at=at("2026-10-06", "12:00"))
    c.courses = course
    return c
