"""One way to write dates and times, everywhere: pages, e-mails, texts, messages and PDFs.

Dates were written three ways ("01 April 2027", "1 Apr 2027", "01 Oct 2026"). Now a day is its
number without a leading zero and its month in full, and the year is there except in ``day``
(a date within weeks: a session, an aftercare rule) and ``short`` (schedules and compact lists,
where the week makes the year plain):

=============  ==========================  =====================================
style          date_label                  datetime_label
=============  ==========================  =====================================
``date``       1 April 2027                1 April 2027, 14:30
``weekday``    Thursday 1 April 2027       Thursday 1 April 2027, 14:30
``day``        Thursday 1 April            Thursday 1 April, 14:30
``short``      Thu 1 Apr                   Thu 1 Apr, 14:30
``month``      April 2027                  (not for a moment)
``day_name``   Thursday                    (not for a moment)
``precise``    (not for a day)             1 April 2027, 14:30:05 Europe/London
=============  ==========================  =====================================

In templates these are the filters ``date_label`` and ``datetime_label`` (built in: no
``{% load %}``): ``{{ appointment.starts_at|datetime_label:"weekday" }}``. Templates keep
``|date:`` only for machine formats (``Y-m-d`` in inputs and links, ``Y-m``, ``c``) and ``|time``
for a time of day; ``clinic/tests/test_dates.py`` fails on any other ``|date:`` format.

In Python: ``date_label(day)``, ``datetime_label(moment, tz=clinic.tz)``; an aware datetime is
shown in ``tz`` when given, else in the zone it carries.
"""

import functools
from datetime import date, datetime

from django import template
from django.utils import timezone, translation
from django.utils.dateformat import format as format_value

DATE_STYLES = {
    "date": "j F Y",
    "weekday": "l j F Y",
    "day": "l j F",
    "short": "D j M",
    "month": "F Y",
    "day_name": "l",
}
DATETIME_STYLES = {
    "date": "j F Y, H:i",
    "weekday": "l j F Y, H:i",
    "day": "l j F, H:i",
    "short": "D j M, H:i",
    "precise": "j F Y, H:i:s e",
}
# |date: formats a template may still use: machine-readable ones, not for people to read.
MACHINE_FORMATS = frozenset({"Y-m-d", "Y-m", "c"})


def _style(styles: dict[str, str], style: str) -> str:
    try:
        return styles[style]
    except KeyError:
        raise ValueError(f"Unknown date style {style!r}: one of {', '.join(styles)}.") from None


def _local(value, tz=None):
    if tz is not None and isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value, tz)
    return value


def date_label(value: date | datetime | None, style: str = "date", *, tz=None) -> str:
    """A day as people read it (see the module's table); "" for None. An aware datetime is
    shown in ``tz`` when given, else in the zone it carries."""
    if value in (None, ""):
        return ""
    if type(value) is date:
        return _day_label(value, _style(DATE_STYLES, style), translation.get_language())
    return format_value(_local(value, tz), _style(DATE_STYLES, style))


@functools.lru_cache(maxsize=4096)
def _day_label(day: date, pattern: str, language: str | None) -> str:
    # A calendar page writes some forty days: formatting each (month names through gettext)
    # was a tenth of its CPU time. A day's words depend only on the day, style and language.
    return format_value(day, pattern)


def datetime_label(value: datetime | None, style: str = "date", *, tz=None) -> str:
    """A moment as people read it, in ``tz`` when given, else in the zone it carries
    (``timezone.localtime(moment)`` for the current one); "" for None."""
    if value in (None, ""):
        return ""
    return format_value(_local(value, tz), _style(DATETIME_STYLES, style))


def _filtered(value, formats: dict[str, str], style: str) -> str:
    # The template engine has already put the value in the current zone (or the one a
    # ``|timezone:`` filter chose): no second conversion here. Like ``|date``, a value that is
    # not a date (a context string that did not parse) shows as nothing.
    pattern = _style(formats, style)
    if value in (None, ""):
        return ""
    try:
        if type(value) is date:
            return _day_label(value, pattern, translation.get_language())
        return format_value(value, pattern)
    except (AttributeError, TypeError):
        return ""


# --- The template filters (settings.TEMPLATES builtins) -----------------------------------------

register = template.Library()


@register.filter(name="date_label", expects_localtime=True)
def date_label_filter(value, style: str = "date") -> str:
    return _filtered(value, DATE_STYLES, style)


@register.filter(name="datetime_label", expects_localtime=True)
def datetime_label_filter(value, style: str = "date") -> str:
    return _filtered(value, DATETIME_STYLES, style)
