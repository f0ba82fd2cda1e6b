"""The availability engine as plain functions (no database): timing, working hours, numbing,
turnover, spacing, daylight-saving days, and properties checked with hypothesis."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings.availability import (
    AvailabilityInputs,
    BusyTimes,
    ClearanceWindow,
    PractitionerDiary,
    Reason,
    RoomDiary,
    Session,
    SessionTiming,
    SpacingRule,
    check_start,
    find_availability,
    local_instant,
    needling_minutes,
    spacing_verdict,
)

LONDON = ZoneInfo("Europe/London")
MINUTES = {"face": 45, "neck": 30, "decolletage": 30, "abdomen": 60, "thighs": 60, "arms": 45}
WEEKDAYS = {day: ((time(9), time(13)), (time(14), time(18))) for day in range(6)}
FACE = SessionTiming(timedelta(minutes=30), timedelta(minutes=45), timedelta(minutes=15))
MONDAY = date(2026, 6, 1)
JANUARY = datetime(2026, 1, 1, tzinfo=UTC)


def inputs(**overrides) -> AvailabilityInputs:
    values = {
        "tz": LONDON,
        "now": datetime(2026, 5, 1, 9, tzinfo=UTC),
        "timing": FACE,
        "areas": frozenset({"face"}),
        "practitioners": (PractitionerDiary(1, WEEKDAYS),),
        "rooms": (RoomDiary(10),),
    }
    values.update(overrides)
    return AvailabilityInputs(**values)


def local(day: date, hhmm: str, tz=LONDON) -> datetime:
    hours, minutes = (int(part) for part in hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=tz)


def wall(moment: datetime, tz=LONDON) -> str:
    return moment.astimezone(tz).strftime("%H:%M")


def test_needling_minutes_add_up_and_are_capped():
    assert needling_minutes(MINUTES, ["face"], 60) == 45
    assert needling_minutes(MINUTES, ["face", "neck"], 60) == 60
    assert needling_minutes(MINUTES, ["neck", "decolletage"], 60) == 60
    assert needling_minutes(MINUTES, ["neck"], 60) == 30
    assert needling_minutes(MINUTES, ["face", "neck", "neck"], 90) == 75


def test_busy_times_are_half_open_and_may_overlap_each_other():
    t = datetime(2026, 6, 1, 9, tzinfo=UTC)
    busy = BusyTimes([(t, t + timedelta(hours=3)), (t + timedelta(minutes=30), t + timedelta(hours=1))])
    assert not busy.is_free(t + timedelta(hours=2), t + timedelta(hours=2, minutes=30))
    assert busy.is_free(t + timedelta(hours=3), t + timedelta(hours=4))
    assert busy.is_free(t - timedelta(hours=1), t)


def test_a_day_starts_with_numbing_at_opening_and_ends_with_needling_at_closing():
    (day,) = find_availability(inputs(), MONDAY, MONDAY)
    starts = [wall(slot.starts_at) for slot in day.slots]
    assert starts[0] == "09:00"
    assert wall(day.slots[0].needling_starts_at) == "09:30"
    # The last arrival lets needling (45 min) end by 18:00.
    assert starts[-1] == "16:45"
    # Needling never crosses the lunch break, but numbing may run through it.
    assert "11:45" in starts and "12:00" not in starts and "13:15" not in starts and "13:30" in starts
    assert wall(day.slots[starts.index("11:45")].needling_ends_at) == "13:00"
    assert wall(day.slots[starts.index("13:30")].needling_starts_at) == "14:00"


def test_a_practitioner_needles_one_client_while_another_sits_with_numbing_cream():
    busy_needling = (local(MONDAY, "09:30"), local(MONDAY, "10:15"))
    day = find_availability(
        inputs(
            practitioners=(PractitionerDiary(1, WEEKDAYS, busy=(busy_needling,)),), rooms=(RoomDiary(10), RoomDiary(11))
        ),
        MONDAY,
        MONDAY,
    )[0]
    starts = [wall(slot.starts_at) for slot in day.slots]
    # Arriving at 09:45 means needling at 10:15, just as the practitioner is free.
    assert "09:45" in starts and "09:30" not in starts and "09:00" not in starts


def test_room_turnover_keeps_the_room_after_needling():
    room_busy = (local(MONDAY, "09:00"), local(MONDAY, "10:30"))  # a session with turnover
    day = find_availability(inputs(rooms=(RoomDiary(10, busy=(room_busy,)),)), MONDAY, MONDAY)[0]
    assert wall(day.slots[0].starts_at) == "10:30"
    assert wall(day.slots[0].ends_at) == "12:00"


def test_online_notice_and_horizon_are_reasons():
    now = local(MONDAY, "10:00")
    days = find_availability(
        inputs(now=now, online=True, notice=timedelta(hours=24), horizon=timedelta(days=90)),
        MONDAY - timedelta(days=1),
        MONDAY + timedelta(days=92),
    )
    by_day = {d.day: d for d in days}
    assert by_day[MONDAY - timedelta(days=1)].reason == Reason.PAST
    assert by_day[MONDAY].reason == Reason.NOTICE
    assert by_day[MONDAY].next_possible == MONDAY + timedelta(days=1)
    assert wall(by_day[MONDAY + timedelta(days=1)].slots[0].starts_at) == "10:00"
    assert by_day[MONDAY + timedelta(days=91)].reason == Reason.TOO_FAR
    assert by_day[MONDAY + timedelta(days=6)].reason == Reason.CLOSED  # Sunday


def test_a_clinic_closure_closes_the_day_and_a_half_day_closure_only_the_afternoon():
    closures = (
        (local(MONDAY, "00:00"), local(MONDAY + timedelta(days=1), "00:00")),
        (local(MONDAY + timedelta(days=1), "13:00"), local(MONDAY + timedelta(days=2), "00:00")),
    )
    monday, tuesday = find_availability(inputs(closures=closures), MONDAY, MONDAY + timedelta(days=1))
    assert monday.reason == Reason.CLOSED
    assert wall(tuesday.slots[-1].ends_at) <= "13:00"


def test_a_fully_booked_day_says_so():
    full = (local(MONDAY, "08:00"), local(MONDAY, "19:00"))
    (day,) = find_availability(inputs(rooms=(RoomDiary(10, busy=(full,)),)), MONDAY, MONDAY)
    assert day.reason == Reason.FULLY_BOOKED
    assert day.message == "Every time on this day is taken."


def test_clearance_days_before_valid_from_and_after_valid_until():
    window = ClearanceWindow(ok=True, valid_from=MONDAY + timedelta(days=1), valid_until=MONDAY + timedelta(days=3))
    days = find_availability(inputs(clearance=window), MONDAY, MONDAY + timedelta(days=4))
    assert [d.reason or "open" for d in days] == [
        Reason.CLEARANCE_MISSING,
        "open",
        "open",
        "open",
        Reason.CLEARANCE_EXPIRED,
    ]
    assert "runs until Thursday 4 June 2026" in days[-1].message
    missing = find_availability(
        inputs(clearance=ClearanceWindow(ok=False, code="no_intake", message="Fill it in")), MONDAY, MONDAY
    )
    assert (missing[0].reason, missing[0].message) == (Reason.CLEARANCE_MISSING, "Fill it in")


# --- Spacing ------------------------------------------------------------------------------------


def session(day: date, areas=("face",), course=1, planned=3) -> Session:
    return Session(day=day, areas=frozenset(areas), course_id=course, course_planned_sessions=planned)


def verdict(day, sessions, *, areas=("face",), today=MONDAY, online=True):
    return spacing_verdict(
        day=day, areas=frozenset(areas), sessions=sessions, rule=SpacingRule(28, 42), today=today, online=online
    )


def test_spacing_from_both_neighbours():
    before, after = session(MONDAY), session(MONDAY + timedelta(days=60))
    assert not verdict(MONDAY + timedelta(days=27), [before, after]).ok
    assert not verdict(MONDAY + timedelta(days=33), [before, after]).ok  # 27 days before the next
    middle = verdict(MONDAY + timedelta(days=30), [before, after])
    assert middle.ok and middle.course_id == 1


def test_spacing_counts_only_sessions_sharing_an_area():
    assert (
        verdict(MONDAY + timedelta(days=14), [session(MONDAY, ["face", "neck"])], areas=["neck"]).code == Reason.SPACING
    )
    assert verdict(MONDAY + timedelta(days=14), [session(MONDAY, ["face", "neck"])], areas=["thighs"]).ok


def test_the_window_for_clients_staff_and_after_it_has_passed():
    previous = session(MONDAY)
    late = MONDAY + timedelta(days=43)
    client = verdict(late, [previous], online=True)
    assert (client.ok, client.code) == (False, Reason.OUTSIDE_WINDOW)
    assert client.next_possible == MONDAY + timedelta(days=28)
    staff = verdict(late, [previous], online=False)
    assert staff.ok and staff.needs_reason and staff.starts_new_course and staff.course_id is None
    passed = verdict(late, [previous], today=MONDAY + timedelta(days=43), online=True)
    assert passed.ok and passed.starts_new_course and not passed.needs_reason
    assert "starts a new course" in passed.message


# --- Daylight saving ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "hours_before"),
    [
        ("Europe/London", date(2026, 3, 29), 1),  # clocks go forward: 01:00 GMT -> 02:00 BST
        ("Europe/London", date(2026, 10, 25), 1),  # back
        ("America/New_York", date(2026, 3, 8), 1),
        ("America/New_York", date(2026, 11, 1), 1),
        ("Australia/Lord_Howe", date(2026, 4, 5), 0.5),  # back half an hour at 02:00
        ("Australia/Lord_Howe", date(2026, 10, 4), 0.5),  # forward half an hour at 02:00
    ],
)
def test_working_hours_are_local_wall_clock_on_clock_change_days(zone, day, hours_before):
    """On the day the clocks change, a 09:00-17:00 day still offers arrivals from 09:00 to 15:45 local, and the
    UTC offset of the first slot differs from the day before by the size of the change."""
    tz = ZoneInfo(zone)
    every_day = {weekday: ((time(9), time(17)),) for weekday in range(7)}
    found = find_availability(
        inputs(tz=tz, now=JANUARY, practitioners=(PractitionerDiary(1, every_day),)), day - timedelta(days=1), day
    )
    before, on = found
    assert [wall(s.starts_at, tz) for s in on.slots] == [wall(s.starts_at, tz) for s in before.slots]
    assert wall(on.slots[0].starts_at, tz) == "09:00" and wall(on.slots[-1].starts_at, tz) == "15:45"
    shift = abs(on.slots[0].starts_at - before.slots[0].starts_at - timedelta(days=1))
    assert shift == timedelta(hours=hours_before)


@pytest.mark.parametrize(
    ("day", "real_hours"),
    [(date(2026, 10, 4), 2.5), (date(2026, 4, 5), 3.5)],
)
def test_a_night_block_across_lord_howes_half_hour_change_is_as_long_as_the_clock_says(day, real_hours):
    """01:00-04:00 local on Lord Howe's change days lasts 2.5 hours (forward) or 3.5 (back);
    slots follow real time and every start is a real local time."""
    tz = ZoneInfo("Australia/Lord_Howe")
    night = {weekday: ((time(1), time(4)),) for weekday in range(7)}
    (found,) = find_availability(inputs(tz=tz, now=JANUARY, practitioners=(PractitionerDiary(1, night),)), day, day)
    block_start, block_end = local_instant(day, time(1), tz), local_instant(day, time(4), tz)
    assert block_end - block_start == timedelta(hours=real_hours)
    for slot in found.slots:
        assert block_start <= slot.starts_at and slot.needling_ends_at <= block_end
        # A wall time that round-trips: no slot in the skipped half hour.
        local_time = slot.starts_at.astimezone(tz)
        assert local_time.replace(tzinfo=None).replace(tzinfo=tz).astimezone(UTC) == slot.starts_at
    expected = int((real_hours * 60 - 75) // 15) + 1
    assert len(found.slots) == expected


# --- Properties ---------------------------------------------------------------------------------

BASE = datetime(2026, 6, 1, 0, tzinfo=UTC)


@st.composite
def spans(draw, max_count=6):
    found = []
    for _ in range(draw(st.integers(0, max_count))):
        start = BASE + timedelta(minutes=draw(st.integers(0, 3 * 24 * 60)))
        found.append((start, start + timedelta(minutes=draw(st.integers(5, 300)))))
    return tuple(found)


@st.composite
def hours(draw):
    result = {}
    for weekday in range(7):
        blocks, cursor = [], draw(st.integers(6 * 4, 10 * 4))
        for _ in range(draw(st.integers(0, 3))):
            length = draw(st.integers(4, 16))
            if cursor + length >= 24 * 4:
                break
            blocks.append(
                (time(cursor // 4, cursor % 4 * 15), time((cursor + length) // 4, (cursor + length) % 4 * 15))
            )
            cursor += length + draw(st.integers(1, 8))
        result[weekday] = tuple(blocks)
    return result


@st.composite
def engine_inputs(draw):
    practitioners = tuple(
        PractitionerDiary(pk, draw(hours()), draw(spans())) for pk in range(1, draw(st.integers(1, 3)) + 1)
    )
    rooms = tuple(RoomDiary(100 + pk, draw(spans())) for pk in range(draw(st.integers(1, 3))))
    sessions = tuple(
        session(
            MONDAY + timedelta(days=draw(st.integers(-60, 60))),
            draw(st.sampled_from([["face"], ["neck"], ["face", "neck"]])),
        )
        for _ in range(draw(st.integers(0, 3)))
    )
    return inputs(
        tz=ZoneInfo(draw(st.sampled_from(["Europe/London", "America/New_York", "Australia/Lord_Howe", "UTC"]))),
        now=BASE - timedelta(days=draw(st.integers(0, 3))),
        timing=SessionTiming(
            timedelta(minutes=draw(st.sampled_from([0, 15, 30]))),
            timedelta(minutes=draw(st.sampled_from([30, 45, 60]))),
            timedelta(minutes=draw(st.sampled_from([0, 15]))),
        ),
        areas=frozenset(draw(st.sampled_from([["face"], ["neck"], ["thighs"]]))),
        practitioners=practitioners,
        rooms=rooms,
        client_busy=draw(spans(3)),
        sessions=sessions,
        online=draw(st.booleans()),
    )


def overlaps(a_start, a_end, spans_) -> bool:
    return any(start < a_end and a_start < end for start, end in spans_)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(engine_inputs())
def test_no_slot_overlaps_anything_busy_and_every_slot_is_inside_working_hours(given_inputs):
    practitioners = {p.practitioner_id: p for p in given_inputs.practitioners}
    rooms = {r.room_id: r for r in given_inputs.rooms}
    days = find_availability(given_inputs, MONDAY - timedelta(days=1), MONDAY + timedelta(days=3))
    for day in days:
        for slot in day.slots:
            practitioner = practitioners[slot.practitioner_id]
            assert not overlaps(slot.needling_starts_at, slot.needling_ends_at, practitioner.busy)
            assert not overlaps(slot.starts_at, slot.ends_at, rooms[slot.room_id].busy)
            assert not overlaps(slot.starts_at, slot.needling_ends_at, given_inputs.client_busy)
            blocks = [
                (local_instant(day.day, start, given_inputs.tz), local_instant(day.day, end, given_inputs.tz))
                for start, end in practitioner.hours.get(day.day.weekday(), ())
            ]
            assert any(start <= slot.needling_starts_at and slot.needling_ends_at <= end for start, end in blocks)
            assert slot.starts_at >= blocks[0][0]
            assert slot.starts_at >= given_inputs.earliest
            assert slot.starts_at.astimezone(given_inputs.tz).date() == day.day
            # The timing is the treatment's.
            assert given_inputs.timing.instants(slot.starts_at) == (
                slot.starts_at,
                slot.needling_starts_at,
                slot.needling_ends_at,
                slot.ends_at,
            )
            # The spacing rule holds against every session sharing an area.
            for other in given_inputs.sessions:
                if other.areas & given_inputs.areas:
                    assert abs((day.day - other.day).days) >= 28
            # One start time, one answer: the single-time check agrees.
            assert check_start(given_inputs, slot.starts_at).slot is not None
        if not day.slots:
            assert day.reason and day.message


@settings(max_examples=100, deadline=None)
@given(engine_inputs(), st.integers(0, 4 * 24 * 4))
def test_a_start_time_the_engine_refuses_is_not_offered(given_inputs, quarter):
    starts_at = BASE - timedelta(days=1) + timedelta(minutes=15 * quarter)
    result = check_start(given_inputs, starts_at)
    offered = {
        slot.starts_at
        for day in find_availability(given_inputs, MONDAY - timedelta(days=2), MONDAY + timedelta(days=4))
        for slot in day.slots
    }
    if result.slot is None:
        assert starts_at not in offered
        assert result.reason and result.message


@pytest.mark.parametrize("server_zone", ["America/Los_Angeles", "Asia/Kathmandu", "Pacific/Chatham"])
def test_the_servers_own_time_zone_changes_nothing(server_zone, monkeypatch):
    """Only the clinic's zone counts: the same inputs give the same slots whatever the process's
    local time zone is."""
    import time as system_time

    expected = find_availability(inputs(), MONDAY, MONDAY + timedelta(days=6))
    monkeypatch.setenv("TZ", server_zone)
    system_time.tzset()
    try:
        assert find_availability(inputs(), MONDAY, MONDAY + timedelta(days=6)) == expected
        assert datetime.now().astimezone().utcoffset() != timedelta(0) or server_zone == "UTC"
    finally:
        monkeypatch.undo()
        system_time.tzset()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 200), st.sampled_from([("face",), ("neck",), ("face", "neck"), ("thighs",)])),
        min_size=1,
        max_size=25,
    ),
    st.booleans(),
)
def test_any_order_of_bookings_keeps_sessions_on_the_same_skin_28_days_apart(attempts, online):
    """Bookings tried in any order, each accepted only when the spacing rule says so: no two
    accepted sessions sharing an area are less than 28 days apart, and consecutive sessions of one
    course are 28 to 42 days apart."""
    accepted: list[Session] = []
    courses = iter(range(1, 1000))
    for offset, areas in attempts:
        day = MONDAY + timedelta(days=offset)
        result = verdict(day, accepted, areas=areas, online=online)
        if result.ok:
            course = result.course_id if result.course_id is not None else next(courses)
            accepted.append(session(day, areas, course=course, planned=10))
    for a in accepted:
        for b in accepted:
            if a is not b and a.areas & b.areas:
                assert abs((a.day - b.day).days) >= 28
    by_course: dict[int, list[date]] = {}
    for s in accepted:
        by_course.setdefault(s.course_id, []).append(s.day)
    for days in by_course.values():
        days.sort()
        assert all(28 <= (b - a).days <= 42 for a, b in zip(days, days[1:], strict=False))
