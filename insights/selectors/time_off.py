"""Time off and closures, taken off the working and opening minutes of utilisation.

A row of ``TimeOff`` is a practitioner's time off, a room's, or (with neither) a closure of one
location or, with no location either, of every location; as in availability, a row with a
location applies there only. The minutes come off on the location's wall clock, as the weekly
hours are counted: the part of each working block that the time off covers, once however many
rows cover it.
"""

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from bookings.models import TimeOff
from clinic.locations import location_tz

from .scope import Scope

Blocks = dict[int, list[tuple[time, time]]]  # weekday (0 Monday) -> the day's blocks
Interval = tuple[datetime, datetime]  # naive, on a location's wall clock


def time_off_rows(scope: Scope) -> list[dict]:
    """The time off that overlaps the period anywhere: one query (a handful of rows)."""
    start, end = scope.coarse_bounds()
    return list(
        TimeOff.objects.filter(starts_at__lt=end, ends_at__gt=start).values(
            "practitioner_id", "room_id", "location_id", "starts_at", "ends_at"
        )
    )


def _applies(row: dict, location_id: int, *, practitioner_id=None, room_id=None) -> bool:
    if row["location_id"] is not None and row["location_id"] != location_id:
        return False
    if row["practitioner_id"] is None and row["room_id"] is None:
        return True  # a closure
    if practitioner_id is not None:
        return row["practitioner_id"] == practitioner_id
    return room_id is not None and row["room_id"] == room_id


def off_intervals(rows: list[dict], location_id: int, **who) -> list[Interval]:
    """The wall-clock intervals of ``rows`` that take ``who`` (``practitioner_id`` or
    ``room_id``) out at the location, overlapping ones merged."""
    tz = location_tz(location_id)
    spans = sorted(
        (
            row["starts_at"].astimezone(tz).replace(tzinfo=None),
            row["ends_at"].astimezone(tz).replace(tzinfo=None),
        )
        for row in rows
        if _applies(row, location_id, **who)
    )
    merged: list[Interval] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def minutes_off(blocks: Blocks, intervals: list[Interval], first_day: date, last_day: date) -> int:
    """Minutes of the weekly ``blocks`` (disjoint within a day), on the days from ``first_day`` to
    ``last_day``, that the merged ``intervals`` cover."""
    total = timedelta(0)
    for start, end in intervals:
        day = max(start.date(), first_day)
        while day <= min(end.date(), last_day):
            for opens, closes in blocks.get(day.weekday(), ()):
                covered = min(end, datetime.combine(day, closes)) - max(start, datetime.combine(day, opens))
                if covered > timedelta(0):
                    total += covered
            day += timedelta(days=1)
    return int(total.total_seconds() // 60)


def blocks_by_weekday(hours: list[dict], **match) -> Blocks:
    """The weekly blocks of the ``hours`` rows matching ``match`` (field values), by weekday."""
    blocks: Blocks = defaultdict(list)
    for block in hours:
        if all(block[field] == value for field, value in match.items()):
            blocks[block["weekday"]].append((block["start_time"], block["end_time"]))
    return blocks


def merged(blocks: list[tuple[time, time]]) -> list[tuple[time, time]]:
    """The union of one day's blocks, as disjoint blocks."""
    union: list[tuple[time, time]] = []
    for opens, closes in sorted(blocks):
        if union and opens <= union[-1][1]:
            union[-1] = (union[-1][0], max(closes, union[-1][1]))
        else:
            union.append((opens, closes))
    return union
