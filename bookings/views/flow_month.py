"""The month on the booking calendar: its weeks of days (free, or why not in a word) and the
explanations under it, from the days the availability engine answered."""

import calendar as month_calendar
from datetime import date

from ..availability import Reason

SHORT_REASONS = {
    Reason.PAST: "",
    Reason.NOTICE: "Too soon",
    Reason.TOO_FAR: "Not open yet",
    Reason.CLOSED: "Closed",
    Reason.CLEARANCE_MISSING: "Not cleared",
    Reason.CLEARANCE_EXPIRED: "Clearance ends",
    Reason.SPACING: "Too close",
    Reason.OUTSIDE_WINDOW: "Outside window",
    Reason.FULLY_BOOKED: "Full",
}
DATE_MOVING_REASONS = {
    Reason.SPACING,
    Reason.OUTSIDE_WINDOW,
    Reason.CLEARANCE_MISSING,
    Reason.CLEARANCE_EXPIRED,
    Reason.FULLY_BOOKED,
}


def month_start(value: str | None, default: date) -> date:
    """The first of the month asked for ("2026-07"), kept within two years of ``default``."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        first = date(year, month, 1)
    except ValueError:
        return default.replace(day=1)
    if abs((first - default).days) > 2 * 366:
        return default.replace(day=1)
    return first


def calendar_weeks(first_of_month: date, days: dict[date, object], today: date) -> list[list[dict]]:
    weeks = []
    for week in month_calendar.Calendar(firstweekday=0).monthdatescalendar(first_of_month.year, first_of_month.month):
        row = []
        for day in week:
            info = days.get(day)
            row.append(
                {
                    "day": day,
                    "in_month": day.month == first_of_month.month,
                    "past": day < today,
                    "info": info,
                    "open": bool(info and info.slots),
                    "short": SHORT_REASONS.get(info.reason, "") if info and not info.slots else "",
                }
            )
        # Weeks entirely past are noise: the calendar starts with the current week.
        if all(cell["past"] for cell in row):
            continue
        weeks.append(row)
    return weeks


def explanations(days: list) -> list[dict]:
    """Why the empty days are empty, one line per reason: a run of days as a range ("Mon 1 -
    Fri 12 Jun: too close to your last session; first possible date ..."), scattered days as a
    list ("Sun 7, Sun 14: closed")."""
    groups: dict[str, dict] = {}
    for info in days:
        if info.slots or info.reason in (Reason.PAST, "") or not info.message:
            continue
        group = groups.setdefault(
            info.message, {"days": [], "message": info.message, "reason": info.reason, "next_possible": None}
        )
        group["days"].append(info.day)
        group["next_possible"] = group["next_possible"] or info.next_possible
    result = []
    for group in groups.values():
        found = group["days"]
        group["first"], group["last"] = found[0], found[-1]
        group["is_run"] = all((b - a).days <= 2 for a, b in zip(found, found[1:], strict=False))
        # "First possible date" helps where the rule moves the date (spacing, window,
        # clearance), not beside a Sunday or the notice period.
        if group["reason"] not in DATE_MOVING_REASONS or (
            group["next_possible"] and group["next_possible"] <= group["last"]
        ):
            group["next_possible"] = None
        result.append(group)
    return sorted(result, key=lambda g: g["first"])
