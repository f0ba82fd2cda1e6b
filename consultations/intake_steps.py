"""The intake's steps, the answers each one holds, and the rules a step's answers must meet.

Pure: ``step_errors`` takes typed values (dates, booleans, lists) and returns field errors in
plain words; the service calls it, so the rules hold whatever form or script sends the answers.
"""

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta

from clinic.dates import date_label

from .areas import Area

MINIMUM_AGE = 18


class Fitzpatrick:
    CHOICES = [
        ("I", "I: very fair, always burns, never tans"),
        ("II", "II: fair, usually burns, tans with difficulty"),
        ("III", "III: medium, sometimes burns, tans gradually"),
        ("IV", "IV: olive, rarely burns, tans easily"),
        ("V", "V: brown, very rarely burns, tans darkly"),
        ("VI", "VI: dark brown or black, never burns"),
    ]


SKIN_TYPES = [
    ("normal", "Normal"),
    ("oily", "Oily"),
    ("dry", "Dry"),
    ("combination", "Combination"),
    ("sensitive", "Sensitive"),
]

CONCERNS = [
    ("texture", "Texture"),
    ("fine_lines", "Fine lines and wrinkles"),
    ("acne_scars", "Acne scars"),
    ("pores", "Enlarged pores"),
    ("stretch_marks", "Stretch marks"),
    ("pigmentation", "Pigmentation"),
]

# Skin conditions asked area by area: (answer key, label).
CONDITIONS = [
    ("condition_acne", "Active acne"),
    ("condition_eczema", "Eczema"),
    ("condition_psoriasis", "Psoriasis"),
    ("condition_rosacea", "Rosacea"),
    ("condition_cold_sores", "Cold sores (herpes simplex) right now"),
    ("condition_infection", "Skin infection"),
    ("condition_open_wounds", "Open wounds, cuts or grazes"),
    ("condition_skin_cancer", "Skin cancer, or a mole being checked"),
    ("condition_sunburn", "Sunburn"),
]

HEALTH_YES_NO = [
    ("blood_thinners", "Do you take blood thinners (for example warfarin, or aspirin every day)?"),
    ("bleeding_disorder", "Do you have a bleeding or clotting disorder?"),
    ("diabetes", "Do you have diabetes?"),
    ("autoimmune_or_immunosuppressed", "Do you have an autoimmune disease, or take medicine that suppresses immunity?"),
]

MORE_YES_NO = [
    ("pregnant_or_breastfeeding", "Are you pregnant, might you be pregnant, or are you breastfeeding?"),
    ("allergy_lidocaine", "Are you allergic to lidocaine or numbing cream?"),
    ("allergy_metals", "Are you allergic to metals (for example nickel)?"),
    ("keloid_scarring", "Do you form raised (keloid or hypertrophic) scars?"),
]

RECENT_TREATMENTS = [
    ("botox_last", "Last botox injection"),
    ("filler_last", "Last dermal filler"),
    ("peel_last", "Last chemical peel"),
    ("laser_last", "Last laser treatment"),
]


@dataclass(frozen=True)
class Step:
    code: str
    title: str
    intro: str
    keys: tuple[str, ...]


STEPS: tuple[Step, ...] = (
    Step(
        "about",
        "About you",
        "How to reach you, and someone we can call in an emergency.",
        ("date_of_birth", "phone", "emergency_contact_name", "emergency_contact_phone"),
    ),
    Step(
        "skin",
        "Your skin and goals",
        "Your skin type, what you would like to improve, and where.",
        ("fitzpatrick", "skin_type", "concerns", "areas"),
    ),
    Step(
        "health",
        "Health and medication",
        "Some medicines and recent treatments change when micro-needling is safe.",
        (
            "medical_history",
            "medications",
            "isotretinoin",
            "isotretinoin_current",
            "isotretinoin_stopped",
            *(key for key, _ in RECENT_TREATMENTS),
            *(key for key, _ in HEALTH_YES_NO),
            "radiation_therapy",
            "radiation_last",
        ),
    ),
    Step(
        "conditions",
        "Skin conditions",
        "Tick the areas where you have each condition now. Leave a row empty if it does not apply.",
        tuple(key for key, _ in CONDITIONS),
    ),
    Step(
        "more",
        "Pregnancy, allergies and scarring",
        "A few last questions.",
        (*(key for key, _ in MORE_YES_NO), "other_allergies"),
    ),
)

