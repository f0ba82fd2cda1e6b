"""The availability engine: plain functions over plain data, no ORM.

``bookings.selectors.availability_inputs`` loads everything it needs in a fixed number of queries;
``find_availability`` turns that into bookable start times (each with a practitioner and a room)
and, for each day with nothing to offer, the reason. ``check_start`` answers the same question for
one start time, so the booking services apply exactly the rules the screens show.

Timing of a session (DESIGN.md "Treatments and time"): the client arrives at ``starts_at`` and
sits with numbing cream (room and client taken, practitioner free); the practitioner needles
(practitioner, room and client taken); then the room is cleaned (room taken). A session is
bookable when:

- its needling lies inside one of the practitioner's working blocks that day, and the numbing
  starts no earlier than the practitioner's first block (the clinic is open: numbing may run
  through a lunch break, needling may not);
- the practitioner's needling, the room's whole interval and the client's numbing-to-needling
  interval overlap nothing busy (appointments that hold time, time off, clinic closures);
- it is after ``earliest`` (notice) and no later than ``latest`` (horizon);
- the day passes clearance and the spacing rule.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from clinic.dates import date_label

Span = tuple[datetime, datetime]


class Reason:
    """Why a day (or a start time) has nothing to offer."""

    PAST = "past"
    NOTICE = "notice"
    TOO_FAR = "too_far"
    CLOSED = "closed"
    CLEARANCE_MISSING = "clearance_missing"
    CLEARANCE_EXPIRED = "clearance_expired"
    SPACING = "spacing"
    OUTSIDE_WINDOW = "outside_window"
    FULLY_BOOKED = "fully_booked"
    # Only for one start time:
    OUTSIDE_HOURS = "outside_hours"
    PRACTITIONER_BUSY = "practitioner_busy"
    ROOM_BUSY = "room_busy"
    CLIENT_BUSY = "client_busy"


def long_date(day: date) -> str:
    """ "Tuesday 3 March 2026": how a client reads a date."""
    return date_label(day, "weekday")


def needling_minutes(area_minutes: Mapping[str, int], areas: Iterable[str], cap: int) -> int:
    """Needling for several areas together: the sum of each area's minutes, capped at the
    treatment's maximum (face 45 + neck 30 = 75, capped at 60)."""
    return min(sum(area_minutes[area] for area in set(areas)), cap)


@dataclass(frozen=True)
class SessionTiming:
    numbing: timedelta
    needling: timedelta
    turnover: timedelta

    def instants(self, starts_at: datetime) -> tuple[datetime, datetime, datetime, datetime]:
        """(arrival, needling starts, needling ends, room free) for an arrival time."""
        needling_starts_at = starts_at + self.numbing
        needling_ends_at = needling_starts_at + self.needling
        return starts_at, needling_starts_at, needling_ends_at, needling_ends_at + self.turnover


class BusyTimes:
    """Sorted busy intervals with an O(log n) "is this span free?" (intervals may overlap)."""

    __slots__ = ("_spans", "_starts", "_max_ends")

    def __init__(self, spans: Iterable[Span]):
        self._spans = sorted(spans)
        self._starts = [start for start, _ in self._spans]
        self._max_ends: list[datetime] = []
        running = None
        for _, end in self._spans:
            running = end if running is None or end > running else running
            self._max_ends.append(running)

    def is_free(self, start: datetime, end: datetime) -> bool:
        # Intervals are half-open: one may start exactly when another ends.
        count = bisect.bisect_left(self._starts, end)
        return count == 0 or self._max_ends[count - 1] <= start

    def gaps(self, start: datetime, end: datetime) -> list[Span]:
        """The free stretches between ``start`` and ``end``."""
        first = bisect.bisect_right(self._max_ends, start)  # the first interval ending after start
        last = bisect.bisect_left(self._starts, end)  # intervals from here on start at or after end
        found: list[Span] = []
        cursor = start
        for busy_start, busy_end in self._spans[first:last]:
            if busy_start > cursor:
                found.append((cursor, busy_start))
            if busy_end > cursor:
                cursor = busy_end
        if cursor < end:
            found.append((cursor, end))
        return found


def _busy_seconds(busy: BusyTimes, start: datetime, end: datetime) -> float:
    free = sum((g1 - g0).total_seconds() for g0, g1 in busy.gaps(start, end))
    return (end - start).total_seconds() - free


