"""Input shape of the messages pages."""

from django import forms

from .models import OutboundMessage, User


class ContactPreferencesForm(forms.Form):
    preferred_channel = forms.ChoiceField(
        label="How should we contact you?",
        choices=User.ContactChannel.choices,
        widget=forms.RadioSelect,
    )
    phone = forms.CharField(
        label="Mobile phone",
        max_length=32,
        required=False,
        help_text="Needed for text messages.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    marketing_opt_out = forms.BooleanField(
        label="Only send me essential messages",
        required=False,
        help_text=(
            "You will still get everything about your appointments: confirmations, changes, "
            "reminders, health-update requests and aftercare. You will not get reminders to book "
            "your next session, waitlist offers or review suggestions."
        ),
    )


class MessageLogFilterForm(forms.Form):
    """The communication log's search: a name, e-mail or phone, and a status. A value that
    cannot be a search (too long, a NUL character) is an error on the field, never a query."""

    q = forms.CharField(label="Find a client", max_length=100, required=False)
    status = forms.ChoiceField(label="Status", choices=[("", "Any"), *OutboundMessage.Status.choices], required=False)
