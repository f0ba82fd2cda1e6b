"""Each screening rule fires when it should and stays silent when it should (pure: no database)."""

from datetime import date, timedelta

import pytest

from consultations.screening import RULES, approval_problems, screen
from consultations.tests.factories import clean_answers

TODAY = date(2026, 11, 24)


def codes(answers):
    return {flag.rule_code: flag for flag in screen(answers, TODAY)}


def test_clean_answers_raise_no_flag():
    assert screen(clean_answers(), TODAY) == []


YES_RULES = [
    ("pregnancy", "absolute", {"pregnant_or_breastfeeding": True}),
    ("keloid", "relative", {"keloid_scarring": True}),
    ("bleeding", "relative", {"bleeding_disorder": True}),
    ("bleeding", "relative", {"blood_thinners": True}),
    ("diabetes", "relative", {"diabetes": True}),
    ("immune", "relative", {"autoimmune_or_immunosuppressed": True}),
    ("allergy_lidocaine", "relative", {"allergy_lidocaine": True}),
    ("allergy_metals", "relative", {"allergy_metals": True}),
]


@pytest.mark.parametrize(("code", "severity", "answer"), YES_RULES)
def test_a_yes_answer_fires_its_rule_for_every_area(code, severity, answer):
    flags = codes(clean_answers(**answer))
    assert set(flags) == {code}
    assert flags[code].severity == severity
    assert flags[code].areas == frozenset()  # every area
    assert flags[code].covers("thighs") and flags[code].covers("face")


@pytest.mark.parametrize(("code", "severity", "answer"), YES_RULES)
def test_the_same_question_answered_no_stays_silent(code, severity, answer):
    assert code not in codes(clean_answers(**{key: False for key in answer}))


AREA_RULES = [
    ("skin_infection", "absolute", "condition_infection"),
    ("open_wounds", "absolute", "condition_open_wounds"),
    ("cold_sores", "absolute", "condition_cold_sores"),
    ("skin_cancer", "absolute", "condition_skin_cancer"),
    ("acne", "relative", "condition_acne"),
    ("eczema", "relative", "condition_eczema"),
    ("psoriasis", "relative", "condition_psoriasis"),
    ("rosacea", "relative", "condition_rosacea"),
    ("sunburn", "relative", "condition_sunburn"),
]


@pytest.mark.parametrize(("code", "severity", "key"), AREA_RULES)
def test_a_skin_condition_flags_only_the_areas_it_is_in(code, severity, key):
    flags = codes(clean_answers(areas=["face", "thighs"], **{key: ["face"]}))
    assert set(flags) == {code}
    flag = flags[code]
    assert flag.severity == severity
    assert flag.areas == frozenset({"face"})
    assert flag.covers("face") and not flag.covers("thighs")
    assert "Face" in flag.reason
    assert codes(clean_answers(**{key: []})) == {}


def test_active_acne_on_the_face_does_not_block_stretch_marks_on_the_thighs():
    flags = screen(
        clean_answers(areas=["face", "thighs"], condition_acne=["face"], condition_cold_sores=["face"]), TODAY
    )
    assert approval_problems(flags=flags, areas={"thighs"}, acknowledged_codes={"acne"}) == []
    assert approval_problems(flags=flags, areas={"face"}, acknowledged_codes={"acne"}) != []


DATED_RULES = [
    ("isotretinoin", "absolute", "isotretinoin_stopped", {"isotretinoin": True}, 183, 185),
    ("radiation", "absolute", "radiation_last", {"radiation_therapy": True}, 364, 366),
    ("recent_botox", "relative", "botox_last", {}, 13, 15),
    ("recent_filler", "relative", "filler_last", {}, 13, 15),
    ("recent_peel", "relative", "peel_last", {}, 13, 15),
    ("recent_laser", "relative", "laser_last", {}, 13, 15),
]


@pytest.mark.parametrize(("code", "severity", "key", "extra", "recent_days", "old_days"), DATED_RULES)
def test_a_dated_rule_fires_inside_its_window_with_a_defer_date_and_is_silent_after(
    code, severity, key, extra, recent_days, old_days
):
    recent = (TODAY - timedelta(days=recent_days)).isoformat()
    flags = codes(clean_answers(**extra, **{key: recent}))
    assert set(flags) == {code}
    assert flags[code].severity == severity
    assert flags[code].defer_until > TODAY
    old = (TODAY - timedelta(days=old_days)).isoformat()
    assert codes(clean_answers(**extra, **{key: old})) == {}


def test_isotretinoin_stopped_plus_six_months_is_the_defer_date():
    flag = codes(clean_answers(isotretinoin=True, isotretinoin_stopped="2026-08-10"))["isotretinoin"]
    assert flag.defer_until == date(2027, 2, 10)
    assert "10 February 2027" in flag.reason


def test_isotretinoin_still_taken_is_absolute_with_no_end_date():
    flag = codes(clean_answers(isotretinoin=True, isotretinoin_current=True))["isotretinoin"]
    assert (flag.severity, flag.defer_until) == ("absolute", None)


def test_a_date_without_its_yes_answer_stays_silent():
    assert codes(clean_answers(isotretinoin=False, isotretinoin_stopped="2026-10-01")) == {}
    assert codes(clean_answers(radiation_therapy=False, radiation_last="2026-10-01")) == {}


def test_every_rule_in_the_table_is_covered_by_these_tests():
    tested = {c for c, *_ in YES_RULES} | {c for c, *_ in AREA_RULES} | {c for c, *_ in DATED_RULES}
    assert tested == {rule.code for rule in RULES}


def test_absolute_flags_come_first():
    flags = screen(clean_answers(diabetes=True, pregnant_or_breastfeeding=True), TODAY)
    assert [f.severity for f in flags] == ["absolute", "relative"]


def test_approval_needs_each_relative_flag_acknowledged_one_by_one():
    flags = screen(clean_answers(diabetes=True, keloid_scarring=True), TODAY)
    problems = approval_problems(flags=flags, areas={"face"}, acknowledged_codes={"diabetes"})
    assert problems == [("acknowledged", "Acknowledge “Keloid or hypertrophic scarring” before approving.")]
    assert approval_problems(flags=flags, areas={"face"}, acknowledged_codes={"diabetes", "keloid"}) == []
