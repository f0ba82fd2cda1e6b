"""The plain data the availability engine reads and answers with: inputs (diaries, busy times,
the client's sessions, the clearance window, the session's timing), slots, days, and the reasons a
day has nothing to offer. No ORM."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
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
    planned_sessions: int | None = None  # the course length the practitioner set at review

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
    """Everything the engine needs, loaded by ``bookings.selectors.availability.availability_inputs``."""

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
