"""Contraindication screening: the rules are data (``RULES``), applied by one pure function.

``screen(answers, today)`` turns an intake's answers into flags. Each flag has a severity
(absolute: the practitioner may only decline or defer; relative: the practitioner must
acknowledge it to approve), a scope (every area, or named ones) and, where the rule has one, the
date until which treatment is deferred. Nothing here touches the database, so the rules are
tested with plain dicts and property-tested with hypothesis.

Answers are the intake's JSON: booleans, ISO dates ("2026-05-01") and lists of area codes, keyed
as in ``consultations.intake_steps``.
"""

from dataclasses import dataclass, field
from datetime import date

from dateutil.relativedelta import relativedelta

from clinic.dates import date_label

from .areas import Area, area_labels
from .models import Severity


@dataclass(frozen=True)
class Flag:
    rule_code: str
    severity: str
    title: str
    reason: str
    areas: frozenset[str] = field(default_factory=frozenset)  # empty: every area
    defer_until: date | None = None

    def covers(self, area: str) -> bool:
        return not self.areas or area in self.areas


def answer_date(answers: dict, key: str) -> date | None:
    value = answers.get(key)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def answer_areas(answers: dict, key: str) -> frozenset[str]:
    return frozenset(code for code in answers.get(key) or [] if code in Area.values)


@dataclass(frozen=True)
class YesRule:
    """Fires when any of ``answers_yes`` is true; scope: every area."""

    code: str
    severity: str
    title: str
    answers_yes: tuple[str, ...]
    why: str

    def evaluate(self, answers: dict, today: date) -> Flag | None:
        if any(answers.get(key) is True for key in self.answers_yes):
            return Flag(self.code, self.severity, self.title, self.why)
        return None


@dataclass(frozen=True)
class AreaRule:
    """Fires for the areas the client ticked for a skin condition; scope: those areas."""

    code: str
    severity: str
    title: str
    answer_key: str
    why: str

    def evaluate(self, answers: dict, today: date) -> Flag | None:
        areas = answer_areas(answers, self.answer_key)
        if not areas:
            return None
        return Flag(self.code, self.severity, self.title, f"{self.why} ({area_labels(areas)}).", areas=areas)


@dataclass(frozen=True)
class RecentRule:
    """Fires when the dated event in ``date_key`` is less than ``within`` ago; treatment is
    deferred until that date plus ``within``. ``ongoing_key`` (a yes answer meaning "still
    going on") fires it with no end date."""

    code: str
    severity: str
    title: str
    date_key: str
    within: relativedelta
    why: str
    ongoing_key: str | None = None
    asked_key: str | None = None  # the yes/no question the date belongs to, if any

    def evaluate(self, answers: dict, today: date) -> Flag | None:
        if self.asked_key and answers.get(self.asked_key) is not True:
            return None
        if self.ongoing_key and answers.get(self.ongoing_key) is True:
            return Flag(self.code, self.severity, self.title, f"{self.why}: still ongoing.")
        when = answer_date(answers, self.date_key)
        if when is None:
            return None
        until = when + self.within
        if until <= today:
            return None
        return Flag(
            self.code,
            self.severity,
            self.title,
            f"{self.why}: last on {date_label(when)}, so not before {date_label(until)}.",
            defer_until=until,
        )


Rule = YesRule | AreaRule | RecentRule

ABSOLUTE = Severity.ABSOLUTE.value
RELATIVE = Severity.RELATIVE.value

