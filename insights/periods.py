"""The periods a report can cover, as local days: this week, last month, this or last quarter, or
a custom range (at most two years)."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError

PERIODS = (
    ("week", "This week"),
    ("last_month", "Last month"),
    ("quarter", "This quarter"),
    ("last_quarter", "Last quarter"),
    ("custom", "Custom range"),
)
LONGEST_RANGE_DAYS = 2 * 366


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _next_quarter(start: date) -> date:
    return date(start.year + 1, 1, 1) if start.month == 10 else date(start.year, start.month + 3, 1)


def period_days(period: str, today: date, first: date | None = None, last: date | None = None) -> tuple[date, date]:
    """The first and last local day of ``period`` as seen on ``today``. Raises ``ValidationError``
    for a custom range that is missing a day, runs backwards or spans more than two years."""
    if period == "week":
        monday = today - timedelta(days=today.weekday())
        return monday, monday + timedelta(days=6)
    if period == "last_month":
        end = today.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    if period in ("quarter", "last_quarter"):
        start = _quarter_start(today)
        if period == "last_quarter":
            start = _quarter_start(start - timedelta(days=1))
        return start, _next_quarter(start) - timedelta(days=1)
    if period == "custom":
        if first is None or last is None:
            raise ValidationError("Give both the first and the last day of the range.")
        if last < first:
            raise ValidationError("The last day comes before the first.")
        if (last - first).days + 1 > LONGEST_RANGE_DAYS:
            raise ValidationError("Choose a range of two years at most.")
        return first, last
    raise ValidationError("Choose a period.")
