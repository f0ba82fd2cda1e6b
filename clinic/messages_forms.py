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
    marketing = forms.MultipleChoiceField(
        label="Send me offers and reminders to book my next session, and course reviews",
        choices=[("email", "By e-mail"), ("sms", "By text message")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=(
            "You always get everything about your appointments: confirmations, changes, reminders, "
            "health-update requests, aftercare, and offers from a waitlist you joined."
        ),
    )


class MessageLogFilterForm(forms.Form):
    """The communication log's search: a name, e-mail or phone, and a status. A value that
    cannot be a search (too long, a NUL character) is an error on the field, never a query."""

    q = forms.CharField(label="Find a client", max_length=100, required=False)
    status = forms.ChoiceField(label="Status", choices=[("", "Any"), *OutboundMessage.Status.choices], required=False)
