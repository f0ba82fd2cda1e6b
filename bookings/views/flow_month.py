"""The month on the booking calendar: its weeks of days (free, or why not in a word) and the
explanations under it, from the days the availability engine answered.

Every cell arrives at the template as its finished ``<td>`` (every value escaped as the
template would): the month is about 40 cells, and template logic, filters and
date formatting per cell were half the page's CPU time; printing the dozen values of each cell
through the template engine was still a quarter of the page's rendering. The template prints
the cells."""

import calendar as month_calendar
from collections.abc import Callable
from datetime import date, timedelta

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from clinic.dates import date_label

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


def calendar_weeks(
    first_of_month: date,
    days: dict[date, object],
    today: date,
    *,
    base_query: str = "",
    times_url: str = "",
    selected_day: date | None = None,
) -> list[list[SafeString]]:
    """The weeks shown (from the current one on), each a list of finished ``<td>`` cells:
    a day with free times links to the page with its times (without JavaScript) and loads them
    with htmx; the others say why not (``title``), in a word in the month itself."""
    # Escaped once here (``&`` between parameters becomes ``&amp;``), as the template would.
    page = escape(f"?{base_query}&month={first_of_month:%Y-%m}&day=")
    times = escape(f"{times_url}?{base_query}&day=")
    weeks = []
    for week in month_calendar.Calendar(firstweekday=0).monthdatescalendar(first_of_month.year, first_of_month.month):
        # Weeks entirely past are noise: the calendar starts with the current week.
        if week[-1] < today:
            continue
        row = []
        for day in week:
            info = days.get(day)
            in_month = day.month == first_of_month.month
            is_open = bool(info and info.slots)
            state = "open" if is_open else "past" if day < today else "closed"
            css = state if in_month else f"other-month {state}"
            if is_open:
                row.append(_open_cell(day, css, len(info.slots), page, times, selected=day == selected_day))
            else:
                short = SHORT_REASONS.get(info.reason, "") if info and in_month else ""
                row.append(_closed_cell(day, css, title=info.message if info else "", note=short))
        weeks.append(row)
    return weeks


# The cells are written with f-strings: through format_html, forty of them took 0.6 ms. Every
# value that is not a fixed word, a number or a date in ISO form goes through ``escape``.
def _open_cell(day: date, css: str, count: int, page: str, times: str, *, selected: bool) -> SafeString:
    # Read out as "Wednesday 2 December: 9 times free"; seen as "2" over "9 free".
    iso = day.isoformat()
    return mark_safe(  # noqa: S308 (every value escaped or plain)
        f'<td class="{css}"><a class="day-button{" selected" if selected else ""}" href="{page}{iso}#times" '
        f'hx-get="{times}{iso}" hx-target="#times" hx-swap="innerHTML" hx-push-url="false" data-day="{iso}">'
        f'<span class="day-number"><span class="visually-hidden">{escape(date_label(day, "day"))}: </span>'
        f'<span aria-hidden="true">{day.day}</span></span><span class="day-note">{count}<span '
        f'class="visually-hidden"> {"time" if count == 1 else "times"}</span> free</span></a></td>'
    )


def _closed_cell(day: date, css: str, *, title: str, note: str) -> SafeString:
    title_attr = f' title="{escape(title)}"' if title else ""
    note_span = f'<span class="day-note">{escape(note)}</span>' if note else ""
    return mark_safe(  # noqa: S308 (every value escaped or plain)
        f'<td class="{css}"><span class="day-off"{title_attr} data-day="{day.isoformat()}">'
        f'<span class="day-number">{day.day}</span>{note_span}</span></td>'
    )


def explanations(days: list, *, month: date | None = None, month_url: Callable[[str], str] | None = None) -> list[dict]:
    """Why the empty days are empty, one line per reason: a run of days as a range ("Mon 1 -
    Fri 12 Jun: too close to your last session; first possible date ..."), scattered days as a
    list ("Sun 7, Sun 14: closed"). With ``month_url``, a first possible date in another month
    than ``month`` gets the link to its month (``jump_url``)."""
    groups: dict[str, dict] = {}
    by_day = {info.day: info for info in days}
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
        # A range only when every day inside it is one of them, or closed, past or not asked
        # for: "Tue 1 - Thu 31 Dec: closed" must not run over the open Saturdays between.
        members = set(found)
        group["is_run"] = all(
            day in members or by_day.get(day) is None or by_day[day].reason in (Reason.PAST, Reason.CLOSED)
            for day in (found[0] + timedelta(days=n) for n in range((found[-1] - found[0]).days + 1))
        )
        group["days_label"] = _days_label(found, group["is_run"])
        # "First possible date" helps where the rule moves the date (spacing, window,
        # clearance), not beside a Sunday or the notice period.
        if group["reason"] not in DATE_MOVING_REASONS or (
            group["next_possible"] and group["next_possible"] <= group["last"]
        ):
            group["next_possible"] = None
        elif (
            month_url is not None
            and group["next_possible"]
            and (jump := f"{group['next_possible']:%Y-%m}") != f"{month:%Y-%m}"
        ):
            group["jump_url"] = month_url(jump)
        result.append(group)
    return sorted(result, key=lambda g: g["first"])


def _days_label(found: list[date], is_run: bool) -> str:
    """ "Thu 3 Dec", "Mon 7 Dec – Fri 11 Dec" for a run, "Sun 6 Dec, Sun 13 Dec" for scattered days."""
    if len(found) == 1:
        return date_label(found[0], "short")
    if is_run:
        return f"{date_label(found[0], 'short')} – {date_label(found[-1], 'short')}"
    return ", ".join(date_label(day, "short") for day in found)