def _arrivals(gaps: Iterable[Span], before: timedelta, length: timedelta) -> list[Span]:
    """Arrival times (closed intervals) for which ``[arrival + before, arrival + before + length)``
    fits inside one of ``gaps``."""
    return [(g0 - before, g1 - before - length) for g0, g1 in gaps if g1 - g0 >= length]


def _union(lists: Iterable[list[Span]]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(span for spans in lists for span in spans):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _intersection(a: list[Span], b: list[Span]) -> list[Span]:
    found, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start <= end:
            found.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return found


def _contains(spans: list[Span], starts: list[datetime], moment: datetime) -> bool:
    index = bisect.bisect_right(starts, moment) - 1
    return index >= 0 and moment <= spans[index][1]


@dataclass(frozen=True)
class PractitionerDiary:
    practitioner_id: int
    hours: Mapping[int, tuple[tuple[time, time], ...]]  # weekday (Monday 0) -> local blocks
    busy: tuple[Span, ...] = ()  # needling of their appointments, their time off


@dataclass(frozen=True)
class RoomDiary:
    room_id: int
    busy: tuple[Span, ...] = ()  # whole interval of its appointments, its time off


@dataclass(frozen=True)
class Session:
    """One of the client's sessions of this treatment that counts for spacing."""

    day: date  # local calendar day
    areas: frozenset[str]
    course_id: int
    course_planned_sessions: int


@dataclass(frozen=True)
class SpacingRule:
    min_days: int = 28
    max_days: int = 42


@dataclass(frozen=True)
class ClearanceWindow:
    """When the client's clearance allows sessions: ``valid_from`` to ``valid_until`` inclusive
    (``None`` = open-ended); ``ok`` False with no window means never (no intake, declined...)."""

    ok: bool
    code: str = "cleared"
    message: str = ""
    valid_from: date | None = None
    valid_until: date | None = None

    def verdict(self, day: date) -> tuple[str, str] | None:
        if self.valid_from is not None and day < self.valid_from and (self.ok or self.valid_until is None):
            return (
                Reason.CLEARANCE_MISSING,
                self.message or f"Sessions can be booked from {long_date(self.valid_from)}.",
            )
        if not self.ok and self.valid_from is None:
            code = Reason.CLEARANCE_EXPIRED if self.code == "expired" else Reason.CLEARANCE_MISSING
            return code, self.message or "A consultation needs to clear you for this treatment first."
        if self.valid_until is not None and day > self.valid_until:
            return (
                Reason.CLEARANCE_EXPIRED,
                f"Your clearance for this treatment runs until {long_date(self.valid_until)}; "
                "a review consultation renews it.",
            )
        return None


@dataclass(frozen=True)
class SpacingVerdict:
    ok: bool
    code: str = ""
    message: str = ""
    next_possible: date | None = None
    course_id: int | None = None  # the course this session continues; None = a new course
    starts_new_course: bool = False  # the previous course's window has passed
    needs_reason: bool = False  # staff booking later than the open window


def spacing_verdict(
    *, day: date, areas: frozenset[str], sessions: Iterable[Session], rule: SpacingRule, today: date, online: bool
) -> SpacingVerdict:
    """The spacing rule for a session on ``day`` (DESIGN.md "Spacing").

    Only sessions sharing an area count. At least ``min_days`` from every one of them, for
    everybody. After the previous session: up to ``max_days`` continues its course (unless the
    course already has its planned sessions); later, while that window is still open, clients are
    refused and staff must give a reason; once the window has passed it starts a new course.
    """
    relevant = [s for s in sessions if s.areas & areas]
    too_close = sorted((s for s in relevant if abs((day - s.day).days) < rule.min_days), key=lambda s: s.day)
    if too_close:
        nearest = too_close[0]
        return SpacingVerdict(
            ok=False,
            code=Reason.SPACING,
            message=(
                f"Sessions on the same area need at least {rule.min_days} days between them; "
                f"this date is too close to the session on {long_date(nearest.day)}."
            ),
            next_possible=_first_spaced_day(day, relevant, rule, today, online),
        )
    per_course = Counter(s.course_id for s in sessions)
    course_days: dict[int, list[date]] = {}
    for s in sessions:
        course_days.setdefault(s.course_id, []).append(s.day)

    def joinable(course_id: int) -> bool:
        # A course is one chain of sessions on the same skin: this one may join it only if it
        # keeps the minimum from every session already in it (areas of a course can differ).
        return all(abs((day - other).days) >= rule.min_days for other in course_days[course_id])

    before = [s for s in relevant if s.day < day]
    if not before:
        after = sorted((s for s in relevant if s.day > day), key=lambda s: s.day)
        if (
            after
            and (after[0].day - day).days <= rule.max_days
            and min(course_days[after[0].course_id]) > day
            and joinable(after[0].course_id)
        ):
            return SpacingVerdict(ok=True, course_id=after[0].course_id)
        return SpacingVerdict(ok=True)
    previous = max(before, key=lambda s: s.day)
    if per_course[previous.course_id] >= previous.course_planned_sessions:
        return SpacingVerdict(ok=True)  # that course is complete: this one begins the next
    window_closes = previous.day + timedelta(days=rule.max_days)
    if day <= window_closes:
        if not joinable(previous.course_id):
            return SpacingVerdict(ok=True)
        return SpacingVerdict(ok=True, course_id=previous.course_id)
    window_opens = previous.day + timedelta(days=rule.min_days)
    if today <= window_closes:
        if online:
            return SpacingVerdict(
                ok=False,
                code=Reason.OUTSIDE_WINDOW,
                message=(
                    f"Your next session should be between {long_date(window_opens)} and {long_date(window_closes)} "
                    f"({rule.min_days} to {rule.max_days} days after your last one). For a later date, "
                    "please call the clinic."
                ),
                next_possible=_first_spaced_day(max(today, window_opens), relevant, rule, today, online),
            )
        return SpacingVerdict(
            ok=True,
            code=Reason.OUTSIDE_WINDOW,
            message=(
                f"This is more than {rule.max_days} days after the session on {long_date(previous.day)}: "
                "it starts a new course, and a reason is needed."
            ),
            needs_reason=True,
            starts_new_course=True,
        )
    return SpacingVerdict(
        ok=True,
        message=(
            f"More than {rule.max_days} days have passed since the session on {long_date(previous.day)}, "
            "so this session starts a new course."
        ),
        starts_new_course=True,
    )


def _first_spaced_day(start: date, relevant: list[Session], rule: SpacingRule, today: date, online: bool) -> date:
    """The first day on or after ``start`` that passes the spacing rule."""
    day = max(start, today)
    for _ in range(3 * 366):
        if all(abs((day - s.day).days) >= rule.min_days for s in relevant):
            return day
        day += timedelta(days=1)
    return day  # pragma: no cover - sessions are finite


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    needling_starts_at: datetime
    needling_ends_at: datetime
    ends_at: datetime
    practitioner_id: int
    room_id: int


@dataclass(frozen=True)
class DayAvailability:
    day: date
    slots: tuple[Slot, ...] = ()
    reason: str = ""  # a Reason code when there are no slots
    message: str = ""
    next_possible: date | None = None
    course_id: int | None = None
    starts_new_course: bool = False
    needs_reason: bool = False  # staff must give a late-booking reason
    note: str = ""  # for a client: "this starts a new course"


@dataclass(frozen=True)
class AvailabilityInputs:
    """Everything the engine needs, loaded by ``bookings.selectors.availability_inputs``."""

    tz: ZoneInfo
    now: datetime
    timing: SessionTiming
    areas: frozenset[str]
    practitioners: tuple[PractitionerDiary, ...]
    rooms: tuple[RoomDiary, ...]
    client_busy: tuple[Span, ...] = ()
    closures: tuple[Span, ...] = ()
    sessions: tuple[Session, ...] = ()
    spacing: SpacingRule = field(default_factory=SpacingRule)
    clearance: ClearanceWindow | None = None  # None: the treatment needs none
    online: bool = False
    notice: timedelta = timedelta(0)
    horizon: timedelta | None = None  # how far ahead bookings may be made (None: no limit)
    step_minutes: int = 15

    @property
    def today(self) -> date:
        return self.now.astimezone(self.tz).date()

    @property
    def earliest(self) -> datetime:
        return self.now + self.notice

    @property
    def latest(self) -> datetime | None:
        return None if self.horizon is None else self.now + self.horizon


@dataclass(frozen=True)
class StartCheck:
    slot: Slot | None
    reason: str = ""
    message: str = ""
    day: DayAvailability | None = None


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """A local wall-clock time on a day, as an aware UTC instant. A time inside a spring-forward
    gap lands just after it (zoneinfo's fold=0 reads it with the offset before the change)."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


class _Engine:
    def __init__(self, inputs: AvailabilityInputs):
        self.inputs = inputs
        self.practitioner_busy = {p.practitioner_id: BusyTimes(p.busy) for p in inputs.practitioners}
        self.room_busy = {r.room_id: BusyTimes(r.busy) for r in inputs.rooms}
        self.client_busy = BusyTimes(inputs.client_busy)
        self.closures = BusyTimes(inputs.closures)
        self.closure_spans = sorted(inputs.closures)
        self.step = timedelta(minutes=inputs.step_minutes)
        self._blocks: dict[tuple[int, date], list[Span]] = {}

    def blocks(self, practitioner: PractitionerDiary, day: date) -> list[Span]:
        key = (practitioner.practitioner_id, day)
        found = self._blocks.get(key)
        if found is None:
            found = self._blocks[key] = [
                (local_instant(day, start, self.inputs.tz), local_instant(day, end, self.inputs.tz))
                for start, end in practitioner.hours.get(day.weekday(), ())
            ]
        return found

    def least_busy_first(self, day: date, practitioners, room_ids):
        """Practitioners and rooms in the order they are offered on ``day``: the least booked
        that day first (ties keep the given order), so that work spreads across the team and
        the rooms. ``find_availability`` and ``check_start`` share it, so a time booked without
        choosing goes to whoever the screen showed."""
        start = local_instant(day, time(0), self.inputs.tz)
        end = local_instant(day + timedelta(days=1), time(0), self.inputs.tz)
        people = sorted(
            practitioners,
            key=lambda p: _busy_seconds(self.practitioner_busy[p.practitioner_id], start, end),
        )
        rooms = sorted(room_ids, key=lambda pk: _busy_seconds(self.room_busy[pk], start, end))
        return people, rooms

    def day_verdict(self, day: date) -> DayAvailability | None:
        """A reason the whole day is out, before looking at times; else None."""
        inputs = self.inputs
        if day < inputs.today:
            return DayAvailability(day=day, reason=Reason.PAST, message="This day has passed.")
        latest = inputs.latest
        if latest is not None and local_instant(day, time(0), inputs.tz) > latest:
            days = inputs.horizon.days if inputs.horizon else 0
            return DayAvailability(day=day, reason=Reason.TOO_FAR, message=f"Bookings open {days} days ahead.")
        if self._closed(day):
            return DayAvailability(day=day, reason=Reason.CLOSED, message="The clinic is closed on this day.")
        if inputs.clearance is not None:
            verdict = inputs.clearance.verdict(day)
            if verdict:
                return DayAvailability(day=day, reason=verdict[0], message=verdict[1])
        return None

    def _closed(self, day: date) -> bool:
        for practitioner in self.inputs.practitioners:
            for start, end in self.blocks(practitioner, day):
                if self.closures.is_free(start, end) or self._partly_open(start, end):
                    return False
        return True

    def _partly_open(self, start: datetime, end: datetime) -> bool:
        covered = start
        for c_start, c_end in self.closure_spans:
            if c_end <= covered:
                continue
            if c_start > covered:
                return True
            covered = max(covered, c_end)
            if covered >= end:
                return False
        return covered < end

    def spacing(self, day: date) -> SpacingVerdict:
        inputs = self.inputs
        return spacing_verdict(
            day=day,
            areas=inputs.areas,
            sessions=inputs.sessions,
            rule=inputs.spacing,
            today=inputs.today,
            online=inputs.online,
        )

    def slot_for(
        self, practitioner: PractitionerDiary, blocks: list[Span], starts_at: datetime, room_ids
    ) -> tuple[Slot | None, str]:
        """The slot at ``starts_at`` with this practitioner and the first free room, or why not."""
        arrival, needle_start, needle_end, room_free = self.inputs.timing.instants(starts_at)
        if (
            not blocks
            or arrival < blocks[0][0]
            or not any(b0 <= needle_start and needle_end <= b1 for b0, b1 in blocks)
        ):
            return None, Reason.OUTSIDE_HOURS
        if not self.closures.is_free(arrival, room_free):
            return None, Reason.CLOSED
        if not self.practitioner_busy[practitioner.practitioner_id].is_free(needle_start, needle_end):
            return None, Reason.PRACTITIONER_BUSY
        if not self.client_busy.is_free(arrival, needle_end):
            return None, Reason.CLIENT_BUSY
        for room_id in room_ids:
            if self.room_busy[room_id].is_free(arrival, room_free):
                return Slot(arrival, needle_start, needle_end, room_free, practitioner.practitioner_id, room_id), ""
        return None, Reason.ROOM_BUSY

    def day_slots(self, day: date, practitioners, room_ids) -> tuple[list[Slot], bool]:
        """Bookable slots of the day (one per start time on the step grid from local midnight)
        and whether notice or the horizon hid any time that was otherwise free.

        Works on intervals rather than trying each time against each resource: the arrival
        times each room, practitioner, the client and the clinic allow are intersected first,
        so a full day costs almost nothing; only offered times look for their practitioner and
        room (the first one free, in the given order). ``check_start`` applies the same rules
        one time at a time; the property tests hold the two to agreeing."""
        timing = self.inputs.timing
        numbing, needling, total = timing.numbing, timing.needling, timing.numbing + timing.needling + timing.turnover
        practitioners, room_ids = self.least_busy_first(day, practitioners, room_ids)
        by_practitioner: list[tuple[int, list[Span], list[datetime]]] = []
        day_start = day_end = None
        for practitioner in practitioners:
            blocks = self.blocks(practitioner, day)
            if not blocks:
                continue
            busy = self.practitioner_busy[practitioner.practitioner_id]
            allowed = _intersection(
                _union(_arrivals(busy.gaps(b0, b1), numbing, needling) for b0, b1 in blocks),
                [(blocks[0][0], blocks[-1][1])],  # numbing no earlier than the first block
            )
            if allowed:
                by_practitioner.append((practitioner.practitioner_id, allowed, [a for a, _ in allowed]))
                day_start = blocks[0][0] if day_start is None else min(day_start, blocks[0][0])
                day_end = blocks[-1][1] if day_end is None else max(day_end, blocks[-1][1])
        if not by_practitioner:
            return [], False
        window_end = day_end + timing.turnover
        by_room = []
        for room_id in room_ids:
            allowed = _arrivals(self.room_busy[room_id].gaps(day_start, window_end), timedelta(0), total)
            if allowed:
                by_room.append((room_id, allowed, [a for a, _ in allowed]))
        possible = _intersection(
            _union(spans for _, spans, _ in by_practitioner), _union(spans for _, spans, _ in by_room)
        )
        possible = _intersection(
            possible, _arrivals(self.client_busy.gaps(day_start, window_end), timedelta(0), numbing + needling)
        )
        possible = _intersection(possible, _arrivals(self.closures.gaps(day_start, window_end), timedelta(0), total))
        if not possible:
            return [], False
        inputs = self.inputs
        earliest, latest = max(inputs.earliest, inputs.now), inputs.latest
        midnight = local_instant(day, time(0), inputs.tz)
        slots: list[Slot] = []
        hidden = False
        for start, end in possible:
            steps = -((midnight - start) // self.step)  # ceiling: the first grid time >= start
            moment = midnight + steps * self.step
            while moment <= end:
                if moment < earliest or (latest is not None and moment > latest):
                    hidden = True
                else:
                    practitioner_id = next(
                        (pk for pk, spans, starts in by_practitioner if _contains(spans, starts, moment)), None
                    )
                    room_id = next((pk for pk, spans, starts in by_room if _contains(spans, starts, moment)), None)
                    if practitioner_id is not None and room_id is not None:
                        slots.append(Slot(*timing.instants(moment), practitioner_id, room_id))
                moment += self.step
        return slots, hidden and not slots


def find_availability(
    inputs: AvailabilityInputs,
    first_day: date,
    last_day: date,
    *,
    practitioner_id: int | None = None,
    room_id: int | None = None,
) -> list[DayAvailability]:
    """Each day from ``first_day`` to ``last_day`` (local): its bookable start times, or why none."""
    engine = _Engine(inputs)
    practitioners = [p for p in inputs.practitioners if practitioner_id in (None, p.practitioner_id)]
    room_ids = [r.room_id for r in inputs.rooms if room_id in (None, r.room_id)]
    days: list[DayAvailability] = []
    day = first_day
    while day <= last_day:
        days.append(_one_day(engine, day, practitioners, room_ids))
        day += timedelta(days=1)
    # An empty day points to the next day in range that has something, unless it knows better.
    next_open = None
    for index in range(len(days) - 1, -1, -1):
        current = days[index]
        if current.slots:
            next_open = current.day
        elif current.next_possible is None and next_open is not None:
            days[index] = _replace(current, next_possible=next_open)
    return days


def _one_day(engine: _Engine, day: date, practitioners, room_ids) -> DayAvailability:
    verdict = engine.day_verdict(day)
    if verdict is not None:
        return verdict
    if not any(engine.blocks(p, day) for p in practitioners):
        return DayAvailability(day=day, reason=Reason.CLOSED, message="Nobody is working on this day.")
    spacing = engine.spacing(day)
    if not spacing.ok:
        return DayAvailability(
            day=day, reason=spacing.code, message=spacing.message, next_possible=spacing.next_possible
        )
    slots, hidden = engine.day_slots(day, practitioners, room_ids)
    if not slots:
        if hidden:
            hours = int(engine.inputs.notice.total_seconds() // 3600)
            return DayAvailability(
                day=day, reason=Reason.NOTICE, message=f"Online bookings need {hours} hours' notice."
            )
        return DayAvailability(day=day, reason=Reason.FULLY_BOOKED, message="Every time on this day is taken.")
    return DayAvailability(
        day=day,
        slots=tuple(slots),
        course_id=spacing.course_id,
        starts_new_course=spacing.starts_new_course,
        needs_reason=spacing.needs_reason,
        note=spacing.message,
    )


def _replace(day: DayAvailability, **changes) -> DayAvailability:
    return replace(day, **changes)


def check_start(
    inputs: AvailabilityInputs,
    starts_at: datetime,
    *,
    practitioner_id: int | None = None,
    room_id: int | None = None,
) -> StartCheck:
    """Whether a session can start at exactly ``starts_at`` (with that practitioner and room, if
    given): the slot it would take, or the reason code and a message a client can read."""
    engine = _Engine(inputs)
    starts_at = starts_at.astimezone(UTC)
    day = starts_at.astimezone(inputs.tz).date()
    if starts_at < inputs.now:
        return StartCheck(None, Reason.PAST, "That time has already passed.")
    verdict = engine.day_verdict(day)
    if verdict is not None:
        return StartCheck(None, verdict.reason, verdict.message, verdict)
    spacing = engine.spacing(day)
    if not spacing.ok:
        return StartCheck(
            None,
            spacing.code,
            spacing.message,
            DayAvailability(day=day, reason=spacing.code, message=spacing.message, next_possible=spacing.next_possible),
        )
    day_info = DayAvailability(
        day=day,
        course_id=spacing.course_id,
        starts_new_course=spacing.starts_new_course,
        needs_reason=spacing.needs_reason,
        note=spacing.message,
    )
    if starts_at < inputs.earliest:
        hours = int(inputs.notice.total_seconds() // 3600)
        return StartCheck(None, Reason.NOTICE, f"Online bookings need {hours} hours' notice.", day_info)
    if inputs.latest is not None and starts_at > inputs.latest:
        days = inputs.horizon.days if inputs.horizon else 0
        return StartCheck(None, Reason.TOO_FAR, f"Bookings open {days} days ahead.", day_info)
    practitioners = [p for p in inputs.practitioners if practitioner_id in (None, p.practitioner_id)]
    room_ids = [r.room_id for r in inputs.rooms if room_id in (None, r.room_id)]
    if not practitioners:
        return StartCheck(None, Reason.OUTSIDE_HOURS, "That practitioner does not give this treatment.", day_info)
    if not room_ids:
        return StartCheck(None, Reason.ROOM_BUSY, "That room is not equipped for this treatment.", day_info)
    practitioners, room_ids = engine.least_busy_first(day, practitioners, room_ids)
    reasons = []
    for practitioner in practitioners:
        slot, reason = engine.slot_for(practitioner, engine.blocks(practitioner, day), starts_at, room_ids)
        if slot is not None:
            return StartCheck(slot, "", "", day_info)
        reasons.append(reason)
    # The most telling reason: the client's own clash, then a taken time, then hours.
    for code, message in (
        (Reason.CLIENT_BUSY, "You already have an appointment at that time."),
        (Reason.PRACTITIONER_BUSY, "That time has just been taken."),
        (Reason.ROOM_BUSY, "That time has just been taken: no treatment room is free."),
        (Reason.CLOSED, "The clinic is closed at that time."),
    ):
        if code in reasons:
            return StartCheck(None, code, message, day_info)
    return StartCheck(None, Reason.OUTSIDE_HOURS, "That time is outside working hours.", day_info)
