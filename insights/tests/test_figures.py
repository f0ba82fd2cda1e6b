"""Every figure of October 2026 in the hand-built clinic (conftest.py), worked out by hand: the
answers are written out here, never computed by the code under test."""

from datetime import UTC, datetime, timedelta

import pytest

from bookings.models import TimeOff
from clinic.models import OutboundMessage
from consultations.models import IntakeFlag, IntakeStatus
from consultations.tests.factories import ClearanceFactory, IntakeFactory
from insights.selectors.attendance import attendance, rebooking
from insights.selectors.call_list import call_list_clearances, call_list_courses
from insights.selectors.clinical import clinical_flow, messages_report
from insights.selectors.courses import completion_funnel, lapsed_courses, session_spacing
from insights.selectors.scope import Scope
from insights.selectors.utilisation import utilisation

from .conftest import OCTOBER, at

pytestmark = pytest.mark.django_db

OCT = Scope(*OCTOBER)


def test_utilisation_counts_needling_minutes_over_working_minutes_on_local_days(hand_built):
    """Anna works 8 hours on each of October's 22 weekdays (10,560 minutes) and needled four
    sessions of 45 minutes there (a, b on the day the clocks went back, c, h): 180 minutes. The
    Bristol room was held 90 minutes for each; the session moved to New York on 30 September
    local time and the no-show count for nothing."""
    figures = utilisation(OCT)
    assert [(r.name, r.booked_minutes, r.available_minutes, r.rate) for r in figures["practitioners"]] == [
        ("Anna Bell", 180, 10560, 1.7)
    ]
    assert [(r.name, r.booked_minutes, r.available_minutes, r.rate) for r in figures["rooms"]] == [
        ("Bristol 1", 360, 10560, 3.4),
        ("Hudson", 0, 0, None),
    ]
    # 25 October is a Sunday at 10:00 GMT (10:00 UTC); 5 October a Monday at 10:00 BST (09:00 UTC).
    assert figures["heat_map"] == {(1, 10): 1, (4, 9): 1, (2, 14): 1, (7, 10): 1}


def test_time_off_and_closures_come_off_working_and_opening_minutes(hand_built):
    """Off Anna's 10,560 minutes: her leave from noon on 30 September to 11:00 on 1 October (only
    1 October's 09:00-11:00 is in the period: 120), her afternoon off on Friday 2 October
    (13:00-17:00) which a closure of every location from 16:00 to 18:00 overlaps (13:00-17:00 of
    her day, counted once: 240), and Bristol closed all Monday 12 October (480): 9,720 minutes.
    Off the Bristol room's 10,560: the closure of every location (16:00-17:00 of its opening
    hours: 60), Bristol's Monday (480) and the room's own hour of maintenance on 20 October
    (60): 9,960. New York's closure on 14 October and Noor's leave touch neither."""
    bristol, room = hand_built.bristol, hand_built.bristol_room
    for who, start, end in (
        ({"practitioner": hand_built.p1}, at("2026-09-30", "12:00"), at("2026-10-01", "11:00")),
        ({"practitioner": hand_built.p1}, at("2026-10-02", "13:00"), at("2026-10-02", "17:00")),
        ({}, at("2026-10-02", "16:00"), at("2026-10-02", "18:00")),
        ({"location": bristol}, at("2026-10-12", "00:00"), at("2026-10-13", "00:00")),
        ({"room": room}, at("2026-10-20", "09:00"), at("2026-10-20", "10:00")),
        ({"location": hand_built.new_york}, at("2026-10-14", "00:00"), at("2026-10-15", "00:00")),
        ({"practitioner": hand_built.p2}, at("2026-10-05", "09:00"), at("2026-10-09", "17:00")),
    ):
        TimeOff.objects.create(starts_at=start, ends_at=end, **who)
    figures = utilisation(OCT)
    assert [(r.name, r.booked_minutes, r.available_minutes, r.rate) for r in figures["practitioners"]] == [
        ("Anna Bell", 180, 9720, 1.9)
    ]
    assert [(r.name, r.booked_minutes, r.available_minutes, r.rate) for r in figures["rooms"]] == [
        ("Bristol 1", 360, 9960, 3.6),
        ("Hudson", 0, 0, None),
    ]


