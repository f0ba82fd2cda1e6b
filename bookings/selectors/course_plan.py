"""The rest of a course, proposed: a date for each session still to book, each inside its window
(28 to 42 days after the one before, by the treatment's spacing) and free now. Shown on the
client's "My course" page and on the desk's client page; it books nothing (the client or the desk
books each proposal through the booking flow)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from clinic.clock import clinic_today
from clinic.models import ClinicProfile

from ..availability import AvailabilityInputs, Session, Slot, find_availability
from ..models import Appointment, Course, Practitioner
from .availability import availability_inputs


@dataclass(frozen=True)
class ProposedSession:
    number: int  # the session's place in the course (1-based)
    window_opens: date
    window_closes: date
    slot: Slot | None
    message: str = ""  # why there is no slot


@dataclass(frozen=True)
class _Preference:
    practitioner_id: int | None
    minute_of_day: int


def _minute_of_day(moment, tz) -> int:
    local = moment.astimezone(tz)
    return local.hour * 60 + local.minute


def _closest_to_habit(slots, preference: _Preference, tz) -> Slot:
    """The slot with the practitioner and the time of day the client had last."""
    return min(
        slots,
        key=lambda slot: (
            slot.practitioner_id != preference.practitioner_id,
            abs(_minute_of_day(slot.starts_at, tz) - preference.minute_of_day),
        ),
    )


def _held(inputs: AvailabilityInputs, course: Course, chosen: Slot, day: date) -> AvailabilityInputs:
    """The inputs with a proposal holding its time and counting for spacing, to plan the next."""
    session = Session(
        day=day, areas=frozenset(course.areas), course_id=course.pk, course_planned_sessions=course.planned_sessions
    )
    return replace(
        inputs,
        sessions=(*inputs.sessions, session),
        client_busy=(*inputs.client_busy, (chosen.starts_at, chosen.needling_ends_at)),
    )


def course_plan(
    *, course: Course, practitioner: Practitioner | None = None, online: bool = False
) -> list[ProposedSession]:
    """Propose dates for the rest of ``course``: each session inside its window (28 to 42 days
    after the one before) and actually free now, preferring the practitioner and time of day of
    the latest session. Proposes; books nothing. A course with no active session left (cancelled,
    or moved into another course) has nothing to continue: the next booking starts a new one, so
    nothing is proposed. Four queries at most, whatever the number of sessions left."""
    tz = ClinicProfile.get().tz
    treatment = course.treatment
    sessions = list(course.appointments.filter(status__in=Appointment.ACTIVE_STATUSES).order_by("starts_at"))
    remaining = course.planned_sessions - len(sessions)
    if remaining <= 0 or not sessions:
        return []
    today = clinic_today()
    last = sessions[-1]
    anchor = last.starts_at.astimezone(tz).date()
    first_day = max(today, anchor + timedelta(days=treatment.spacing_min_days))
    inputs = availability_inputs(
        treatment=treatment,
        areas=course.areas,
        client=course.client,
        first_day=first_day,
        last_day=first_day + timedelta(days=remaining * treatment.spacing_max_days),
        online=online,
        practitioner_id=practitioner.pk if practitioner else None,
        tz=tz,
    )
    preference = _Preference(
        practitioner.pk if practitioner else last.practitioner_id, _minute_of_day(last.starts_at, tz)
    )
    proposals: list[ProposedSession] = []
    for number in range(len(sessions) + 1, course.planned_sessions + 1):
        opens = anchor + timedelta(days=treatment.spacing_min_days)
        closes = anchor + timedelta(days=treatment.spacing_max_days)
        if max(opens, today) > closes:
            proposals.append(ProposedSession(number, opens, closes, None, "This session's window has passed."))
            break
        free = [
            day
            for day in find_availability(inputs, max(opens, today), closes)
            if day.slots and day.course_id == course.pk
        ]
        if not free:
            proposals.append(ProposedSession(number, opens, closes, None, "No free time inside this session's window."))
            break
        chosen = _closest_to_habit(free[0].slots, preference, tz)
        proposals.append(ProposedSession(number, opens, closes, chosen))
        anchor = chosen.starts_at.astimezone(tz).date()
        inputs = _held(inputs, course, chosen, anchor)
    return proposals
