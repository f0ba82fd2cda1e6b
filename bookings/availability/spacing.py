"""The spacing rule of the availability engine, a plain function over plain data (DESIGN.md
"Spacing"). No ORM."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from .data import Reason, Session, SpacingRule, long_date


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
