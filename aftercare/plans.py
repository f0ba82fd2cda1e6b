"""The aftercare plan builder: a protocol applied to one session, with real dates.

Pure Python over plain data: no ORM, no settings. ``aftercare.selectors.protocol_for`` loads a
protocol into these dataclasses; ``build_plan`` turns it into a JSON-able dict that is frozen
on the session's ``AftercarePlan`` (editing a protocol later does not rewrite a plan a client
already took home).
"""

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from clinic.dates import date_label
from consultations.areas import Area

from .protocols import DepthBand, SkinType, depth_band

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
CHECKLIST_DAYS = 7
# Rules of a narrower scope win a tie on duration: their text was written for this client.
_SCOPE_WEIGHT = {"general": 0, "area": 1, "depth": 2, "skin_type": 3}


@dataclass(frozen=True)
class Rule:
    scope: str
    instruction: str
    duration_hours: int | None = None
    topic: str = ""
    detail: str = ""
    area: str = ""
    depth_band: str = ""
    skin_type: str = ""
    order: int = 0


@dataclass(frozen=True)
class Step:
    day_from: int
    day_to: int
    title: str
    text: str
    depth_band: str = ""


@dataclass(frozen=True)
class Product:
    kind: str
    name: str
    how_to_use: str = ""
    from_day: int = 0


@dataclass(frozen=True)
class Sign:
    text: str
    urgent: bool = False


@dataclass(frozen=True)
class Protocol:
    name: str
    introduction: str = ""
    results_from_months: int = 3
    results_to_months: int = 6
    results_text: str = ""
    rules: tuple[Rule, ...] = ()
    timeline: tuple[Step, ...] = ()
    products: tuple[Product, ...] = ()
    warning_signs: tuple[Sign, ...] = ()


def day_label(day: date) -> str:
    """ "Thursday 12 March" """
    return date_label(day, "day")


def day_label_with_year(day: date) -> str:
    return date_label(day, "weekday")