RULES: tuple[Rule, ...] = (
    # Absolute: decline or defer only.
    YesRule("pregnancy", ABSOLUTE, "Pregnant or breastfeeding", ("pregnant_or_breastfeeding",),
            "Client is pregnant or breastfeeding."),
    RecentRule("isotretinoin", ABSOLUTE, "Isotretinoin in the last 6 months", "isotretinoin_stopped",
               relativedelta(months=6), "Isotretinoin (Roaccutane)", ongoing_key="isotretinoin_current",
               asked_key="isotretinoin"),
    AreaRule("skin_infection", ABSOLUTE, "Active skin infection", "condition_infection",
             "Active skin infection in the area"),
    AreaRule("open_wounds", ABSOLUTE, "Open wounds", "condition_open_wounds", "Open wounds in the area"),
    AreaRule("cold_sores", ABSOLUTE, "Active cold sores (herpes simplex)", "condition_cold_sores",
             "Active cold sores in the area"),
    AreaRule("skin_cancer", ABSOLUTE, "Skin cancer", "condition_skin_cancer", "Skin cancer in the area"),
    RecentRule("radiation", ABSOLUTE, "Radiation therapy in the last 12 months", "radiation_last",
               relativedelta(months=12), "Radiation therapy", asked_key="radiation_therapy"),
    # Relative: approve only with each one acknowledged.
    AreaRule("acne", RELATIVE, "Active acne", "condition_acne", "Active acne in the area"),
    AreaRule("eczema", RELATIVE, "Eczema", "condition_eczema", "Eczema in the area"),
    AreaRule("psoriasis", RELATIVE, "Psoriasis", "condition_psoriasis", "Psoriasis in the area"),
    AreaRule("rosacea", RELATIVE, "Rosacea", "condition_rosacea", "Rosacea in the area"),
    AreaRule("sunburn", RELATIVE, "Sunburn", "condition_sunburn", "Sunburn in the area"),
    YesRule("keloid", RELATIVE, "Keloid or hypertrophic scarring", ("keloid_scarring",),
            "Client tends to form keloid or hypertrophic scars."),
    YesRule("bleeding", RELATIVE, "Bleeding disorder or blood thinners", ("bleeding_disorder", "blood_thinners"),
            "Bleeding disorder or blood-thinning medication."),
    YesRule("diabetes", RELATIVE, "Diabetes", ("diabetes",), "Client has diabetes (slower healing)."),
    YesRule("immune", RELATIVE, "Autoimmune disease or immunosuppression", ("autoimmune_or_immunosuppressed",),
            "Autoimmune disease or immunosuppressive treatment."),
    RecentRule("recent_botox", RELATIVE, "Botox in the last 2 weeks", "botox_last", relativedelta(weeks=2),
               "Botox"),
    RecentRule("recent_filler", RELATIVE, "Fillers in the last 2 weeks", "filler_last", relativedelta(weeks=2),
               "Dermal filler"),
    RecentRule("recent_peel", RELATIVE, "Chemical peel in the last 2 weeks", "peel_last", relativedelta(weeks=2),
               "Chemical peel"),
    RecentRule("recent_laser", RELATIVE, "Laser in the last 2 weeks", "laser_last", relativedelta(weeks=2),
               "Laser treatment"),
    YesRule("allergy_lidocaine", RELATIVE, "Allergy to numbing cream (lidocaine)", ("allergy_lidocaine",),
            "Allergy to lidocaine or numbing cream: numbing needs another plan."),
    YesRule("allergy_metals", RELATIVE, "Allergy to metals", ("allergy_metals",),
            "Allergy to metals (needle cartridges)."),
)  # fmt: skip

RULES_BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}


def screen(answers: dict, today: date, rules: tuple[Rule, ...] = RULES) -> list[Flag]:
    """Every flag the answers raise, absolute ones first."""
    flags = [flag for rule in rules if (flag := rule.evaluate(answers, today)) is not None]
    return sorted(flags, key=lambda flag: flag.severity != ABSOLUTE)


def approval_problems(
    *,
    flags: list,
    areas: set[str] | frozenset[str],
    acknowledged_codes: set[str] | frozenset[str],
) -> list[tuple[str, str]]:
    """Why an approval of ``areas`` with these acknowledgements is not allowed, as (field,
    message) pairs; [] if it is allowed.

    ``flags`` are ``Flag``s or ``IntakeFlag`` rows (anything with rule_code, severity, title,
    areas). An absolute flag blocks every area in its scope; each relative flag needs its own
    acknowledgement."""
    problems = []
    for flag in flags:
        scope = frozenset(flag.areas)
        if flag.severity == ABSOLUTE:
            blocked = set(areas) if not scope else set(areas) & scope
            if blocked:
                problems.append(
                    ("areas", f"{flag.title} rules out {area_labels(blocked).lower()}: decline or defer instead.")
                )
        elif flag.rule_code not in acknowledged_codes:
            problems.append(("acknowledged", f"Acknowledge “{flag.title}” before approving."))
    return problems
