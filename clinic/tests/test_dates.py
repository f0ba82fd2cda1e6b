"""One way to write dates (issue 17, item 4): clinic.dates, used by every template, message and
PDF. Dates were written "01 April 2027", "1 Apr 2027" and "01 Oct 2026"."""

import re
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import timezone

from clinic.dates import MACHINE_FORMATS, date_label, datetime_label

ROOT = Path(__file__).resolve().parents[2]
LONDON = ZoneInfo("Europe/London")


def test_a_day_has_no_leading_zero_and_its_month_in_full():
    day = date(2027, 4, 1)
    assert date_label(day) == "1 April 2027"
    assert date_label(day, "weekday") == "Thursday 1 April 2027"
    assert date_label(day, "day") == "Thursday 1 April"
    assert date_label(day, "short") == "Thu 1 Apr"
    assert date_label(day, "month") == "April 2027"
    assert date_label(None) == ""


def test_a_moment_is_shown_on_the_clinics_clock():
    moment = datetime(2026, 10, 1, 13, 5, tzinfo=UTC)  # 14:05 in London (summer time)
    assert datetime_label(moment, tz=LONDON) == "1 October 2026, 14:05"
    assert datetime_label(moment, "weekday", tz=LONDON) == "Thursday 1 October 2026, 14:05"
    assert datetime_label(moment, "short", tz=LONDON) == "Thu 1 Oct, 14:05"
    assert date_label(datetime(2026, 10, 1, 23, 30, tzinfo=UTC), tz=LONDON) == "2 October 2026"  # past midnight
    assert datetime_label(timezone.localtime(moment, LONDON)) == "1 October 2026, 14:05"  # its own zone


def test_an_unknown_style_is_a_mistake_not_a_silent_default():
    with pytest.raises(ValueError, match="Unknown date style"):
        date_label(date(2027, 4, 1), "long")


def test_a_filtered_value_that_is_not_a_date_shows_as_nothing_like_date_does():
    assert Template("[{{ value|datetime_label }}]").render(Context({"value": "2026-02-30T08:00"})) == "[]"


def test_the_filters_are_built_in_and_respect_an_explicit_time_zone():
    moment = datetime(2026, 10, 1, 13, 5, tzinfo=UTC)
    template = Template(
        '{% load tz %}{{ moment|datetime_label }} | {{ moment|timezone:"Asia/Tokyo"|datetime_label }} | {{ day|date_label:"weekday" }}'
    )
    with timezone.override(LONDON):
        out = template.render(Context({"moment": moment, "day": date(2027, 4, 1)}))
    assert out == "1 October 2026, 14:05 | 1 October 2026, 22:05 | Thursday 1 April 2027"


def test_no_template_writes_a_date_its_own_way():
    """Every date people read goes through date_label / datetime_label: |date: is left only for
    machine formats (inputs, links, ISO stamps)."""
    stray = []
    for path in sorted((ROOT / "templates").rglob("*")):
        if not path.is_file():
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for match in re.finditer(r"""\|date:(["'])(.*?)\1""", line):
                if match.group(2) not in MACHINE_FORMATS:
                    stray.append(f"{path.relative_to(ROOT)}:{number}: {match.group(0)}")
            if re.search(r"\|date(?![:_\w])", line):
                stray.append(f"{path.relative_to(ROOT)}:{number}: |date with the default format")
    assert stray == []


def test_no_python_module_formats_a_date_for_people_by_hand():
    """Messages, flags and answers go through clinic.dates too (%d %B, %b %Y, %A ... in an
    f-string or strftime were the other two ways)."""
    pattern = re.compile(r"%-?[dAaBb]\b[^\"']*")
    stray = []
    for path in sorted(ROOT.glob("*/**/*.py")):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in (".venv", "bench") or "tests" in relative.parts or "migrations" in relative.parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if "strftime" in line or re.search(r"\{[^}]*:%[-dAaBb]", line):
                if pattern.search(line):
                    stray.append(f"{relative}:{number}: {line.strip()}")
    assert stray == []
