"""The insights page's sections, in order: a plain list that another app's section can be appended
to (``section_register``), each building its tables from the selectors for a scope.

A section marked ``own_figures`` is shown to a practitioner too, cut to their own sessions.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from clinic.dates import date_label
from consultations.models import IntakeStatus
from payments.selectors.reports import money_reports

from .selectors.attendance import OUTCOMES, attendance, rebooking
from .selectors.clinical import clinical_flow, messages_report
from .selectors.courses import course_completion
from .selectors.scope import Scope
from .selectors.utilisation import utilisation
from .tables import Table

# A consultation belongs to no location, practitioner or room: its figures stay the clinic's.
WHOLE_CLINIC = "The consultations are the whole clinic's (a consultation belongs to no location, practitioner or room)."
# A message about no session (a consultation's, a summary, the desk's reminder) has no location either.
WHOLE_CLINIC_MESSAGES = "whole clinic, not about a session"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Section:
    code: str
    title: str
    build: Callable[..., list[Table]]
    own_figures: bool = False
    # A section drawn by a template of its own (another app's partial): ``build`` returns that
    # template's context instead of tables, and it has no CSV.
    template: str = ""


def _utilisation(scope: Scope, **_options) -> list[Table]:
    figures = utilisation(scope)
    practitioners = Table(
        "utilisation-practitioners",
        "Practitioners: booked needling minutes over working minutes",
        ["Practitioner", "Booked minutes", "Working minutes", "Utilisation %"],
        [[r.name, r.booked_minutes, r.available_minutes, r.rate] for r in figures["practitioners"]],
        chart_columns=[3],
        unit="%",
    )
    rooms = Table(
        "utilisation-rooms",
        "Rooms: minutes held (numbing, needling, turnover) over opening minutes",
        ["Room", "Minutes held", "Opening minutes", "Occupancy %"],
        [[r.name, r.booked_minutes, r.available_minutes, r.rate] for r in figures["rooms"]],
        chart_columns=[3],
        unit="%",
    )
    cells = figures["heat_map"]
    hours = sorted({hour for _day, hour in cells}) or list(range(9, 18))
    hours = list(range(min(hours), max(hours) + 1))
    heat = Table(
        "utilisation-heat-map",
        "Booked sessions by day of the week and hour of arrival (local time)",
        ["Day", *[f"{hour:02d}:00" for hour in hours]],
        [[WEEKDAYS[day - 1], *[cells.get((day, hour), 0) for hour in hours]] for day in range(1, 8)],
        heat=True,
    )
    return [practitioners, rooms, heat]


def _outcome_rows(groups) -> list[list]:
    return [[g.label, *[g.counts.get(code, 0) for code, _l in OUTCOMES], g.total, g.rate("no_show")] for g in groups]


def _attendance(scope: Scope, **_options) -> list[Table]:
    figures = attendance(scope)
    columns = ["Sessions", *[label for _code, label in OUTCOMES], "All", "No-show %"]
    total = figures["total"]
    overall = Table(
        "attendance-outcomes",
        "How the period's sessions ended",
        ["Outcome", "Sessions", "Share %"],
        [[label, total.counts.get(code, 0), total.rate(code)] for code, label in OUTCOMES],
        chart_columns=[1],
        chart_type="doughnut",
    )
    channel = Table(
        "attendance-channel", "By channel", columns, _outcome_rows(figures["by_channel"]), chart_columns=[1, 2, 3, 4]
    )
    lead = Table(
        "attendance-lead-time",
        "By how long before the session it was booked",
        columns,
        _outcome_rows(figures["by_lead_time"]),
        chart_columns=[1, 2, 3, 4],
    )
    again = rebooking(scope)
    rebooked = Table(
        "rebooking",
        f"Rebooking after {again['completed']} completed sessions",
        ["Next session booked", "Sessions", "Share %"],
        [
            ["Before the client left (same day)", again["same_day"], again["same_day_rate"]],
            ["Inside the course window", again["in_window"], again["in_window_rate"]],
        ],
        chart_columns=[2],
        unit="%",
    )
    return [overall, channel, lead, rebooked]


def _completion(scope: Scope, *, practitioner_user_id=None, **_options) -> list[Table]:
    figures = course_completion(scope, practitioner_user_id)
    funnel = Table(
        "completion-funnel",
        "From consultation to the last session of the course (clients who sent a consultation in the period)",
        ["Step", "Clients", "Dropped off"],
        [[step["step"], step["clients"], step["drop_off"]] for step in figures["funnel"]],
        chart_columns=[1],
    )
    spacing = figures["spacing"]
    low, high = spacing["window"]
    median = spacing["median_days"]
    gaps = Table(
        "completion-spacing",
        f"Days between sessions of a course against the {low}–{high} day window",
        ["Gap", "Sessions"],
        [
            [f"Under {low} days", spacing["early"]],
            [f"{low}–{high} days", spacing["in_window"]],
            [f"Over {high} days", spacing["late"]],
        ],
        chart_columns=[1],
        note=f"Median: {median:g} days." if median is not None else "No second sessions in the period.",
    )
    lapsed = figures["lapsed"]
    lapsed_table = Table(
        "completion-lapsed",
        f"Courses whose window closed without a next booking: {lapsed['count']}",
        ["Client", "Treatment", "Sessions done", "Window closed"],
        [
            [c.client.get_full_name() or c.client.email, c.treatment.name, c.done, date_label(c.closes_on)]
            for c in lapsed["courses"]
        ],
    )
    return [funnel, gaps, lapsed_table]


def _clinical(scope: Scope, **_options) -> list[Table]:
    figures = clinical_flow(scope)
    queue, worried = figures["queue"], figures["worried"]
    flow = Table(
        "clinical-flow",
        "Consultations and check-ins",
        ["Figure", "Value"],
        [
            ["Consultations waiting for review now", queue["waiting"]],
            ["Decisions in the period", queue["decided"]],
            ["Median hours from submission to decision", queue["median_hours"]],
            ["Worried check-ins", worried["worried"]],
            ["Worried check-ins nobody has marked seen", worried["not_seen"]],
        ],
        note=WHOLE_CLINIC if scope.appointment_filter() else "",
    )
    # One row per reason, a column per decision: a reason that both deferred and declined
    # consultations is one bar of each, not two bars of the same name.
    decisions = [IntakeStatus.DEFERRED.label, IntakeStatus.DECLINED.label]
    by_reason: dict[str, dict[str, int]] = {}
    for r in figures["reasons"]:
        by_reason.setdefault(r["reason"], {})[r["decision"]] = r["intakes"]
    reasons = Table(
        "clinical-reasons",
        "Deferrals and declines by reason",
        ["Reason", *decisions],
        [[reason, *[counts.get(d, 0) for d in decisions]] for reason, counts in sorted(by_reason.items())],
        chart_columns=[1, 2],
        note=WHOLE_CLINIC if scope.appointment_filter() else "",
    )
    return [flow, reasons]


def _messages(scope: Scope, **_options) -> list[Table]:
    rows = messages_report(scope)
    note = (
        "Waiting: not sent yet. Delayed: sent, or still waiting, more than "
        f"{settings.OUTBOX_DELAY_ALERT_MINUTES} minutes after it was due."
    )
    whole = sum(r[n] for r in rows if r["whole_clinic"] for n in ("sent", "failed", "skipped", "waiting"))
    if whole:
        note += (
            " Messages about no session (consultations, summaries, the front desk's reminders) belong to no "
            "location, practitioner or room: they stay in as the whole clinic's, in the rows marked "
            f'"{WHOLE_CLINIC_MESSAGES}" ({whole} in the period).'
        )
    return [
        Table(
            "messages",
            "Messages due in the period, by kind and channel",
            ["Kind and channel", "Sent", "Failed", "Skipped", "Waiting", "Delayed"],
            [
                [
                    f"{r['kind_label']} ({r['channel_label']})"
                    + (f": {WHOLE_CLINIC_MESSAGES}" if r["whole_clinic"] else ""),
                    *(r[n] for n in ("sent", "failed", "skipped", "waiting", "delayed")),
                ]
                for r in rows
            ],
            chart_columns=[1, 2, 3, 4, 5],
            note=note,
        )
    ]


def _money(scope: Scope, **_options) -> dict:
    """payments' money reports for the period and the chosen location (its own selector and
    partial). Money is not cut by practitioner or room: much of it is taken on account."""
    reports = money_reports(start=scope.first_day, end=scope.last_day, location_id=scope.location_id)
    return {"reports": reports, "scope": scope}


SECTIONS: list[Section] = [
    Section("utilisation", "Utilisation", _utilisation, own_figures=True),
    Section("attendance", "Attendance and rebooking", _attendance),
    Section("completion", "Course completion", _completion, own_figures=True),
    Section("clinical", "Clinical flow", _clinical),
    Section("messages", "Messages", _messages),
    Section("money", "Money", _money, template="insights/_money.html"),
]


def section_register(section: Section) -> None:
    """Add a section at the end of the page (another app's, from its ``AppConfig.ready()``)."""
    if any(existing.code == section.code for existing in SECTIONS):
        raise ValueError(f"An insights section {section.code!r} is registered already.")
    SECTIONS.append(section)