def test_utilisation_of_one_location_or_room(hand_built):
    new_york = utilisation(Scope(*OCTOBER, location_id=hand_built.new_york.pk))
    assert new_york["practitioners"] == []
    assert [(r.name, r.booked_minutes) for r in new_york["rooms"]] == [("Hudson", 0)]


def test_attendance_by_channel_and_lead_time(hand_built):
    """Seven sessions fall in October at their location: four completed, G cancelled on time, F
    late, and E's no-show at 23:30 on 31 October in New York (already 1 November in UTC)."""
    figures = attendance(OCT)
    total = figures["total"]
    assert total.counts == {"completed": 4, "cancelled_on_time": 1, "cancelled_late": 1, "no_show": 1}
    assert total.total == 7
    assert total.rate("completed") == 57.1
    assert total.rate("no_show") == 14.3
    assert [(row.label, row.counts) for row in figures["by_channel"]] == [
        ("Online (client)", {"completed": 1, "cancelled_on_time": 1, "cancelled_late": 0, "no_show": 1}),
        ("By staff", {"completed": 3, "cancelled_on_time": 0, "cancelled_late": 1, "no_show": 0}),
    ]
    assert [(row.label, row.total) for row in figures["by_lead_time"]] == [
        ("Under 2 days", 3),
        ("2 to 7 days", 1),
        ("1 to 4 weeks", 2),
        ("Over 4 weeks", 1),
    ]


def test_the_session_moved_to_new_york_counts_on_its_new_local_day(hand_built):
    """At 02:00 UTC on 1 October: 03:00 in Bristol, where it was, but 22:00 on 30 September in New
    York, where it is now."""
    september = attendance(Scope(datetime(2026, 9, 30).date(), datetime(2026, 9, 30).date()))
    assert september["total"].counts["completed"] == 1


def test_rebooking_same_day_and_in_window(hand_built):
    """Of the four completed sessions only A's was followed by a booking made the same day (the
    5 November one she later cancelled) and by a session inside its window (6 November)."""
    assert rebooking(OCT) == {
        "completed": 4,
        "same_day": 1,
        "in_window": 1,
        "same_day_rate": 25.0,
        "in_window_rate": 25.0,
    }


def test_spacing_counts_local_days_within_each_course(hand_built):
    """A: 2 Sep -> 5 Oct, 33 days; B: 27 Sep -> 25 Oct across the clock change, 28 days; H: 20 Aug
    -> 8 Oct, 49 days (late). C's 20 October session starts a new course: no gap."""
    figures = session_spacing(OCT)
    assert figures["sessions"] == 3
    assert figures["median_days"] == 33
    assert (figures["early"], figures["in_window"], figures["late"]) == (0, 2, 1)
    assert figures["window"] == (28, 42)


def test_lapsed_courses_are_those_whose_window_closed_in_the_period(hand_built):
    """C's first course (1 Sep + 42 = 13 Oct) lapsed in October; C then started a new one."""
    figures = lapsed_courses(OCT)
    assert figures["count"] == 1
    assert [course.pk for course in figures["courses"]] == [hand_built.courses["C1"].pk]
    assert figures["courses"][0].closes_on == datetime(2026, 10, 13).date()
    # The weekly summary asks for the count alone.
    assert lapsed_courses(OCT, limit=0) == {"count": 1, "courses": []}


