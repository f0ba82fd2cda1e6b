"""The availability engine, pure Python over plain data (no ORM): ``engine`` (``find_availability``,
``check_start``), ``spacing`` (the spacing and clearance rules), ``data`` (what it reads and
answers). ``bookings.selectors.availability`` loads its inputs in a fixed number of queries."""

from .data import (
    AvailabilityInputs,
    BusyTimes,
    ClearanceWindow,
    DayAvailability,
    PractitionerDiary,
    Reason,
    RoomDiary,
    Session,
    SessionTiming,
    Slot,
    SpacingRule,
    StartCheck,
    local_instant,
    long_date,
    needling_minutes,
)
from .engine import check_start, find_availability
from .spacing import SpacingVerdict, spacing_verdict

__all__ = [
    "AvailabilityInputs",
    "BusyTimes",
    "ClearanceWindow",
    "DayAvailability",
    "PractitionerDiary",
    "Reason",
    "RoomDiary",
    "Session",
    "SessionTiming",
    "Slot",
    "SpacingRule",
    "SpacingVerdict",
    "StartCheck",
    "check_start",
    "find_availability",
    "local_instant",
    "long_date",
    "needling_minutes",
    "spacing_verdict",
]
