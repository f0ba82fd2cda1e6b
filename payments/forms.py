"""Input shapes of the desk's and the manager's payments forms. Each money form carries a key
made when the form is shown (hidden): a double submit records once."""

import uuid

from django import forms
from django.core.exceptions import ValidationError

from consultations.areas import Area

from .models import LedgerEntry, Package
from .money import money_parse


class MoneyField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def clean(self, value):
        value = super().clean(value)
        return money_parse(value)


class KeyedForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput, max_length=100)
    next = forms.CharField(widget=forms.HiddenInput, required=False, max_length=300)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)


class PaymentForm(KeyedForm):
    amount = MoneyField(label="Amount")
    method = forms.ChoiceField(label="Method", choices=LedgerEntry.Method.choices)
    appointment = forms.IntegerField(widget=forms.HiddenInput, required=False)


class RefundForm(KeyedForm):
    amount = MoneyField(label="Amount to refund")
    method = forms.ChoiceField(label="Refund by", choices=LedgerEntry.Method.choices)
    reason = forms.CharField(label="Reason", max_length=300)


class SellPackageForm(KeyedForm):
    package = forms.ModelChoiceField(label="Package", queryset=Package.objects.none(), empty_label=None)

    def __init__(self, *args, packages=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["package"].queryset = Package.objects.filter(is_active=True).select_related("location")
        if packages is not None:
            self.fields["package"].choices = [(p.pk, _package_label(p)) for p in packages]


def _package_label(package) -> str:
    from .money import money_label

    return f"{package.name} · {package.location.name} · {money_label(package.price)}"


class PriceForm(forms.Form):
    treatment = forms.ModelChoiceField(queryset=None, label="Treatment", empty_label=None)
    areas = forms.MultipleChoiceField(label="Areas", choices=Area.choices, widget=forms.CheckboxSelectMultiple)
    location = forms.ModelChoiceField(queryset=None, label="Location", empty_label=None)
    amount = MoneyField(label="Price (tax included)")
    tax_rate = forms.DecimalField(label="Tax rate (%)", min_value=0, max_value=99.99, decimal_places=2, initial=20)

    def __init__(self, *args, **kwargs):
        from bookings.models import Treatment
        from clinic.models import Location

        super().__init__(*args, **kwargs)
        self.fields["treatment"].queryset = Treatment.objects.filter(is_active=True)
        self.fields["location"].queryset = Location.objects.filter(is_active=True)


class PackageForm(PriceForm):
    name = forms.CharField(label="Name", max_length=120)
    sessions = forms.IntegerField(label="Sessions", min_value=1, max_value=20, initial=3)
    validity_months = forms.IntegerField(label="Valid for (months)", min_value=1, max_value=60, initial=12)

    field_order = ["name", "treatment", "areas", "location", "sessions", "amount", "tax_rate", "validity_months"]

    def clean_amount(self):
        value = self.cleaned_data["amount"]
        if value is None:
            raise ValidationError("Enter the package's price.")
        return value


class ReportsFilterForm(forms.Form):
    """The money reports' days (the last 30 by default) and, optionally, one location."""

    LONGEST_DAYS = 2 * 366

    first = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    last = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    location = forms.ModelChoiceField(queryset=None, required=False, empty_label="Every location")

    def __init__(self, *args, **kwargs):
        from clinic.models import Location

        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = Location.objects.filter(is_active=True).order_by("name")

    def clean(self):
        data = super().clean()
        first, last = data.get("first"), data.get("last")
        if first and last and last < first:
            raise ValidationError("The last day comes before the first.")
        if first and last and (last - first).days + 1 > self.LONGEST_DAYS:
            raise ValidationError("Choose a range of two years at most.")
        return data
