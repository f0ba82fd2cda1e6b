"""Which booked sessions would no longer fit the spacing rules after a manager's change: a
treatment's minimum or maximum days, or the clinic's time zone (which can move a session onto
another calendar day, and so change the days between two sessions by one).

A session "no longer fits" when it is still to come, counts (booked, checked in, in treatment)
and a pair it belongs to keeps the rule today but breaks it after the change:

- too close: a session of the same client and treatment on a shared area, earlier than it,
  fewer calendar days before it than the minimum;
- too far: the previous session of its course more calendar days before it than the maximum
  (after the change it would start a new course, not continue this one).

Each pair is listed once, under its later session. Sessions that already broke a rule before
the change are not listed again. Nothing is changed: the list is what the manager confirms
(``clinic.rule_changes``). One query, whatever the number of sessions.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby
from zoneinfo import ZoneInfo

from django.utils import timezone

from clinic.models import ClinicProfile
from clinic.rule_changes import SessionMisfit

from .availability import long_date
from .models import Appointment, Treatment


@dataclass(frozen=True)
class SpacingRules:
    min_days: int
    max_days: int
    tz: ZoneInfo

    def day(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()


def _clients_sessions(*, treatment_id: int | None, now: datetime) -> list[Appointment]:
    """Every counting session of the clients who have one still to come (of that treatment)."""
    counting = Appointment.objects.filter(status__in=Appointment.ACTIVE_STATUSES)
    if treatment_id is not None:
        counting = counting.filter(treatment_id=treatment_id)
    waiting = counting.filter(starts_at__gt=now).values("client_id")
    return list(
        counting.filter(client_id__in=waiting)
        .select_related("client", "treatment")
        .order_by("client_id", "treatment_id", "starts_at", "pk")
    )


def _misfit(session: Appointment, other: Appointment, *, after: SpacingRules, reason: str) -> SessionMisfit:
    return SessionMisfit(
        appointment_id=session.pk,
        client_name=str(session.client),
        treatment=str(session.treatment),
        areas=session.area_labels,
        starts_at=session.starts_at.astimezone(after.tz),
        other_day=after.day(other.starts_at),
        gap_days=(after.day(session.starts_at) - after.day(other.starts_at)).days,
        reason=reason,
    )


def _too_close(session, earlier, *, before: SpacingRules, after: SpacingRules) -> SessionMisfit | None:
    areas = set(session.areas)
    for other in reversed(earlier):
        if not areas & set(other.areas):
            continue
        gap_after = (after.day(session.starts_at) - after.day(other.starts_at)).days
        if gap_after >= after.min_days:
            return None  # the nearest such session is far enough: every earlier one is too
        gap_before = (before.day(session.starts_at) - before.day(other.starts_at)).days
        if gap_before >= before.min_days:
            reason = (
                f"{gap_after} days after the session on {long_date(after.day(other.starts_at))}, on the same area: "
                f"closer than the minimum of {after.min_days} days."
            )
            return _misfit(session, other, after=after, reason=reason)
    return None


def _too_far(session, earlier, *, before: SpacingRules, after: SpacingRules) -> SessionMisfit | None:
    previous = next((other for other in reversed(earlier) if other.course_id == session.course_id), None)
    if previous is None:
        return None
    gap_after = (after.day(session.starts_at) - after.day(previous.starts_at)).days
    gap_before = (before.day(session.starts_at) - before.day(previous.starts_at)).days
    if gap_after <= after.max_days or gap_before > before.max_days:
        return None
    reason = (
        f"{gap_after} days after the previous session of its course, on "
        f"{long_date(after.day(previous.starts_at))}: later than the maximum of {after.max_days} days."
    )
    return _misfit(session, previous, after=after, reason=reason)


def _misfits(
    sessions: list[Appointment], *, rules: Callable[[Treatment], tuple[SpacingRules, SpacingRules]], now: datetime
) -> list[SessionMisfit]:
    found: list[SessionMisfit] = []
    for _, group in groupby(sessions, key=lambda a: (a.client_id, a.treatment_id)):
        ordered = list(group)
        before, after = rules(ordered[0].treatment)
        for index, session in enumerate(ordered):
            if session.starts_at <= now:
                continue
            earlier = ordered[:index]
            for check in (_too_close, _too_far):
                misfit = check(session, earlier, before=before, after=after)
                if misfit is not None:
                    found.append(misfit)
    return sorted(found, key=lambda misfit: (misfit.starts_at, misfit.appointment_id))


def sessions_not_fitting_treatment_change(
    *, treatment: Treatment, spacing_min_days: int, spacing_max_days: int, tz: ZoneInfo | None = None
) -> list[SessionMisfit]:
    """Booked sessions of ``treatment`` (as stored) that would no longer fit its new minimum
    and maximum days."""
    if (spacing_min_days, spacing_max_days) == (treatment.spacing_min_days, treatment.spacing_max_days):
        return []
    tz = tz or ClinicProfile.get().tz
    before = SpacingRules(treatment.spacing_min_days, treatment.spacing_max_days, tz)
    after = SpacingRules(spacing_min_days, spacing_max_days, tz)
    now = timezone.now()
    return _misfits(_clients_sessions(treatment_id=treatment.pk, now=now), rules=lambda _: (before, after), now=now)


def sessions_not_fitting_time_zone(*, old_zone: str, new_zone: str) -> list[SessionMisfit]:
    """Booked sessions that would no longer fit their treatment's spacing once days are counted
    on ``new_zone``'s clock instead of ``old_zone``'s. Registered with ``clinic.rule_changes``."""
    old_tz, new_tz = ZoneInfo(old_zone), ZoneInfo(new_zone)

    def rules(treatment: Treatment) -> tuple[SpacingRules, SpacingRules]:
        return (
            SpacingRules(treatment.spacing_min_days, treatment.spacing_max_days, old_tz),
            SpacingRules(treatment.spacing_min_days, treatment.spacing_max_days, new_tz),
        )

    now = timezone.now()
    return _misfits(_clients_sessions(treatment_id=None, now=now), rules=rules, now=now)
