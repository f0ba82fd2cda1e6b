"""Input shapes of the photo pages. The rules (file checks, session status, consent needed) live
in ``aftercare.photos.services``; these forms say what a field looks like."""

from django import forms

from clinic.dates import date_label
from consultations.areas import Area

from .models import Angle, PhotoUse, Stage

# What the file inputs offer; the service decides what it takes.
ACCEPT = "image/jpeg,image/png,image/webp"


class PhotoUploadForm(forms.Form):
    """One photo of a session: area, angle, before or after, the file, and the client's answers
    to the three uses. ``client`` is the client whose session page this is: the service refuses
    a photo whose session (the id in the address) is someone else's."""

    client = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
    area = forms.ChoiceField(label="Area")
    angle = forms.ChoiceField(label="Angle", choices=Angle.choices, initial=Angle.FRONT)
    stage = forms.ChoiceField(label="When", choices=Stage.choices, initial=Stage.BEFORE, widget=forms.RadioSelect)
    photo = forms.FileField(
        label="Choose a photo",
        required=False,
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
        help_text="JPEG, PNG or WebP. Location and camera details are removed before it is kept.",
    )
    camera = forms.FileField(
        label="Take a photo",
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    consent_clinical = forms.BooleanField(
        label="Keep it in the client's clinical record",
        required=False,
        help_text="Needed to take the photo.",
    )
    consent_education = forms.BooleanField(
        label="Use it, without the client's name, to teach practitioners", required=False
    )
    consent_marketing = forms.BooleanField(
        label="Use it in the clinic's marketing (website, social media)", required=False
    )

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        codes = [code for code in Area.values if code in set(areas)]
        self.fields["area"].choices = [(code, Area(code).label) for code in codes]
        if len(codes) == 1:
            self.fields["area"].initial = codes[0]

    def clean(self):
        cleaned = super().clean()
        # The camera button and the file button are two inputs for one photo.
        cleaned["upload"] = cleaned.get("camera") or cleaned.get("photo")
        if not cleaned["upload"] and not self.has_error("photo"):
            self.add_error("photo", "Take a photo or choose one.")
        return cleaned

    def consents(self) -> list[str]:
        return [
            use
            for use, name in (
                (PhotoUse.CLINICAL, "consent_clinical"),
                (PhotoUse.EDUCATION, "consent_education"),
                (PhotoUse.MARKETING, "consent_marketing"),
            )
            if self.cleaned_data.get(name)
        ]


class ConsentChangeForm(forms.Form):
    use = forms.ChoiceField(choices=PhotoUse.choices)


class CompareForm(forms.Form):
    """Which two sessions and which stage the comparison shows (GET)."""

    first = forms.TypedChoiceField(label="Compare", coerce=int, required=False)
    second = forms.TypedChoiceField(label="with", coerce=int, required=False)
    stage = forms.ChoiceField(label="Photos", choices=Stage.choices, required=False)

    def __init__(self, *args, sessions, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(s.appointment_id, f"{s.label} · {date_label(s.session_on)}") for s in sessions]
        self.fields["first"].choices = choices
        self.fields["second"].choices = choices