STEP_CODES = tuple(step.code for step in STEPS)


def answers_with_nothing_to_report() -> dict:
    """The health, skin-condition and last steps answered "no" or left empty throughout: the
    baseline the demo clients and the tests add their findings to."""
    answers: dict = {"medical_history": "", "medications": "", "other_allergies": ""}
    answers |= {"isotretinoin": False, "isotretinoin_current": False, "isotretinoin_stopped": None}
    answers |= {key: None for key, _ in RECENT_TREATMENTS}
    answers |= {key: False for key, _ in HEALTH_YES_NO}
    answers |= {"radiation_therapy": False, "radiation_last": None}
    answers |= {key: [] for key, _ in CONDITIONS}
    answers |= {key: False for key, _ in MORE_YES_NO}
    return answers


STEPS_BY_CODE = {step.code: step for step in STEPS}
# Medical questions that need an explicit yes or no (a blank is not a "no").
YES_NO_KEYS = {
    "health": ("isotretinoin", *(key for key, _ in HEALTH_YES_NO), "radiation_therapy"),
    "more": tuple(key for key, _ in MORE_YES_NO),
}
DATE_KEYS = frozenset({"date_of_birth", "isotretinoin_stopped", "radiation_last", *(k for k, _ in RECENT_TREATMENTS)})


def _age_on(birth: date, today: date) -> int:
    return relativedelta(today, birth).years


def step_errors(step_code: str, values: dict, today: date) -> dict[str, list[str]]:
    """Plain-words problems with one step's answers, by field ({} when they are fine)."""
    errors: dict[str, list[str]] = {}

    def add(key, message):
        errors.setdefault(key, []).append(message)

    def required(key, message):
        if values.get(key) in (None, "", [], ()):
            add(key, message)

    for key in YES_NO_KEYS.get(step_code, ()):
        if values.get(key) is None:
            add(key, "Please answer yes or no.")

    for key in DATE_KEYS & set(values):
        when = values.get(key)
        if when and key != "date_of_birth" and when > today:
            add(key, "This date is in the future: please give the date it last happened.")

    if step_code == "about":
        required("date_of_birth", "Please give your date of birth.")
        required("phone", "Please give a phone number we can reach you on.")
        required("emergency_contact_name", "Please give the name of an emergency contact.")
        required("emergency_contact_phone", "Please give your emergency contact's phone number.")
        for message in _birth_date_problems(values.get("date_of_birth"), today):
            add("date_of_birth", message)
    elif step_code == "skin":
        required("fitzpatrick", "Please choose the skin type closest to yours.")
        required("skin_type", "Please say whether your skin is normal, oily, dry, combination or sensitive.")
        required("concerns", "Please choose at least one thing you would like to improve.")
        required("areas", "Please choose at least one area to treat.")
        unknown = set(values.get("areas") or ()) - set(Area.values)
        if unknown:
            add("areas", "Please choose areas from the list.")
    elif step_code == "health":
        if values.get("isotretinoin"):
            if values.get("isotretinoin_current") and values.get("isotretinoin_stopped"):
                add("isotretinoin_stopped", "You said you still take isotretinoin: leave the date it stopped empty.")
            elif not values.get("isotretinoin_current") and not values.get("isotretinoin_stopped"):
                add(
                    "isotretinoin_stopped",
                    "Please give the date you stopped isotretinoin, or tick that you still take it.",
                )
        if values.get("radiation_therapy"):
            required("radiation_last", "Please give the date of your last radiation therapy.")
    elif step_code == "conditions":
        for key in STEPS_BY_CODE["conditions"].keys:
            if set(values.get(key) or ()) - set(Area.values):
                add(key, "Please choose areas from the list.")
    return errors


