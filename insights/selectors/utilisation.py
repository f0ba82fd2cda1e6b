"""Utilisation: the practitioners' booked needling minutes over their working minutes, the rooms'
occupancy (numbing + needling + turnover) over the location's opening minutes, and the sessions by
weekday and hour (the heat map).

Working and opening minutes come from the weekly working hours (a few rows of set-up, not data):
each block counts once for every such weekday in the period, in wall-clock minutes, so a DST day
counts its eight hours like any other. Time off and closures come off them (``time_off``): a
practitioner's own and their location's closures from their working minutes, a room's own and its
location's closures from its opening minutes.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Sum

from bookings.models import Practitioner, Room, WorkingHours

from ..models import SessionFact
from .scope import Scope
from .sessions import session_groups, sessions_in
from .time_off import blocks_by_weekday, merged, minutes_off, off_intervals, time_off_rows

HOLDING_TIME = SessionFact.HOLDING_TIME


@dataclass
class UtilisationRow:
    key: int
    name: str
    booked_minutes: int
    available_minutes: int

    @property
    def rate(self) -> float | None:
        if not self.available_minutes:
            return None
        return round(100 * self.booked_minutes / self.available_minutes, 1)


def weekday_counts(scope: Scope) -> dict[int, int]:
    """How many of each weekday (0 Monday .. 6 Sunday) the period holds."""
    counts = dict.fromkeys(range(7), 0)
    for offset in range(scope.days):
        counts[(scope.first_day + timedelta(days=offset)).weekday()] += 1
    return counts


def _block_minutes(start, end) -> int:
    return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)


def _union_minutes(blocks) -> int:
    """Minutes covered by the union of (start, end) blocks of one day."""
    total, last_end = 0, None
    for start, end in sorted(blocks):
        if last_end is not None and start < last_end:
            if end > last_end:
                total += _block_minutes(last_end, end)
                last_end = end
            continue
        total += _block_minutes(start, end)
        last_end = end
    return total


def _hours(scope: Scope) -> list[dict]:
    rows = WorkingHours.objects.filter(practitioner__is_active=True)
    if scope.location_id is not None:
        rows = rows.filter(location_id=scope.location_id)
    return list(
        rows.values(
            "practitioner_id",
            "location_id",
            "weekday",
            "start_time",
            "end_time",
            "practitioner__user__first_name",
            "practitioner__user__last_name",
        )
    )


def booked_minutes(scope: Scope) -> list[dict]:
    """The scope's booked sessions' minutes by practitioner and room: needling (the
    practitioner's) and held (the room's numbing, needling and turnover), with the
    practitioner's name. Two queries: both figures from one pass over the sessions, grouped by
    ids alone, then the names of the practitioners found (a join before grouping would cost a
    look-up per session)."""
    rows = list(
        sessions_in(scope)
        .filter(outcome__in=HOLDING_TIME)
        .values("practitioner_id", "room_id")
        .annotate(needling=Sum("needling_minutes"), held=Sum("held_minutes"))
    )
    names = {
        person["pk"]: person
        for person in Practitioner.objects.filter(pk__in={row["practitioner_id"] for row in rows}).values(
            "pk", "user__first_name", "user__last_name"
        )
    }
    for row in rows:
        person = names.get(row["practitioner_id"], {})
        row["practitioner__user__first_name"] = person.get("user__first_name", "")
        row["practitioner__user__last_name"] = person.get("user__last_name", "")
    return rows


def practitioner_utilisation(
    scope: Scope, hours: list[dict] | None = None, booked: list[dict] | None = None, time_off: list[dict] | None = None
) -> list[UtilisationRow]:
    """One row per practitioner who works or was booked in the scope: three queries (none with
    ``hours``, ``booked`` and ``time_off`` given)."""
    hours = _hours(scope) if hours is None else hours
    booked = booked_minutes(scope) if booked is None else booked
    time_off = time_off_rows(scope) if time_off is None else time_off
    weekdays = weekday_counts(scope)
    rows: dict[int, UtilisationRow] = {}
    for block in hours:
        if scope.practitioner_id is not None and block["practitioner_id"] != scope.practitioner_id:
            continue
        row = rows.setdefault(block["practitioner_id"], UtilisationRow(block["practitioner_id"], _name(block), 0, 0))
        row.available_minutes += _block_minutes(block["start_time"], block["end_time"]) * weekdays[block["weekday"]]
    if time_off:
        for practitioner_id, location_id in {(b["practitioner_id"], b["location_id"]) for b in hours}:
            if practitioner_id in rows:
                blocks = blocks_by_weekday(hours, practitioner_id=practitioner_id, location_id=location_id)
                off = off_intervals(time_off, location_id, practitioner_id=practitioner_id)
                rows[practitioner_id].available_minutes -= minutes_off(blocks, off, scope.first_day, scope.last_day)
    minutes: dict[int, float] = defaultdict(float)
    for line in booked:
        rows.setdefault(line["practitioner_id"], UtilisationRow(line["practitioner_id"], _name(line), 0, 0))
        minutes[line["practitioner_id"]] += line["needling"] or 0
    for practitioner_id, total in minutes.items():
        rows[practitioner_id].booked_minutes = round(total)
    return sorted(rows.values(), key=lambda r: r.name)


def _name(values: dict) -> str:
    return f"{values['practitioner__user__first_name']} {values['practitioner__user__last_name']}".strip()


def room_occupancy(
    scope: Scope, hours: list[dict] | None = None, booked: list[dict] | None = None, time_off: list[dict] | None = None
) -> list[UtilisationRow]:
    """One row per active room of the scope: the minutes it was held over its location's opening
    minutes (the union of the working hours there). Four queries (one with ``hours``, ``booked``
    and ``time_off`` given)."""
    hours = _hours(scope) if hours is None else hours
    booked = booked_minutes(scope) if booked is None else booked
    time_off = time_off_rows(scope) if time_off is None else time_off
    weekdays = weekday_counts(scope)
    by_day: dict[tuple[int, int], list] = defaultdict(list)
    for block in hours:
        by_day[(block["location_id"], block["weekday"])].append((block["start_time"], block["end_time"]))
    opening: dict[int, int] = defaultdict(int)
    for (location_id, weekday), blocks in by_day.items():
        opening[location_id] += _union_minutes(blocks) * weekdays[weekday]
    rooms = Room.objects.filter(is_active=True)
    if scope.location_id is not None:
        rooms = rooms.filter(location_id=scope.location_id)
    if scope.room_id is not None:
        rooms = rooms.filter(pk=scope.room_id)
    held: dict[int, float] = defaultdict(float)
    for line in booked:
        held[line["room_id"]] += line["held"] or 0
    rooms = list(rooms.order_by("name", "pk"))
    rows = [
        UtilisationRow(room.pk, room.name, round(held.get(room.pk) or 0), opening.get(room.location_id, 0))
        for room in rooms
    ]
    if time_off:
        open_blocks: dict[int, dict] = defaultdict(dict)
        for (location_id, weekday), blocks in by_day.items():
            open_blocks[location_id][weekday] = merged(blocks)
        for row, room in zip(rows, rooms, strict=True):
            off = off_intervals(time_off, room.location_id, room_id=room.pk)
            row.available_minutes -= minutes_off(open_blocks[room.location_id], off, scope.first_day, scope.last_day)
    return rows


def heat_map(scope: Scope) -> dict[tuple[int, int], int]:
    """Booked sessions by (ISO weekday 1-7, local hour of arrival): added up from the scope's
    session groups (one query, shared with the page's other sections)."""
    cells: dict[tuple[int, int], int] = defaultdict(int)
    for row in session_groups(scope):
        if row["outcome"] in HOLDING_TIME:
            cells[(row["iso_weekday"], row["local_hour"])] += row["n"]
    return dict(cells)


def utilisation(scope: Scope) -> dict:
    """The whole section: five queries, whatever the number of sessions."""
    hours, booked, time_off = _hours(scope), booked_minutes(scope), time_off_rows(scope)
    return {
        "practitioners": practitioner_utilisation(scope, hours, booked, time_off),
        "rooms": room_occupancy(scope, hours, booked, time_off),
        "heat_map": heat_map(scope),
    }
