"""A manager's change that would leave booked sessions outside the rules: the list they confirm
before saving.

A treatment's spacing (bookings) or the clinic's time zone (here) can change under sessions
already booked: a minimum raised, a zone that moves a session onto another calendar day. The
change is never applied to those sessions; the manager sees which ones no longer fit (client,
date, gap, rule) and saves anyway or not. The services raise ``ChangeNeedsConfirmation`` with the
list until the caller passes ``save_anyway=True``.

The clinic app cannot import bookings (dependencies point one way), so bookings registers the
question "which future sessions no longer fit if the zone changes from A to B" when it starts,
in its ``AppConfig.ready``::

    from clinic.rule_changes import time_zone_change_check_register
    time_zone_change_check_register(sessions_not_fitting_time_zone)

A system check (``clinic.E001``) refuses to start when bookings is installed and has not.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.apps import apps
from django.core import checks
from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class SessionMisfit:
    """A booked session that would no longer fit the rules after a change."""

    appointment_id: int
    client_name: str
    treatment: str
    areas: str
    starts_at: datetime  # in the zone the list is shown in (after the change)
    other_day: date  # the session it is too close to, or too far from
    gap_days: int  # calendar days between the two, after the change
    reason: str  # "28 days after the session on ...: the minimum would be 35 days."


class ChangeNeedsConfirmation(ValidationError):
    """The change is allowed, but these booked sessions would no longer fit: show them and ask."""

    def __init__(self, misfits: list[SessionMisfit]):
        self.misfits = misfits
        count = len(misfits)
        super().__init__(
            f"{count} booked session{'s' if count != 1 else ''} would no longer fit the rules after this change: "
            "check the list, then save anyway or change it back.",
            code="needs_confirmation",
        )


_time_zone_checks: list[Callable[..., list[SessionMisfit]]] = []


def time_zone_change_check_register(check: Callable[..., list[SessionMisfit]]) -> None:
    """``check(*, old_zone: str, new_zone: str) -> list[SessionMisfit]``; registering twice is a no-op."""
    if check not in _time_zone_checks:
        _time_zone_checks.append(check)


def time_zone_change_misfits(*, old_zone: str, new_zone: str) -> list[SessionMisfit]:
    """Every registered app's booked sessions that would no longer fit after the zone change."""
    if old_zone == new_zone:
        return []
    found: list[SessionMisfit] = []
    for check in _time_zone_checks:
        found.extend(check(old_zone=old_zone, new_zone=new_zone))
    return sorted(found, key=lambda misfit: (misfit.starts_at, misfit.appointment_id))


@checks.register()
def time_zone_change_check_installed(app_configs=None, **kwargs):
    if apps.is_installed("bookings") and not _time_zone_checks:
        return [
            checks.Error(
                "bookings is installed but registered no time-zone-change check: a change of the clinic's "
                "zone would not show the booked sessions it moves.",
                hint="Call clinic.rule_changes.time_zone_change_check_register in BookingsConfig.ready().",
                id="clinic.E001",
            )
        ]
    return []