def short_day_label(day: date) -> str:
    return f"{WEEKDAYS[day.weekday()][:3]} {day.day}"


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day (31 August + 6 months = 28/29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def duration_label(hours: int) -> str:
    if hours <= 72:
        return f"{hours} hours" if hours != 1 else "1 hour"
    if hours % (24 * 7) == 0:
        weeks = hours // (24 * 7)
        return f"{weeks} weeks" if weeks != 1 else "1 week"
    if hours % 24 == 0:
        return f"{hours // 24} days"
    return f"{hours} hours"


def _because(rule: Rule) -> str:
    if rule.scope == "area":
        return Area(rule.area).label
    if rule.scope == "depth":
        return f"Needle depth {DepthBand(rule.depth_band).label.lower()}"
    if rule.scope == "skin_type":
        return SkinType(rule.skin_type).label
    return "Everyone"


def _applies(rule: Rule, *, areas: frozenset[str], band: str, skin_types: frozenset[str]) -> bool:
    if rule.scope == "general":
        return True
    if rule.scope == "area":
        return rule.area in areas
    if rule.scope == "depth":
        return rule.depth_band == band
    if rule.scope == "skin_type":
        return rule.skin_type in skin_types
    return False


def _strength(rule: Rule) -> tuple:
    # An open-ended rule outlasts any rule with an end.
    return (rule.duration_hours is None, rule.duration_hours or 0, _SCOPE_WEIGHT.get(rule.scope, 0), -rule.order)


def build_plan(
    protocol: Protocol,
    *,
    depths: Mapping[str, Decimal],
    skin_types: Iterable[str],
    completed_at: datetime,
    tz: ZoneInfo,
    next_window_days: tuple[int, int] = (28, 42),
    course_finished: bool = False,
    review_after_months: int = 3,
) -> dict:
    """The plan for a session that ended at ``completed_at`` with ``depths`` (area code -> mm).

    Dates are calendar days in the clinic's zone ``tz``. Raises ``ValueError`` for an area that
    is not an ``Area`` code or a naive datetime (a programming error, not the client's).
    """
    if completed_at.tzinfo is None:
        raise ValueError("completed_at must be an aware datetime")
    if not depths:
        raise ValueError("a plan needs at least one treated area")
    areas = frozenset(depths)
    unknown = areas - set(Area.values)
    if unknown:
        raise ValueError(f"unknown areas: {sorted(unknown)}")
    skin = frozenset(skin_types)
    local_end = completed_at.astimezone(tz)
    day0 = local_end.date()
    deepest = max(depths.values())
    band = depth_band(deepest)

    # Merge rules by topic: the strongest of each topic is kept.
    chosen: dict[str, Rule] = {}
    standalone: list[Rule] = []
    for rule in sorted(protocol.rules, key=lambda r: r.order):
        if not _applies(rule, areas=areas, band=band, skin_types=skin):
            continue
        if not rule.topic:
            standalone.append(rule)
        elif rule.topic not in chosen or _strength(rule) > _strength(chosen[rule.topic]):
            chosen[rule.topic] = rule
    timed, notes = [], []
    for rule in [*chosen.values(), *standalone]:
        item = {
            "topic": rule.topic,
            "instruction": rule.instruction,
            "detail": rule.detail,
            "because": _because(rule),
        }
        if rule.duration_hours is None:
            notes.append(item)
            continue
        # Elapsed hours, not wall-clock hours: add in UTC, then read the clinic's clock.
        until = (completed_at.astimezone(UTC) + timedelta(hours=rule.duration_hours)).astimezone(tz)
        if rule.duration_hours <= 72:
            until_label = f"{until:%H:%M} on {day_label(until.date())}"
        else:
            until_label = day_label(until.date())
        timed.append(
            {
                **item,
                "duration_hours": rule.duration_hours,
                "duration_label": duration_label(rule.duration_hours),
                "until": until.isoformat(),
                "until_label": until_label,
            }
        )
    timed.sort(key=lambda item: (item["duration_hours"], item["instruction"]))

    timeline = []
    for step in sorted(protocol.timeline, key=lambda s: (s.day_from, s.day_to)):
        if step.depth_band and step.depth_band != band:
            continue
        first, last = day0 + timedelta(days=step.day_from), day0 + timedelta(days=step.day_to)
        if step.day_from == step.day_to:
            days, dates = f"Day {step.day_from}", day_label(first)
        else:
            days = f"Days {step.day_from}–{step.day_to}"
            dates = f"{day_label(first)} – {day_label(last)}"
        timeline.append({"days_label": days, "dates_label": dates, "title": step.title, "text": step.text})

    products = [
        {
            "kind": product.kind,
            "name": product.name,
            "how_to_use": product.how_to_use,
            "from_day": product.from_day,
            "from_label": "from today"
            if product.from_day == 0
            else f"from {day_label(day0 + timedelta(product.from_day))}",
        }
        for product in protocol.products
    ]
    checklist_days = [day0 + timedelta(days=n) for n in range(CHECKLIST_DAYS)]
    checklist = {
        "days": [{"label": short_day_label(d), "day": n} for n, d in enumerate(checklist_days)],
        "rows": [{"label": p["name"], "cells": [n >= p["from_day"] for n in range(CHECKLIST_DAYS)]} for p in products],
    }

    if course_finished:
        next_session = None
        review_on = add_months(day0, review_after_months)
        review = {"on": review_on.isoformat(), "on_label": day_label_with_year(review_on)}
    else:
        low, high = (day0 + timedelta(days=n) for n in next_window_days)
        next_session = {
            "from": low.isoformat(),
            "to": high.isoformat(),
            "from_label": day_label(low),
            "to_label": day_label_with_year(high),
        }
        review = None
    results_from = add_months(day0, protocol.results_from_months)
    results_to = add_months(day0, protocol.results_to_months)

    return {
        "protocol": protocol.name,
        "introduction": protocol.introduction,
        "completed_at": local_end.isoformat(),
        "completed_on_label": day_label_with_year(day0),
        "areas": [
            {"code": code, "label": Area(code).label, "depth_mm": f"{depths[code]:.2f}"}
            for code in Area.values
            if code in areas
        ],
        "deepest_mm": f"{deepest:.2f}",
        "depth_band": band.value,
        "depth_band_label": band.label,
        "skin_types": [SkinType(code).label for code in SkinType.values if code in skin],
        "rules": timed,
        "notes": notes,
        "timeline": timeline,
        "products": products,
        "serums": [p for p in products if p["kind"] == "serum"],
        "checklist": checklist,
        "warning_signs": [{"text": s.text, "urgent": s.urgent} for s in protocol.warning_signs],
        "next_session": next_session,
        "review": review,
        "results": {
            "from_label": date_label(results_from, "month"),
            "to_label": date_label(results_to, "month"),
            "from_months": protocol.results_from_months,
            "to_months": protocol.results_to_months,
            "text": protocol.results_text,
        },
    }
