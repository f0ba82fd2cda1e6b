from allauth.account.forms import SignupForm
from django import forms
from django.db import transaction

from .models import ClinicProfile


class ClinicSignupForm(SignupForm):
    """allauth's sign-up form with the client's name and phone (ACCOUNT_FORMS["signup"])."""

    field_order = ["first_name", "last_name", "email", "phone", "password1", "password2"]

    first_name = forms.CharField(
        max_length=150, label="First name", widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        max_length=150, label="Last name", widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    phone = forms.CharField(
        max_length=32,
        required=False,
        label="Mobile phone",
        help_text="For appointment reminders by text, if you prefer them.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def save(self, request):
        # The user and their role are written together or not at all.
        with transaction.atomic():
            return super().save(request)


class ClinicProfileForm(forms.ModelForm):
    class Meta:
        model = ClinicProfile
        fields = ["name", "address", "phone", "email", "time_zone", "late_cancellation_hours", "paper_size"]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"time_zone": "A name from the time-zone database, such as Europe/London."}
