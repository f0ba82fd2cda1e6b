"""Where things sit on the schedule grid: pure arithmetic from instants to pixels, so templates
only place boxes. A row of the grid is 15 minutes."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property

from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

PX_PER_MINUTE = 1.9
ROW_MINUTES = 15


@dataclass
class Grid:
    day: date
    tz: object
    opens: datetime  # first row (local, on the hour)
    closes: datetime

    def top(self, at: datetime) -> float:
        return round(max(0.0, (at - self.opens).total_seconds() / 60) * PX_PER_MINUTE, 1)

    def height(self, start: datetime, end: datetime) -> float:
        start, end = max(start, self.opens), min(end, self.closes)
        return round(max(0.0, (end - start).total_seconds() / 60) * PX_PER_MINUTE, 1)

    def box(self, start: datetime, end: datetime) -> dict:
        return {"top": self.top(start), "height": self.height(start, end)}

    @property
    def total_height(self) -> float:
        return self.height(self.opens, self.closes)

    @cached_property
    def rows(self) -> list[dict]:
        """The labelled lines, every half hour, ready to print: the template repeats them in
        every column, so each is worked out once (``top`` as text: the template engine would
        localize a number; ``label`` the local time; ``css`` "hour" or "half")."""
        rows, at = [], self.opens
        while at < self.closes:
            local = timezone.localtime(at, self.tz)
            rows.append(
                {
                    "at": local,
                    "top": str(self.top(at)),
                    "hour": local.minute == 0,
                    "css": "hour" if local.minute == 0 else "half",
                    "label": f"{local:%H:%M}",
                }
            )
            at += timedelta(minutes=ROW_MINUTES * 2)
        return rows

    # The rows as markup, made once: printed through the template engine, the labels and the
    # lines repeated in every column were most of the desk day's grid rendering.
    @cached_property
    def labels(self) -> SafeString:
        """The time labels down the side."""
        return format_html_join(
            "", '<span class="{}" data-grid-top="{}">{}</span>', ((r["css"], r["top"], r["label"]) for r in self.rows)
        )

    @cached_property
    def lines(self) -> SafeString:
        """The half-hour lines every column repeats."""
        return format_html_join(
            "",
            '<span class="grid-line{}" data-grid-top="{}"></span>',
            ((" hour" if row["hour"] else "", row["top"]) for row in self.rows),
        )


def grid_for(day: date, tz, instants: list[datetime], default_open=time(9), default_close=time(18)) -> Grid:
    """A grid from the earliest to the latest instant given (whole hours), never shorter than
    the default opening hours."""
    local = [timezone.localtime(moment, tz) for moment in instants]
    first = min([moment.time() for moment in local if moment.date() == day] + [default_open])
    last_times = [moment for moment in local if moment.date() == day]
    last = max([moment.time() for moment in last_times] + [default_close])
    opens = datetime.combine(day, time(first.hour), tzinfo=tz)
    close_hour = last.hour + (1 if (last.minute or last.second) else 0)
    closes = (
        datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
        if close_hour >= 24
        else datetime.combine(day, time(close_hour), tzinfo=tz)
    )
    return Grid(day=day, tz=tz, opens=opens, closes=closes)


@dataclass
class Column:
    key: str
    title: str
    subtitle: str = ""
    working: list[dict] = field(default_factory=list)  # boxes of working blocks
    off: list[dict] = field(default_factory=list)  # boxes of time off
    items: list[dict] = field(default_factory=list)  # appointment boxes