@pytest.fixture
def consultations_built(hand_built):
    people = hand_built.people
    anna = hand_built.p1.user
    for name, sent, decided, status in (
        ("H", at("2026-10-02", "09:00"), at("2026-10-02", "12:00"), IntakeStatus.APPROVED),
        ("J", at("2026-10-03", "10:00"), at("2026-10-04", "10:00"), IntakeStatus.APPROVED),
        ("K", at("2026-10-10", "10:00"), at("2026-10-10", "16:00"), IntakeStatus.DECLINED),
        ("L", at("2026-10-20", "10:00"), None, IntakeStatus.PENDING),
    ):
        client = people.get(name) or people.setdefault(
            name, type(people["A"]).objects.create_user(email=f"{name}@x.example")
        )
        intake = IntakeFactory(client=client, submitted_at=sent, decided_at=decided, status=status)
        if status == IntakeStatus.APPROVED:
            until = datetime(2026, 12, 20).date() if name == "J" else datetime(2027, 10, 2).date()
            ClearanceFactory(client=client, intake=intake, decided_by=anna, valid_until=until)
        if status == IntakeStatus.DECLINED:
            for severity, title in (("absolute", "Pregnancy or breastfeeding"), ("relative", "Diabetes")):
                IntakeFlag.objects.create(
                    intake=intake, rule_code=title[:10], severity=severity, title=title, reason="-"
                )
    # C: one clearance ending 10 Dec and a newer one for a year; A: one ending 5 Dec, revoked.
    ClearanceFactory(client=people["C"], valid_until=datetime(2026, 12, 10).date())
    ClearanceFactory(client=people["C"], valid_until=datetime(2027, 12, 10).date())
    ClearanceFactory(
        client=people["A"], valid_until=datetime(2026, 12, 5).date(), revoked_at=datetime(2026, 11, 1, tzinfo=UTC)
    )
    return hand_built


def test_completion_funnel_of_octobers_consultations(consultations_built):
    """H, J, K and L sent a consultation in October; H and J were cleared; H has two sessions."""
    assert completion_funnel(OCT) == [
        {"step": "Consultation sent", "clients": 4, "drop_off": 0},
        {"step": "Cleared", "clients": 2, "drop_off": 2},
        {"step": "Session 1", "clients": 1, "drop_off": 1},
        {"step": "Session 2", "clients": 1, "drop_off": 0},
        {"step": "Session 3", "clients": 0, "drop_off": 1},
    ]


def test_clinical_flow(consultations_built):
    """L waits; H took 3 hours, K 6 and J 24: the median is 6. K was declined for pregnancy (the
    relative flag is no reason for a decline)."""
    figures = clinical_flow(OCT)
    assert figures["queue"] == {"waiting": 1, "decided": 3, "median_hours": 6.0}
    assert figures["reasons"] == [{"decision": "Declined", "reason": "Pregnancy or breastfeeding", "intakes": 1}]
    assert figures["worried"] == {"worried": 0, "not_seen": 0}


def test_call_list(consultations_built):
    """On 1 December: C's new course (20 Oct + 42) closes today and B's (25 Oct + 42) on 6 Dec; J's
    clearance ends 20 Dec. C's ends 10 Dec but a newer one runs on; A's was revoked."""
    courses = call_list_courses()
    assert [(c.client.first_name, c.closes_on.isoformat(), c.reminded) for c in courses] == [
        ("C", "2026-12-01", False),
        ("B", "2026-12-06", False),
    ]
    clearances = call_list_clearances()
    assert [(c.client_id, c.valid_until.isoformat()) for c in clearances] == [
        (consultations_built.people["J"].pk, "2026-12-20")
    ]


def test_messages_by_kind_and_channel(hand_built):
    people = hand_built.people
    Status = OutboundMessage.Status
    due = at("2026-10-23", "10:00")
    for key, kind, who, when, status, channel, sent_via, sent_at in (
        ("m1", "reminder", "A", at("2026-10-03", "10:00"), Status.SENT, "", "email", at("2026-10-03", "10:00")),
        ("m2", "reminder", "B", due, Status.SENT, "", "sms", due + timedelta(minutes=30)),
        ("m3", "reminder", "F", at("2026-10-10", "10:00"), Status.FAILED, "email", "", None),
        ("m4", "window_closing", "C", at("2026-10-12", "10:00"), Status.SKIPPED, "", "", None),
        ("m5", "reminder", "C", at("2026-11-01", "10:00"), Status.SENT, "", "email", at("2026-11-01", "10:00")),
    ):
        OutboundMessage.objects.create(
            idempotency_key=key,
            kind=kind,
            recipient=people[who],
            due_at=when,
            status=status,
            channel=channel,
            sent_via=sent_via,
            sent_at=sent_at,
        )
    rows = [(r["kind"], r["via"], r["sent"], r["failed"], r["skipped"], r["delayed"]) for r in messages_report(OCT)]
    assert rows == [
        ("reminder", "email", 1, 1, 0, 0),
        ("reminder", "sms", 1, 0, 0, 1),
        ("window_closing", "preferred", 0, 0, 1, 0),
    ]
