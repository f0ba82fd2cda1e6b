"""Input shapes of the aftercare pages. The rules (depth caps, required notes) live in the services;
these forms only say what a field looks like and turn typing slips into clear messages."""

import re

from django import forms

from consultations.areas import Area

from .models import CheckIn, SessionRecord
from .protocols import MAX_NEEDLE_DEPTH_MM, SkinType

_DEPTH = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(mm)?\s*$", re.IGNORECASE)


def depth_field_name(area: str) -> str:
    return f"depth_{area}"


class SessionRecordForm(forms.Form):
    """The practitioner's record of a session; one depth field per treated area."""

    device = forms.CharField(max_length=120, help_text="Make and model of the pen, e.g. Dermapen 4.")
    cartridge_lot = forms.CharField(label="Cartridge lot number", max_length=60)
    passes = forms.TypedChoiceField(label="Passes", coerce=int, choices=[(n, str(n)) for n in range(1, 11)], initial=3)
    products_applied = forms.CharField(
        label="Products applied", max_length=300, required=False, help_text="During and straight after the session."
    )
    serum = forms.CharField(label="Serum applied", max_length=200, required=False)
    fitzpatrick = forms.ChoiceField(
        label="Fitzpatrick type", choices=[("", "Not recorded"), *SkinType.choices[:6]], required=False
    )
    skin_type = forms.ChoiceField(
        label="Skin type", choices=[("", "Not recorded"), *SkinType.choices[6:]], required=False
    )
    reaction = forms.ChoiceField(
        label="Skin's reaction", choices=SessionRecord.Reaction.choices, widget=forms.RadioSelect
    )
    reaction_notes = forms.CharField(
        label="Notes on the reaction",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required for an unexpected reaction. Staff only.",
    )
    client_note = forms.CharField(
        label="Note for the client",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Printed on the client's aftercare plan.",
    )

    def __init__(self, *args, areas, max_depth_mm=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.areas = [a for a in Area.values if a in set(areas)]
        cap = max_depth_mm if max_depth_mm is not None else MAX_NEEDLE_DEPTH_MM
        depth_fields = {}
        for area in self.areas:
            depth_fields[depth_field_name(area)] = forms.CharField(
                label=f"Needle depth on the {Area(area).label.lower()} (mm)",
                max_length=12,
                help_text=f"In millimetres, at most {cap} mm.",
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "size": 6}),
            )
        # Depths first: they are what the practitioner checks against the clearance.
        self.fields = {**depth_fields, **self.fields}

    def clean(self):
        cleaned = super().clean()
        for area in self.areas:
            name = depth_field_name(area)
            raw = cleaned.get(name)
            if raw is None:
                continue
            match = _DEPTH.match(raw)
            if not match:
                self.add_error(
                    name, f"Enter the depth in millimetres as a number such as 1.0 (you typed “{raw[:20]}”)."
                )
            else:
                cleaned[name] = match.group(1).replace(",", ".")
        return cleaned

    def depths(self) -> dict[str, str]:
        return {area: self.cleaned_data[depth_field_name(area)] for area in self.areas}


class CheckInForm(forms.Form):
    answer = forms.ChoiceField(label="How is your skin?", choices=CheckIn.Answer.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        label="What worries you?",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Needed if you are worried: what you see or feel, and since when.",
    )
