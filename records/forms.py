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


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label="The file holds", choices=[("clients", "Clients"), ("appointments", "Future appointments")]
    )
    file = forms.FileField(
        label="CSV file", help_text="As exported by your previous system; columns are found by their names."
    )
    encoding = forms.ChoiceField(label="Encoding", choices=[], initial="utf-8")
    date_format = forms.ChoiceField(
        label="Dates are written", choices=[], initial="dmy", help_text="For appointment files."
    )

    def __init__(self, *args, **kwargs):
        from .csv_import import DATE_FORMATS, ENCODINGS

        super().__init__(*args, **kwargs)
        self.fields["encoding"].choices = list(ENCODINGS.items())
        self.fields["date_format"].choices = [(code, label) for code, (label, _) in DATE_FORMATS.items()]
