"""Demo bookings for `make run`: the micro-needling catalogue, three rooms, the three demo
practitioners with their hours (and a lunch break), and a realistic week of appointments around
today, with clients part-way through their courses (two of them with a course window closing in
the coming days and nothing booked: the front desk's call list). Idempotent: the catalogue is matched by
name, and appointments are only made when there are none yet.

Only clients that consultations' demo has cleared (``clearance_check``) get sessions. Sessions
from now on are booked through ``appointment_book``; sessions that have already taken place
cannot be booked (the service refuses the past), so those are written as the history they would
have left: a slot the engine finds free on that day, a completed status and its changes.
"""

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from clinic import roles
from clinic.clock import clinic_today
from clinic.dates import date_label
from clinic.models import ClinicProfile, Location
from consultations.selectors import clearance_check

from .availability import find_availability
from .demo_locations import seed_locations
from .models import (
    Appointment,
    AppointmentStatusChange,
    Course,
    Practitioner,
    Room,
    Treatment,
    TreatmentArea,
    WaitlistEntry,
    WorkingHours,
)
from .selectors.availability import availability_inputs, treatment_catalogue
from .services.appointments import appointment_book, appointment_cancel
from .services.waitlist import waitlist_join

AREA_MINUTES = {
    "face": 45,
    "neck": 30,
    "decolletage": 30,
    "abdomen": 60,
    "thighs": 60,
    "arms": 45,
    "hands": 30,
    "back": 60,
}
# Two cleared clients had the first session of their course five to six weeks ago and have booked
# nothing since (client index -> days since that session): their course window closes in the next
# days, so the front desk's call list has them to ring. A session a day or three later than asked
# (the clinic full or closed) still closes inside the call list's 7 days.
WINDOW_CLOSING = {12: 40, 13: 38}
ROOMS = ["Willow room", "Birch room", "Cedar room"]
MORNING, AFTERNOON = (time(9), time(13)), (time(14), time(17, 30))
# Weekday (Monday 0) -> blocks, per demo practitioner in clinic.demo.STAFF order.
HOURS = [
    {day: [MORNING, AFTERNOON] for day in (0, 1, 2, 3, 4)},  # Anna: Monday to Friday
    {day: [(time(10), time(14)), (time(14, 45), time(19))] for day in (1, 2, 3, 4, 5)},  # Ben: late, Tue-Sat
    {day: [MORNING, (time(13, 45), time(17))] for day in (0, 2, 3, 5)},  # Chloe
]


def _catalogue() -> Treatment:
    treatment, _ = Treatment.objects.get_or_create(
        slug="microneedling",
        defaults={
            "name": "Micro-needling",
            "description": "Collagen induction therapy: 30 minutes of numbing cream, then 30 to 60 minutes of "
            "needling by the size of the areas. A course is three sessions four to six weeks apart.",
        },
    )
    for area, minutes in AREA_MINUTES.items():
        TreatmentArea.objects.get_or_create(treatment=treatment, area=area, defaults={"needling_minutes": minutes})
    for name in ROOMS:
        room, _ = Room.objects.get_or_create(name=name)
        room.treatments.add(treatment)
    return treatment


def _practitioners(people, treatment) -> list[Practitioner]:
    found = []
    for index, user in enumerate(people["staff"].get(roles.Role.PRACTITIONER, [])):
        practitioner, created = Practitioner.objects.get_or_create(user=user)
        practitioner.treatments.add(treatment)
        if created or not practitioner.working_hours.exists():
            for weekday, blocks in HOURS[index % len(HOURS)].items():
                for start, end in blocks:
                    WorkingHours.objects.create(
                        practitioner=practitioner, weekday=weekday, start_time=start, end_time=end
                    )
        found.append(practitioner)
    return found


def _near(slots, minute_of_day: int, tz):
    return min(
        slots,
        key=lambda s: abs(s.starts_at.astimezone(tz).hour * 60 + s.starts_at.astimezone(tz).minute - minute_of_day),
    )