def _birth_date_problems(birth: date | None, today: date) -> list[str]:
    """What is wrong with a date of birth given (nothing when none is given: that is asked
    for separately): in the future, too young for treatment, or implausibly old."""
    if not birth:
        return []
    if birth > today:
        return ["This date of birth is in the future: please check it."]
    age = _age_on(birth, today)
    if age < MINIMUM_AGE:
        return [
            f"This date of birth makes you {age} years old. Treatment is for adults "
            f"({MINIMUM_AGE} and over): please check the year."
        ]
    if age > 110:
        return ["Please check the year of your date of birth."]
    return []


def to_json(values: dict) -> dict:
    """Typed answers as JSON: dates become ISO strings."""
    return {key: value.isoformat() if isinstance(value, date) else value for key, value in values.items()}


def from_json(answers: dict) -> dict:
    """Stored answers back to typed values (for forms and re-validation)."""
    typed = dict(answers)
    for key in DATE_KEYS:
        if typed.get(key):
            try:
                typed[key] = date.fromisoformat(typed[key])
            except (TypeError, ValueError):
                typed[key] = None
    return typed


LABELS: dict[str, str] = {
    "date_of_birth": "Date of birth",
    "phone": "Phone",
    "emergency_contact_name": "Emergency contact",
    "emergency_contact_phone": "Emergency contact's phone",
    "fitzpatrick": "Skin type (Fitzpatrick)",
    "skin_type": "Your skin is",
    "concerns": "What you would like to improve",
    "areas": "Areas to treat",
    "medical_history": "Medical history (operations, illnesses, anything else we should know)",
    "medications": "Medicines and supplements you take",
    "isotretinoin": "Have you taken isotretinoin (Roaccutane) for acne?",
    "isotretinoin_current": "I still take isotretinoin",
    "isotretinoin_stopped": "Date I stopped isotretinoin",
    **dict(RECENT_TREATMENTS),
    **dict(HEALTH_YES_NO),
    "radiation_therapy": "Have you had radiation therapy?",
    "radiation_last": "Date of my last radiation therapy",
    **dict(CONDITIONS),
    **dict(MORE_YES_NO),
    "other_allergies": "Other allergies",
}

_CHOICE_LABELS = {
    "fitzpatrick": dict(Fitzpatrick.CHOICES),
    "skin_type": dict(SKIN_TYPES),
    "concerns": dict(CONCERNS),
}


def answer_display(key: str, value) -> str:
    """One stored answer as a person reads it."""
    if value in (None, "", []):
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if key in DATE_KEYS:
        try:
            return date_label(date.fromisoformat(value))
        except (TypeError, ValueError):
            return str(value)
    labels = _CHOICE_LABELS.get(key)
    if labels is None and (key == "areas" or key.startswith("condition_")):
        labels = dict(Area.choices)
    if labels is not None:
        if isinstance(value, list):
            return ", ".join(labels.get(item, item) for item in value)
        return labels.get(value, value)
    return str(value)


def describe_answers(answers: dict) -> list[dict]:
    """The answers by step, labelled, for the client's summary, the review page and the PDF."""
    return [
        {
            "code": step.code,
            "title": step.title,
            "rows": [
                {"key": key, "label": LABELS[key], "value": answer_display(key, answers.get(key))} for key in step.keys
            ],
        }
        for step in STEPS
    ]


def answers_diff(old: dict, new: dict) -> list[dict]:
    """What changed between two versions of the answers, in the steps' order."""
    changes = []
    for step in STEPS:
        for key in step.keys:
            before, after = old.get(key), new.get(key)
            if (before or None) != (after or None):
                changes.append(
                    {
                        "step": step.title,
                        "label": LABELS[key],
                        "before": answer_display(key, before),
                        "after": answer_display(key, after),
                    }
                )
    return changes
