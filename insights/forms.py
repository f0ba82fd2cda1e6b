"""The insights page's filters: a period and, optionally, a location, a practitioner or a room."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join

from bookings.models import Practitioner, Room
from clinic.locations import several_locations
from clinic.models import Location

from .periods import PERIODS


class QuickSelect(forms.Select):
    """A select written in one pass. Django's own renders a template per option: for a chain's
    200 locations 40-90 ms of the page (bench machine), a fifth of its time budget."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (option["value"], " selected" if option["selected"] else "", option["label"])
                for _group, group_options, _index in widget["optgroups"]
                for option in group_options
            ),
        )
        return format_html('<select name="{}"{}>{}</select>', widget["name"], flatatt(widget["attrs"]), options)


class InsightsFilterForm(forms.Form):
    period = forms.ChoiceField(choices=PERIODS, initial="week", required=False)
    first = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    last = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    location = forms.ModelChoiceField(
        queryset=Location.objects.filter(is_active=True).order_by("name"),
        required=False,
        empty_label="Every location",
        widget=QuickSelect,
    )
    practitioner = forms.ModelChoiceField(
        queryset=Practitioner.objects.filter(is_active=True).select_related("user").order_by("user__first_name"),
        required=False,
        empty_label="Every practitioner",
    )
    room = forms.ModelChoiceField(
        queryset=Room.objects.filter(is_active=True).order_by("name"), required=False, empty_label="Every room"
    )

    def __init__(self, *args, own_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].label_from_instance = lambda p: p.user.get_full_name() or p.user.email
        if own_only:  # a practitioner sees their own figures: no one else to choose
            for name in ("location", "practitioner", "room"):
                del self.fields[name]
            return
        if several_locations():
            # A chain has thousands of practitioners and rooms: offer those of the chosen location,
            # and none before one is chosen.
            location_id = _id(self.data.get("location"))
            if location_id is None:
                del self.fields["practitioner"]
                del self.fields["room"]
                return
            self.fields["room"].queryset = self.fields["room"].queryset.filter(location_id=location_id)
            self.fields["practitioner"].queryset = (
                self.fields["practitioner"].queryset.filter(working_hours__location_id=location_id).distinct()
            )


def _id(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
