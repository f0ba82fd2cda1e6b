from django import forms

from clinic.models import OutboundMessage


class MarketingConsentForm(forms.Form):
    channels = forms.MultipleChoiceField(
        label="Send me offers and reminders to book my next session, and course reviews, by",
        choices=OutboundMessage.Channel.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Messages about your appointments and aftercare always come, whatever you choose here.",
    )


class ErasureRequestForm(forms.Form):
    confirm = forms.BooleanField(
        label="I understand: my account is closed and my contact details and messages are deleted; my "
        "clinical records are kept for as long as the law requires, then deleted.",
    )
