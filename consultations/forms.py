"""Input shapes. The rules (required answers, impossible dates, what a decision needs) live in
the services; these forms only parse, and carry the services' messages back to the fields."""

from django import forms

from .areas import Area
from .intake_steps import (
    CONCERNS,
    CONDITIONS,
    HEALTH_YES_NO,
    LABELS,
    RECENT_TREATMENTS,
    SKIN_TYPES,
    Fitzpatrick,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class AccessibleForm(forms.Form):
    """Ties each error to its field for screen readers (aria-invalid, aria-describedby)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in list(self.errors):
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"id_{self.prefix + '-' if self.prefix else ''}{name}_error"


def _yes(key):
    return forms.BooleanField(label=LABELS[key], required=False)


def _yes_no(key):
    """An explicit yes or no: a medical question left blank is not a "no"."""
    field = forms.TypedChoiceField(
        label=LABELS[key],
        required=False,
        choices=[(True, "Yes"), (False, "No")],
        coerce=lambda value: value == "True",
        empty_value=None,
        widget=forms.RadioSelect,
    )
    field.yes_no = True
    return field


def _date(key, help_text=""):
    return forms.DateField(label=LABELS[key], required=False, widget=DateInput(), help_text=help_text)


def _areas(key, label=None):
    return forms.MultipleChoiceField(
        label=label or LABELS[key], required=False, choices=Area.choices, widget=forms.CheckboxSelectMultiple
    )


class AboutStepForm(AccessibleForm):
    date_of_birth = _date("date_of_birth")
    phone = forms.CharField(label=LABELS["phone"], required=False, max_length=32)
    emergency_contact_name = forms.CharField(label=LABELS["emergency_contact_name"], required=False, max_length=120)
    emergency_contact_phone = forms.CharField(label=LABELS["emergency_contact_phone"], required=False, max_length=32)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date_of_birth"].widget.attrs["autocomplete"] = "bday"
        for name in ("phone", "emergency_contact_phone"):
            self.fields[name].widget.input_type = "tel"
            self.fields[name].widget.attrs["autocomplete"] = "tel" if name == "phone" else "off"


class SkinStepForm(AccessibleForm):
    fitzpatrick = forms.ChoiceField(
        label=LABELS["fitzpatrick"],
        required=False,
        choices=Fitzpatrick.CHOICES,
        widget=forms.RadioSelect,
        help_text="How your skin reacts to the sun. Choose the closest; the practitioner will check.",
    )
    skin_type = forms.ChoiceField(
        label=LABELS["skin_type"], required=False, choices=SKIN_TYPES, widget=forms.RadioSelect
    )
    concerns = forms.MultipleChoiceField(
        label=LABELS["concerns"], required=False, choices=CONCERNS, widget=forms.CheckboxSelectMultiple
    )
    areas = _areas("areas")


class HealthStepForm(AccessibleForm):
    medical_history = forms.CharField(
        label=LABELS["medical_history"], required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    medications = forms.CharField(
        label=LABELS["medications"], required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    isotretinoin = _yes_no("isotretinoin")
    isotretinoin_current = _yes("isotretinoin_current")
    isotretinoin_stopped = _date("isotretinoin_stopped", "Leave empty if you have never taken it or still take it.")
    botox_last = _date("botox_last", "Only if you have had one: leave empty otherwise.")
    filler_last = _date("filler_last")
    peel_last = _date("peel_last")
    laser_last = _date("laser_last")
    blood_thinners = _yes_no("blood_thinners")
    bleeding_disorder = _yes_no("bleeding_disorder")
    diabetes = _yes_no("diabetes")
    autoimmune_or_immunosuppressed = _yes_no("autoimmune_or_immunosuppressed")
    radiation_therapy = _yes_no("radiation_therapy")
    radiation_last = _date("radiation_last")

    groups = (
        ("Medical history", ("medical_history", "medications")),
        ("Isotretinoin (Roaccutane)", ("isotretinoin", "isotretinoin_current", "isotretinoin_stopped")),
        ("Recent treatments", tuple(key for key, _ in RECENT_TREATMENTS)),
        ("Conditions and medicines", tuple(key for key, _ in HEALTH_YES_NO)),
        ("Radiation therapy", ("radiation_therapy", "radiation_last")),
    )


class ConditionsStepForm(AccessibleForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in CONDITIONS:
            self.fields[key] = _areas(key, label)


class MoreStepForm(AccessibleForm):
    pregnant_or_breastfeeding = _yes_no("pregnant_or_breastfeeding")
    allergy_lidocaine = _yes_no("allergy_lidocaine")
    allergy_metals = _yes_no("allergy_metals")
    keloid_scarring = _yes_no("keloid_scarring")
    other_allergies = forms.CharField(label=LABELS["other_allergies"], required=False, max_length=500)


STEP_FORMS = {
    "about": AboutStepForm,
    "skin": SkinStepForm,
    "health": HealthStepForm,
    "conditions": ConditionsStepForm,
    "more": MoreStepForm,
}


class SignForm(AccessibleForm):
    consent_version = forms.IntegerField(widget=forms.HiddenInput)
    client_note = forms.CharField(
        label="Your answer to the practitioner's question",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
    full_name = forms.CharField(
        label="Type your full name to sign",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    agreed = forms.BooleanField(label="I have read the consent above, my answers are true, and I agree", required=False)


class ApproveForm(AccessibleForm):
    VALIDITY = [(6, "6 months"), (12, "12 months"), (18, "18 months"), (24, "24 months")]

    areas = forms.MultipleChoiceField(
        label="Areas cleared", required=False, choices=Area.choices, widget=forms.CheckboxSelectMultiple
    )
    max_needle_depth_mm = forms.DecimalField(
        label="Maximum needle depth (mm)", required=False, max_digits=3, decimal_places=2, initial="1.50"
    )
    planned_sessions = forms.IntegerField(label="Planned sessions", required=False, initial=3)
    valid_months = forms.TypedChoiceField(
        label="Clearance valid for", choices=VALIDITY, coerce=int, initial=12, required=False
    )
    acknowledged = forms.MultipleChoiceField(
        label="Acknowledge each relative contraindication",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, intake, **kwargs):
        super().__init__(*args, prefix="approve", **kwargs)
        requested = set(intake.requested_areas)
        self.fields["areas"].choices = [(code, label) for code, label in Area.choices if code in requested]
        relative = [flag for flag in intake.flags.all() if flag.severity == "relative"]
        self.fields["acknowledged"].choices = [(str(flag.pk), f"{flag.title}: {flag.reason}") for flag in relative]
        if not relative:
            del self.fields["acknowledged"]
        self.fields["max_needle_depth_mm"].widget.attrs.update({"step": "0.25", "min": "0.25", "max": "3.00"})
        self.fields["planned_sessions"].widget.attrs.update({"min": "1", "max": "12"})


class DeclineForm(AccessibleForm):
    reason = forms.CharField(
        label="Reason, in words the client will read",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="decline", **kwargs)


class DeferForm(AccessibleForm):
    until = forms.DateField(label="Defer until", required=False, widget=DateInput())
    reason = forms.CharField(
        label="Note for the client (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="defer", **kwargs)


class AskForm(AccessibleForm):
    question = forms.CharField(
        label="Your question for the client", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="ask", **kwargs)


class HealthUpdateForm(AccessibleForm):
    anything_changed = forms.TypedChoiceField(
        label="Has anything about your health, medicines or skin changed since your last visit?",
        choices=[("no", "No, nothing has changed"), ("yes", "Yes, something has changed")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Please answer yes or no."},
    )
    details = forms.CharField(
        label="What has changed?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="For example a new medicine, a pregnancy, a skin reaction, a recent treatment elsewhere.",
    )


class HealthReviewForm(AccessibleForm):
    outcome = forms.ChoiceField(
        label="Decision",
        choices=[("still_cleared", "Still cleared"), ("review_again", "Needs a new review")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a decision."},
    )
    note = forms.CharField(
        label="What the client should update (for a new review)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )
