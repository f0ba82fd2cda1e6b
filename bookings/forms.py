"""Input shapes of the booking screens. Rules live in the services: these forms only parse."""

from datetime import timedelta

from django import forms
from django.utils import timezone

from consultations.areas import Area
from consultations.forms import HealthUpdateForm

from .models import Appointment, Practitioner, Room, Treatment
from .services.appointments import FARTHEST_FROM_NOW


class AreasForm(forms.Form):
    """Which areas this session treats (only those the client is cleared for are offered)."""

    areas = forms.MultipleChoiceField(
        label="Areas to treat",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one area."},
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["areas"].choices = choices


class SlotForm(forms.Form):
    """The time picked on the calendar: what the confirmation page posts back. The practitioner
    and room are chosen among those of ``treatment`` (another's id is an invalid choice, with its
    plain message); everything else is checked again by the booking service. The late-booking
    reason is the service's to check: it is needed, and its length matters, only when the engine
    says the session is past the course's window."""

    starts_at = forms.DateTimeField(widget=forms.HiddenInput, input_formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M%z"])
    practitioner = forms.ModelChoiceField(
        queryset=Practitioner.objects.none(),
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "That practitioner does not give this treatment."},
    )
    room = forms.ModelChoiceField(
        queryset=Room.objects.none(),
        widget=forms.HiddenInput,
        required=False,
        error_messages={"invalid_choice": "That room is not equipped for this treatment."},
    )
    areas = forms.MultipleChoiceField(choices=Area.choices, widget=forms.MultipleHiddenInput)
    moving = forms.IntegerField(widget=forms.HiddenInput, required=False)
    late_booking_reason = forms.CharField(
        label="Reason for booking after the course's window",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Needed when this session is more than the treatment's maximum days after the last one.",
    )

    def __init__(self, *args, treatment: Treatment, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = treatment.practitioners.filter(is_active=True).select_related("user")
        self.fields["room"].queryset = treatment.rooms.all()

    def choice_problem(self) -> str:
        """The plain message of a practitioner or room that is not this treatment's, when that is
        all that is wrong; else the empty string."""
        if self.errors and set(self.errors) <= {"practitioner", "room"}:
            return " ".join(str(error) for field in ("practitioner", "room") for error in self.errors.get(field, []))
        return ""

    def clean_starts_at(self):
        # Shape only: a time years away is a tampered address (the page would compute days
        # around it before the service could refuse it). The service refuses the same.
        value = self.cleaned_data["starts_at"]
        if abs(value - timezone.now()) > FARTHEST_FROM_NOW:
            raise forms.ValidationError("That time could not be read.")
        return value


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Reason (optional)", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    confirm_late = forms.BooleanField(label="I understand this is a late cancellation", required=False)


class StaffCancelForm(forms.Form):
    cancelled_by_party = forms.ChoiceField(
        label="Who is cancelling",
        choices=Appointment.CancelledBy.choices,
        widget=forms.RadioSelect,
        initial=Appointment.CancelledBy.CLIENT,
    )
    reason = forms.CharField(label="Reason", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class HealthUpdateAtDeskForm(forms.Form):
    """The client's answer to "has anything about your health changed?", taken at the desk."""

    anything_changed = forms.TypedChoiceField(
        label="Has anything about the client's health changed since their last visit?",
        choices=[("no", "No, nothing has changed"), ("yes", "Yes, something has changed")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    details = forms.CharField(
        label="What has changed (the client's own words)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="A practitioner reviews it before the session.",
    )


class ClientSearchForm(forms.Form):
    q = forms.CharField(label="Name, e-mail or phone", max_length=100, required=False)


class ClientCreateForm(forms.Form):
    """A new client taken on the phone: enough to book and to reach them. (Whether the e-mail
    is free is the service's question.)"""

    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150)
    email = forms.EmailField(label="E-mail")
    phone = forms.CharField(label="Phone", max_length=32, widget=forms.TextInput(attrs={"type": "tel"}))


class WaitlistJoinForm(forms.Form):
    first_day = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    last_day = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    areas = forms.MultipleChoiceField(
        label="Areas", widget=forms.CheckboxSelectMultiple, error_messages={"required": "Choose at least one area."}
    )
    note = forms.CharField(
        label="Anything we should know (optional)",
        required=False,
        max_length=300,
        help_text="For example: mornings only.",
    )

    def __init__(self, *args, area_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["areas"].choices = area_choices

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first_day"), cleaned.get("last_day")
        if first and last and last < first:
            self.add_error("last_day", "The last day must be on or after the first day.")
        if first and last and last - first > timedelta(days=90):
            self.add_error("last_day", "Choose a range of at most 90 days.")
        return cleaned


class TabletCodeForm(forms.Form):
    """The one-time code the desk gives for a check-in on the clinic's tablet."""

    code = forms.CharField(
        label="Check-in code",
        max_length=20,
        help_text="Eight letters and numbers, from the front desk.",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false", "inputmode": "text"}
        ),
        error_messages={"required": "Please type the code the desk gave you."},
    )


class TabletCheckInForm(HealthUpdateForm):
    """What the client answers on the tablet: the health update when it is not in yet, the
    current consent when theirs is older (either part is left out when it is not needed)."""

    consent_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    full_name = forms.CharField(
        label="Type your full name to sign",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    agreed = forms.BooleanField(label="I have read the consent above and I agree", required=False)

    def __init__(self, *args, needs_health: bool, consent=None, **kwargs):
        super().__init__(*args, **kwargs)
        if not needs_health:
            del self.fields["anything_changed"], self.fields["details"]
        if consent is None:
            del self.fields["consent_version"], self.fields["full_name"], self.fields["agreed"]
        else:
            self.fields["consent_version"].initial = consent.version