def _past_session(*, client, treatment, areas, day, minute_of_day, tz, by, status=Appointment.Status.COMPLETED):
    """A session that took place on ``day`` (or, if the clinic was closed or full, a day or two
    later, but before now): a slot the engine would have offered that morning, written with the
    history a real one leaves. Returns None if nothing fitted."""
    for found in _days_from(
        client=client, treatment=treatment, areas=areas, day=day, tz=tz, now=datetime.combine(day, time(0), tzinfo=tz)
    ):
        done = [s for s in found.slots if s.ends_at <= timezone.now()]
        if done:
            break
    else:
        return None
    slot = _near(done, minute_of_day, tz)
    course = (
        Course.objects.get(pk=found.course_id)
        if found.course_id
        else Course.objects.create(
            client=client,
            treatment=treatment,
            areas=areas,
            planned_sessions=treatment.planned_sessions,
            created_at=slot.starts_at - timedelta(days=3),
        )
    )
    appointment = Appointment.objects.create(
        client=client,
        treatment=treatment,
        areas=areas,
        practitioner_id=slot.practitioner_id,
        room_id=slot.room_id,
        course=course,
        status=status,
        starts_at=slot.starts_at,
        needling_starts_at=slot.needling_starts_at,
        needling_ends_at=slot.needling_ends_at,
        ends_at=slot.ends_at,
        booked_by=by,
        channel=Appointment.Channel.STAFF,
        starts_new_course=found.starts_new_course,
        created_at=slot.starts_at - timedelta(days=14),
    )
    practitioner_user = Practitioner.objects.get(pk=slot.practitioner_id).user
    steps = [("", "booked", by, slot.starts_at - timedelta(days=14))]
    if status == Appointment.Status.COMPLETED:
        steps += [
            ("booked", "checked_in", by, slot.starts_at - timedelta(minutes=2)),
            ("checked_in", "in_treatment", practitioner_user, slot.needling_starts_at),
            ("in_treatment", "completed", practitioner_user, slot.needling_ends_at),
        ]
    else:
        steps.append(("booked", status, by, slot.starts_at + timedelta(minutes=20)))
    for from_status, to_status, who, when in steps:
        AppointmentStatusChange.objects.create(
            appointment=appointment, from_status=from_status, to_status=to_status, changed_by=who, changed_at=when
        )
    return appointment


def past_course(*, client, treatment, areas, days_ago, minute_of_day: int, by) -> list[Appointment]:
    """A course whose sessions all took place ``days_ago`` days before today (each a day or two
    later if the clinic was full or closed), written as the history ``_past_session`` leaves.
    For the demos of what a finished course leaves behind (aftercare's before-and-after photos).
    Sessions that found no time are left out."""
    tz = ClinicProfile.get().tz
    today = clinic_today()
    made = []
    for days in sorted(days_ago, reverse=True):
        appointment = _past_session(
            client=client,
            treatment=treatment,
            areas=areas,
            day=today - timedelta(days=days),
            minute_of_day=minute_of_day,
            tz=tz,
            by=by,
        )
        if appointment is not None:
            made.append(appointment)
    return made


def _days_from(*, client, treatment, areas, day, tz, now=None, online=False):
    inputs = availability_inputs(
        treatment=treatment,
        areas=areas,
        client=client,
        first_day=day,
        last_day=day + timedelta(days=3),
        online=online,
        now=now,
        tz=tz,
        catalogue=treatment_catalogue(treatment=treatment, location_id=Location.default().pk),
    )
    return find_availability(inputs, day, day + timedelta(days=3))


def _book(*, client, treatment, areas, day, minute_of_day, tz, by):
    """Book through the service at a free time near ``minute_of_day`` on ``day`` (or the next
    days); None when nothing fits."""
    now = timezone.now()
    online = by.pk == client.pk
    for found in _days_from(client=client, treatment=treatment, areas=areas, day=day, tz=tz, online=online):
        slots = [s for s in found.slots if s.starts_at > now + timedelta(minutes=5)]
        if slots:
            slot = _near(slots, minute_of_day, tz)
            practitioner = Practitioner.objects.get(pk=slot.practitioner_id)
            return appointment_book(
                client=client,
                treatment=treatment,
                areas=areas,
                starts_at=slot.starts_at,
                booked_by=by,
                practitioner=practitioner,
            )
    return None


