"""Booking many sessions at once: the import of another system's future appointments
(``records.csv_import``), thousands in one transaction.

The same rules as ``appointment_book``, by the same functions: the treatment, areas, practitioner
and room checked as ``_ask_for_booking`` checks them; each start time checked by ``_check`` (the
engine's ``check_start``: working hours, closures, clearance, spacing against both neighbours, no
overlap for practitioner, room or client; a late booking's reason); the course joined or started
as ``_course_for`` does; the same status history, messages (``message_planning``), waitlist
closing and audit entries.

What differs is the reading and the writing. Every client of the batch is locked at once (by id,
``users_lock``); the busy times of the batch's whole date range are read once per treatment and
location, the clients' sessions once, and the batch keeps them up to date in memory as it books,
so a later row sees the sessions of the earlier ones (two rows for one room at one time: the
second is refused, with the nearest free times of that day). The writes are bulk inserts at the
end; the database's exclusion constraints and spacing trigger keep the last word: if a booking
made meanwhile by someone else clashes, ``BatchClash`` is raised and the caller's transaction
writes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from clinic import roles
from clinic.audit import audit_record_many
from clinic.locations import location_tz
from clinic.locks import users_lock
from clinic.models import Location, User

from ..availability import Session
from ..models import Appointment, AppointmentStatusChange, Course, Practitioner, Room, Treatment
from ..selectors.availability import (
    _clearance,
    _day_bounds,
    booking_location_id,
    booking_settings,
    inputs_assemble,
    treatment_catalogue,
    treatment_working_hours,
)
from ..selectors.busy import Busy, busy_times
from . import message_planning
from .appointments import (
    _check,
    _check_choices,
    _clean_areas,
    _require_aware,
    _resolve_treatment,
    _slot_values,
)
from .refusals import SPACING_SQLSTATE, BookingAsk, nearest_free_times
from .waitlist import waitlist_mark_booked_many

Status = Appointment.Status


class BatchClash(ValidationError):
    """The database refused the batch's inserts although every check passed: a booking made
    meanwhile (or a changed spacing minimum). Nothing of the batch is written."""


@dataclass(frozen=True)
class BatchBooking:
    """One session to book, as ``appointment_book`` takes it."""

    client: User
    treatment: Treatment | str
    areas: Sequence[str]
    starts_at: datetime
    practitioner: Practitioner | None = None
    room: Room | None = None
    location: Location | None = None


def _local_days(start: datetime, end: datetime, tz) -> list[date]:
    first, last = start.astimezone(tz).date(), end.astimezone(tz).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


@dataclass
class _Diary:
    """The busy times of one treatment at one location over the batch's range, by local day
    (a span is filed under every day it touches: the engine checks one day at a time), kept up
    to date as the batch books."""

    tz: object
    practitioners: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    rooms: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    closures: dict = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def read(cls, *, treatment: Treatment, days: list[date], tz, location_id: int) -> _Diary:
        range_start, range_end = _day_bounds(min(days), max(days), tz)
        busy = busy_times(
            treatment=treatment, client=None, range_start=range_start, range_end=range_end,
            exclude_appointment_id=None, tz=tz, location_id=location_id,
        )  # fmt: skip
        diary = cls(tz=tz)
        for pk, spans in busy.practitioners.items():
            for span in spans:
                diary.add(diary.practitioners[pk], span)
        for pk, spans in busy.rooms.items():
            for span in spans:
                diary.add(diary.rooms[pk], span)
        for span in busy.closures:
            diary.add(diary.closures, span)
        return diary

    def add(self, by_day: dict, span) -> None:
        for day in _local_days(span[0], span[1], self.tz):
            by_day[day].append(span)

    def busy_on(self, day: date, *, client_spans, sessions) -> Busy:
        busy = Busy()
        busy.practitioners = {pk: by_day.get(day, ()) for pk, by_day in self.practitioners.items()}
        busy.rooms = {pk: by_day.get(day, ()) for pk, by_day in self.rooms.items()}
        busy.closures = list(self.closures.get(day, ()))
        busy.client = client_spans
        busy.sessions = sessions
        return busy


class _Clients:
    """The batch's clients' active sessions (every treatment: their own overlaps; this
    treatment: spacing), read once and kept up to date as the batch books."""

    def __init__(self, client_ids):
        self.spans: dict[int, list] = defaultdict(list)
        self.sessions: dict[tuple[int, int], list] = defaultdict(list)  # (client, treatment) -> raw
        rows = Appointment.objects.filter(client_id__in=client_ids, status__in=Appointment.ACTIVE_STATUSES).values_list(
            "client_id", "treatment_id", "course_id", "course__planned_sessions", "areas", "starts_at",
            "needling_ends_at",
        )  # fmt: skip
        for client_id, treatment_id, course_id, planned, areas, starts_at, needling_ends_at in rows:
            self.add(client_id, treatment_id, course_id, planned, areas, starts_at, needling_ends_at)

    def add(self, client_id, treatment_id, course_id, planned, areas, starts_at, needling_ends_at) -> None:
        self.spans[client_id].append((starts_at, needling_ends_at))
        self.sessions[(client_id, treatment_id)].append((starts_at, frozenset(areas or ()), course_id, planned))

    def sessions_of(self, client_id: int, treatment_id: int, tz) -> list[Session]:
        return [
            Session(
                day=starts_at.astimezone(tz).date(), areas=areas, course_id=course_id, course_planned_sessions=planned
            )
            for starts_at, areas, course_id, planned in self.sessions.get((client_id, treatment_id), ())
        ]


class _Asks:
    """``_ask_for_booking`` for a batch: the same checks, with the catalogue, the location and
    its time zone looked up once per treatment and location instead of once per row."""

    def __init__(self):
        self._locations: dict = {}
        self._catalogues: dict = {}
        self._zones: dict = {}

    def ask(self, booking: BatchBooking, *, booked_by: User) -> BookingAsk:
        treatment = _resolve_treatment(booking.treatment)
        room = booking.room
        key = (booking.location.pk if booking.location is not None else None, room.location_id if room else None)
        if key not in self._locations:
            self._locations[key] = booking_location_id(key[0], room=room)
        location_id = self._locations[key]
        if (treatment.pk, location_id) not in self._catalogues:
            self._catalogues[(treatment.pk, location_id)] = treatment_catalogue(
                treatment=treatment, location_id=location_id
            )
        catalogue = self._catalogues[(treatment.pk, location_id)]
        if location_id not in self._zones:
            self._zones[location_id] = location_tz(location_id)
        areas = _clean_areas(booking.areas, catalogue.area_minutes, treatment)
        _require_aware(booking.starts_at)
        _check_choices(treatment=treatment, practitioner=booking.practitioner, room=room, catalogue=catalogue)
        if booking.client.pk == booked_by.pk:
            raise ValidationError("Staff book their own sessions one at a time, not in a batch.")
        return BookingAsk(
            treatment=treatment,
            areas=areas,
            client=booking.client,
            starts_at=booking.starts_at,
            online=False,
            tz=self._zones[location_id],
            catalogue=catalogue,
            practitioner_id=booking.practitioner.pk if booking.practitioner else None,
        )


@dataclass
class _Pending:
    index: int
    appointment: Appointment
    course_key: int  # a course's id, or a new course's (negative) key in the batch
    day: date  # the local date at the booking's location
    note: str
    starts_new_course: bool


def appointments_book_many(
    *, bookings: Sequence[BatchBooking], booked_by: User, late_booking_reason: str, request=None
) -> list[Appointment | ValidationError]:
    """Book each of ``bookings``, in order, as ``appointment_book`` books for staff (no notice;
    after a course's window with ``late_booking_reason``). Returns, for each, the appointment
    or the ``ValidationError`` that refused it (with the same message ``appointment_book`` would
    give; nothing is written for it). Rows later in the list see the sessions of earlier ones.

    Must run inside the caller's ``transaction.atomic()`` (it takes the clients' row locks for
    it). Raises ``ValidationError`` for anyone but staff who may book for clients, and
    ``BatchClash`` when the database refuses the inserts (nothing of the batch is kept then)."""
    if not roles.can(booked_by, roles.Capability.BOOK_FOR_CLIENT):
        raise ValidationError("Only a member of staff can book this appointment.")
    results: list = [None] * len(bookings)
    asks: dict[int, BookingAsk] = {}
    factory = _Asks()
    for index, booking in enumerate(bookings):
        try:
            asks[index] = factory.ask(booking, booked_by=booked_by)
        except ValidationError as exc:
            results[index] = exc
    if not asks:
        return results
    with transaction.atomic(savepoint=False):
        users_lock(*{ask.client.pk for ask in asks.values()})
        pending = _check_all(bookings, asks, results, booked_by=booked_by, late_booking_reason=late_booking_reason)
        _write(pending, booked_by=booked_by, request=request)
    for item in pending:
        results[item.index] = item.appointment
    return results


def _check_all(bookings, asks: dict[int, BookingAsk], results: list, *, booked_by, late_booking_reason) -> list:
    """Run each ask through the engine against the busy times read once and the sessions the
    batch has booked so far; fill ``results`` with the refusals; return what passed."""
    now = timezone.now()
    limits = booking_settings()
    clients = _Clients({ask.client.pk for ask in asks.values()})
    diaries, hours_of = _read_diaries(asks)
    new_courses: dict[int, Course] = {}
    pending: list[_Pending] = []
    for index in sorted(asks):
        ask, booking = asks[index], bookings[index]
        group = (ask.treatment.pk, ask.catalogue.location_id)
        diary, hours = diaries[group], hours_of[group]
        if ask.practitioner_id is not None:
            hours = {pk: by_day for pk, by_day in hours.items() if pk == ask.practitioner_id}
        day = ask.starts_at.astimezone(ask.tz).date()
        areas = frozenset(ask.areas)
        busy = diary.busy_on(
            day,
            client_spans=clients.spans.get(ask.client.pk, []),
            sessions=clients.sessions_of(ask.client.pk, ask.treatment.pk, ask.tz),
        )
        inputs = inputs_assemble(
            treatment=ask.treatment, areas=areas, catalogue=ask.catalogue, tz=ask.tz, now=now, hours=hours,
            busy=busy, clearance=_clearance(treatment=ask.treatment, client=ask.client, areas=areas, on=day),
            online=False, limits=limits,
        )  # fmt: skip
        try:
            checked = _check(
                ask, inputs, practitioner=booking.practitioner, room=booking.room,
                late_booking_reason=late_booking_reason,
                hint=lambda ask, inputs=inputs, day=day: nearest_free_times(ask, inputs, day, day),
            )  # fmt: skip
        except ValidationError as exc:
            results[index] = exc
            continue
        course_key, planned = _course_key(checked, inputs, ask, new_courses)
        values = _slot_values(checked, course=None)
        values.pop("course")
        appointment = Appointment(
            client=ask.client,
            treatment=ask.treatment,
            areas=ask.areas,
            status=Status.BOOKED,
            booked_by=booked_by,
            channel=Appointment.Channel.STAFF,
            **values,
        )
        slot = checked.slot
        diary.add(diary.practitioners[slot.practitioner_id], (slot.needling_starts_at, slot.needling_ends_at))
        diary.add(diary.rooms[slot.room_id], (slot.starts_at, slot.ends_at))
        clients.add(
            ask.client.pk, ask.treatment.pk, course_key, planned, ask.areas, slot.starts_at, slot.needling_ends_at
        )
        pending.append(_Pending(index, appointment, course_key, day, checked.note, checked.starts_new_course))
    _pending_courses(pending, new_courses)
    return pending


def _read_diaries(asks: dict[int, BookingAsk]) -> tuple[dict, dict]:
    """The diary and the working hours of each treatment and location of the batch."""
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for index, ask in asks.items():
        groups[(ask.treatment.pk, ask.catalogue.location_id)].append(index)
    diaries, hours_of = {}, {}
    for (treatment_pk, location_id), indexes in groups.items():
        first = asks[indexes[0]]
        days = [asks[i].starts_at.astimezone(first.tz).date() for i in indexes]
        diaries[(treatment_pk, location_id)] = _Diary.read(
            treatment=first.treatment, days=days, tz=first.tz, location_id=location_id
        )
        hours_of[(treatment_pk, location_id)] = treatment_working_hours(
            treatment=first.treatment, location_id=location_id
        )
    return diaries, hours_of


def _course_key(checked, inputs, ask: BookingAsk, new_courses: dict[int, Course]) -> tuple[int, int]:
    """(the course the session joins, its planned sessions): the engine's course (one already
    written, or one this batch started: a negative key), else a new one, as ``_course_for``
    makes it (the clearance's course length, else the treatment's)."""
    if checked.course_id is not None:
        planned = next(s.course_planned_sessions for s in inputs.sessions if s.course_id == checked.course_id)
        return checked.course_id, planned
    planned = (inputs.clearance.planned_sessions if inputs.clearance else None) or ask.treatment.planned_sessions
    key = -(len(new_courses) + 1)
    new_courses[key] = Course(client=ask.client, treatment=ask.treatment, areas=ask.areas, planned_sessions=planned)
    return key, planned


def _pending_courses(pending: list[_Pending], new_courses: dict[int, Course]) -> None:
    """Keep the new courses on the pending appointments (written in ``_write``)."""
    for item in pending:
        if item.course_key < 0:
            item.appointment.course = new_courses[item.course_key]
        else:
            item.appointment.course_id = item.course_key


def _write(pending: list[_Pending], *, booked_by, request) -> None:
    """The bulk inserts: new courses, appointments, their status history, messages, the waitlist
    entries they close, the audit entries. The database's constraints are the last word."""
    if not pending:
        return
    courses = {id(item.appointment.course): item.appointment.course for item in pending if item.course_key < 0}
    Course.objects.bulk_create(list(courses.values()), batch_size=2000)
    for item in pending:
        if item.course_key < 0:
            item.appointment.course_id = item.appointment.course.pk
    appointments = [item.appointment for item in pending]
    try:
        with transaction.atomic():
            Appointment.objects.bulk_create(appointments, batch_size=1000)
    except IntegrityError as error:
        if getattr(error.__cause__, "sqlstate", None) == SPACING_SQLSTATE:
            message = "A session is too close to another on the same area (the treatment's spacing changed meanwhile)."
        elif "no_overlap" in str(error):
            message = "A time in this batch has just been taken by another booking."
        else:
            raise
        raise BatchClash(f"{message} Nothing was booked: run it again.") from error
    AppointmentStatusChange.objects.bulk_create(
        [
            AppointmentStatusChange(
                appointment=item.appointment,
                from_status="",
                to_status=Status.BOOKED,
                changed_by=booked_by,
                note=item.note[:300],
            )  # fmt: skip
            for item in pending
        ],
        batch_size=2000,
    )
    message_planning.appointments_booked_messages_plan(appointments=appointments)
    waitlist_mark_booked_many(
        booked=[(item.appointment.client_id, item.appointment.treatment_id, item.day) for item in pending]
    )
    audit_record_many(
        actor=booked_by,
        action="appointment.booked",
        request=request,
        entries=[
            (item.appointment, item.appointment.client,
             {"channel": item.appointment.channel, "starts_new_course": item.starts_new_course})
            for item in pending
        ],
    )  # fmt: skip
