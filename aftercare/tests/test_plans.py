"""The aftercare plan: the default protocol applied to areas, depths and skin types, with dates."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aftercare import plans
from aftercare.protocols import DepthBand, depth_band, skin_types_from
from aftercare.selectors import protocol_for
from consultations.areas import Area

LONDON = ZoneInfo("Europe/London")
# Thursday 5 March 2026, 15:30 in London (UTC in winter).
THURSDAY = datetime(2026, 3, 5, 15, 30, tzinfo=LONDON)


@pytest.fixture
def protocol(db):
    """The protocol the data migration installs for every clinic."""
    return protocol_for(treatment_slug="microneedling")


def _rule(plan, topic):
    return next(rule for rule in plan["rules"] if rule["topic"] == topic)


def _build(protocol, depths, skin=(), **kwargs):
    return plans.build_plan(
        protocol,
        depths={area: Decimal(mm) for area, mm in depths.items()},
        skin_types=skin_types_from(*skin),
        completed_at=kwargs.pop("completed_at", THURSDAY),
        tz=LONDON,
        **kwargs,
    )


def test_shallow_face_session_gets_the_general_rules_with_real_dates(protocol):
    plan = _build(protocol, {"face": "0.50"}, ["fitzpatrick_2", "normal"])

    assert plan["depth_band"] == DepthBand.SHALLOW
    assert _rule(plan, "makeup")["until_label"] == "15:30 on Friday 6 March"
    assert _rule(plan, "sweat")["until_label"] == "15:30 on Saturday 7 March"
    # 5 days without retinoids: until Tuesday 10 March.
    assert _rule(plan, "actives")["until_label"] == "Tuesday 10 March"
    assert _rule(plan, "actives")["duration_label"] == "5 days"
    assert _rule(plan, "sun")["until_label"] == "Thursday 12 March"
    assert _rule(plan, "shaving")["because"] == "Face"
    # Body-area rules stay out of a face plan.
    assert not any(rule["topic"] in {"clothing", "hands"} for rule in plan["rules"])
    # Fair skin gets its note; the timeline has the shallow day-1 step, not the deep one.
    assert any("Fair skin" in note["instruction"] for note in plan["notes"])
    titles = [step["title"] for step in plan["timeline"]]
    assert "Mostly calm again" in titles and "Pink, tender and a little swollen" not in titles
    assert plan["timeline"][0] == {
        "days_label": "Day 0",
        "dates_label": "Thursday 5 March",
        "title": "Redness like a mild sunburn",
        "text": plan["timeline"][0]["text"],
    }
    assert plan["next_session"]["from_label"] == "Thursday 2 April"
    assert plan["next_session"]["to_label"] == "Thursday 16 April 2026"
    assert plan["results"]["from_label"] == "June 2026"
    assert plan["results"]["to_label"] == "September 2026"
    assert plan["review"] is None


def test_medium_depth_makes_the_actives_rule_a_week(protocol):
    plan = _build(protocol, {"face": "1.00", "neck": "0.50"}, ["fitzpatrick_3"])

    assert plan["depth_band"] == DepthBand.MEDIUM
    assert plan["deepest_mm"] == "1.00"
    assert _rule(plan, "actives")["until_label"] == "Thursday 12 March"
    assert _rule(plan, "actives")["because"] == "Needle depth over 0.5 mm, up to 1.5 mm"
    # One rule per topic: the stricter one replaces the general one, it is not repeated.
    assert [rule["topic"] for rule in plan["rules"]].count("actives") == 1
    assert _rule(plan, "friction")["because"] == "Neck"
    assert [a["label"] for a in plan["areas"]] == ["Face", "Neck"]


def test_deep_thigh_session_on_dark_skin_is_strictest(protocol):
    plan = _build(protocol, {"thighs": "2.00"}, ["V", "oily"])

    assert plan["depth_band"] == DepthBand.DEEP
    assert _rule(plan, "makeup")["duration_label"] == "48 hours"
    assert _rule(plan, "sweat")["until_label"] == "15:30 on Sunday 8 March"
    assert _rule(plan, "actives")["until_label"] == "Sunday 15 March"
    sun = _rule(plan, "sun")
    # Deep and Fitzpatrick V both ask two weeks; the skin-type text (written for dark skin) wins.
    assert sun["until_label"] == "Thursday 19 March"
    assert "SPF 50" in sun["instruction"] and sun["because"] == "Fitzpatrick V"
    assert _rule(plan, "clothing")["because"] == "Thighs"
    assert _rule(plan, "shaving")["duration_label"] == "72 hours"
    assert _rule(plan, "heavy-creams")["because"] == "Oily skin"
    titles = [step["title"] for step in plan["timeline"]]
    assert "Pink, tender and a little swollen" in titles and "Mostly calm again" not in titles


def test_hands_and_sensitive_skin(protocol):
    plan = _build(protocol, {"hands": "0.75"}, ["fitzpatrick_1", "sensitive"])

    assert _rule(plan, "hands")["until_label"] == "15:30 on Sunday 8 March"
    notes = [note["instruction"] for note in plan["notes"]]
    assert any("one at a time" in note for note in notes)
    assert any("Fair skin" in note for note in notes)
    assert plan["serums"][0]["name"] == "Hyaluronic acid recovery serum"


def test_last_session_of_a_course_proposes_a_review_three_months_later(protocol):
    plan = _build(protocol, {"face": "1.00"}, course_finished=True)

    assert plan["next_session"] is None
    assert plan["review"]["on_label"] == "Friday 5 June 2026"


def test_dates_are_the_clinics_calendar_days_across_the_clock_change(protocol):
    # Saturday 28 March 2026, 23:30 in London; the clocks go forward that night.
    late = datetime(2026, 3, 28, 23, 30, tzinfo=LONDON)
    plan = _build(protocol, {"face": "0.50"}, completed_at=late)

    assert plan["completed_on_label"] == "Saturday 28 March 2026"
    # 24 hours later is 00:30 on Monday by the wall clock (an hour was skipped).
    assert _rule(plan, "makeup")["until_label"] == "00:30 on Monday 30 March"
    assert plan["timeline"][0]["dates_label"] == "Saturday 28 March"


def test_a_session_in_new_york_counts_new_york_days(protocol):
    new_york = ZoneInfo("America/New_York")
    evening = datetime(2026, 3, 5, 20, 0, tzinfo=new_york)  # already Friday in UTC
    plan = plans.build_plan(protocol, depths={"face": Decimal("0.5")}, skin_types=(), completed_at=evening, tz=new_york)
    assert plan["completed_on_label"] == "Thursday 5 March 2026"


def test_skin_types_from_intake_values():
    assert skin_types_from("IV", "Oily") == {"fitzpatrick_4", "oily"}
    assert skin_types_from(2, "type_vi", "", None, "unknown") == {"fitzpatrick_2", "fitzpatrick_6"}


@pytest.mark.parametrize(
    ("mm", "band"),
    [("0.25", "shallow"), ("0.50", "shallow"), ("0.51", "medium"), ("1.50", "medium"), ("1.51", "deep")],
)
def test_depth_bands(mm, band):
    assert depth_band(Decimal(mm)) == band


def test_naive_times_and_unknown_areas_are_programming_errors(protocol):
    with pytest.raises(ValueError, match="aware"):
        plans.build_plan(
            protocol, depths={"face": Decimal(1)}, skin_types=(), completed_at=datetime(2026, 3, 5), tz=LONDON
        )  # noqa: DTZ001
    with pytest.raises(ValueError, match="unknown areas"):
        _build(protocol, {"elbow": "1.0"})


_STATIC_PROTOCOL = None


def _static_protocol():
    """The default protocol built from the module's own data, without a database."""
    global _STATIC_PROTOCOL  # noqa: PLW0603
    if _STATIC_PROTOCOL is None:
        from aftercare import default_protocol as d

        _STATIC_PROTOCOL = plans.Protocol(
            name="Default",
            rules=tuple(
                plans.Rule(
                    scope=scope,
                    area=target if scope == "area" else "",
                    depth_band=target if scope == "depth" else "",
                    skin_type=target if scope == "skin_type" else "",
                    topic=topic,
                    instruction=text,
                    detail=detail,
                    duration_hours=hours,
                    order=order,
                )
                for scope, target, topic, text, detail, hours, order in d.RULES
            ),
            timeline=tuple(plans.Step(a, b, title, text, band) for a, b, band, title, text in d.TIMELINE),
        )
    return _STATIC_PROTOCOL