def _waitlist(people, treatment, today, desk) -> int:
    """Two cleared clients with nothing booked ahead wait for a time in the coming fortnight:
    one joined online, one put on by the desk from a phone call. Made once (none if any entry
    exists), through ``waitlist_join`` like every entry."""
    if WaitlistEntry.objects.exists():
        return 0
    booked_ahead = set(
        Appointment.objects.filter(starts_at__gte=timezone.now(), status__in=Appointment.ACTIVE_STATUSES).values_list(
            "client_id", flat=True
        )
    )
    made = 0
    for client in people["clients"]:
        if made == 2:
            break
        if client.pk in booked_ahead:
            continue
        check = clearance_check(client=client, treatment_slug=treatment.slug, areas=[], on=today)
        if not check.ok or not check.cleared_areas:
            continue
        by_desk = made == 1
        waitlist_join(
            client=client,
            treatment=treatment,
            areas=[a for a in AREA_MINUTES if a in check.cleared_areas][:1],
            first_day=today + timedelta(days=2 + 3 * made),
            last_day=today + timedelta(days=12 + 3 * made),
            joined_by=desk if by_desk else client,
            note="Mornings suit best." if by_desk else "",
        )
        made += 1
    return made


def _client_sessions(index: int, client, *, treatment, today, tz, desk) -> int:
    """The demo's sessions of one client: this week's (three days ago to four days ahead, at a
    varied time of day) and up to two earlier ones of the course; for the clients in
    ``WINDOW_CLOSING``, one session weeks ago and nothing since. Returns how many were made."""
    made = 0
    check = clearance_check(client=client, treatment_slug=treatment.slug, areas=[], on=today)
    if not check.ok or not check.cleared_areas:
        return 0
    areas = [a for a in AREA_MINUTES if a in check.cleared_areas][:2]
    if index in WINDOW_CLOSING:
        with transaction.atomic():
            day = today - timedelta(days=WINDOW_CLOSING[index])
            minute = 9 * 60 + (index * 47) % (8 * 60)
            return int(
                _past_session(
                    client=client, treatment=treatment, areas=areas, day=day, minute_of_day=minute, tz=tz, by=desk
                )
                is not None
            )
    # This week's session: from three days ago to four days ahead, at varied times of day.
    offset = index % 8 - 3
    day = today + timedelta(days=offset)
    minute = 9 * 60 + (index * 47) % (8 * 60)
    history = index % 4  # 0: first session; 1: one done; 2, 3: two done
    with transaction.atomic():
        earlier = sorted({30 * n + (index % 3) for n in range(1, min(history, 2) + 1)}, reverse=True)
        for days_before in earlier:
            past_day = day - timedelta(days=days_before)
            if past_day < today - timedelta(days=58):
                continue  # before the demo clearance began
            if _past_session(
                client=client, treatment=treatment, areas=areas, day=past_day, minute_of_day=minute, tz=tz, by=desk
            ):
                made += 1
        session_start = datetime.combine(day, time(hour=minute // 60, minute=minute % 60), tzinfo=tz)
        if session_start < timezone.now():
            status = Appointment.Status.NO_SHOW if index == 5 else Appointment.Status.COMPLETED
            appointment = _past_session(
                client=client,
                treatment=treatment,
                areas=areas,
                day=day,
                minute_of_day=minute,
                tz=tz,
                by=desk,
                status=status,
            )
        else:
            by = client if offset >= 2 and index % 2 else desk
            appointment = _book(
                client=client, treatment=treatment, areas=areas, day=day, minute_of_day=minute, tz=tz, by=by
            )
            if appointment is not None and index == 11:
                appointment_cancel(appointment=appointment, cancelled_by=client, reason="Away with work that week")
        made += appointment is not None
    return made


def seed(people, stdout=None) -> None:
    treatment = _catalogue()
    practitioners = _practitioners(people, treatment)
    tz = ClinicProfile.get().tz
    today = clinic_today()
    staff = people["staff"]
    desk = (staff.get(roles.Role.FRONT_DESK) or staff.get(roles.Role.MANAGER) or [None])[0]
    if Appointment.objects.exists() or not practitioners:
        waiting = _waitlist(people, treatment, today, desk) if desk is not None else 0
        if stdout is not None:
            stdout.write(
                "bookings: catalogue, rooms and hours in place; appointments already there"
                + (f"; {waiting} clients put on the waitlist" if waiting else "")
            )
        seed_locations(people, treatment)
        return
    made = sum(
        _client_sessions(index, client, treatment=treatment, today=today, tz=tz, desk=desk)
        for index, client in enumerate(people["clients"])
    )
    waiting = _waitlist(people, treatment, today, desk)
    seed_locations(people, treatment)  # after the sessions: those are all in Bristol
    if stdout is not None:
        stdout.write(
            f"bookings: {made} appointments around {date_label(today)} for clients part-way through courses; "
            f"{waiting} clients on the waitlist"
        )