@settings(max_examples=150, deadline=None)
@given(
    depths=st.dictionaries(
        st.sampled_from(Area.values),
        st.decimals(min_value=Decimal("0.10"), max_value=Decimal("3.00"), places=2),
        min_size=1,
    ),
    skin=st.frozensets(st.sampled_from(["fitzpatrick_1", "fitzpatrick_4", "fitzpatrick_6", "oily", "sensitive"])),
    minutes=st.integers(min_value=0, max_value=60 * 24 * 365),
)
def test_deeper_never_means_a_shorter_rule(depths, skin, minutes):
    """Going deeper on the same areas never shortens any rule, and each topic appears once."""
    from datetime import timedelta

    protocol = _static_protocol()
    at = datetime(2026, 1, 1, 9, 0, tzinfo=LONDON) + timedelta(minutes=minutes)
    plan = plans.build_plan(protocol, depths=depths, skin_types=skin, completed_at=at, tz=LONDON)
    deeper = plans.build_plan(
        protocol, depths={a: Decimal("2.50") for a in depths}, skin_types=skin, completed_at=at, tz=LONDON
    )
    topics = [rule["topic"] for rule in plan["rules"]]
    assert len(topics) == len(set(topics))
    shallow_hours = {rule["topic"]: rule["duration_hours"] for rule in plan["rules"]}
    deep_hours = {rule["topic"]: rule["duration_hours"] for rule in deeper["rules"]}
    assert shallow_hours.keys() == deep_hours.keys()
    assert all(deep_hours[topic] >= hours for topic, hours in shallow_hours.items())
