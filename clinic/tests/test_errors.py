"""One error path: a service's ValidationError shown on the form (by field where it names one) or
at the top of the next page."""

from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from clinic.errors import error_show


class _Form(forms.Form):
    phone = forms.CharField(required=False)


def test_field_errors_go_on_their_field_and_the_rest_above_the_form():
    form = _Form({"phone": ""})
    assert form.is_valid()
    error_show(form, ValidationError({"phone": "Add your mobile number.", "starts_at": "That time has passed."}))
    assert form.errors["phone"] == ["Add your mobile number."]
    assert form.non_field_errors() == ["That time has passed."]


def test_a_message_without_a_field_goes_above_the_form():
    form = _Form({})
    form.is_valid()
    error_show(form, ValidationError(["Only the client can do this.", "Please call the clinic."]))
    assert form.non_field_errors() == ["Only the client can do this.", "Please call the clinic."]


def test_without_a_form_the_whole_message_is_shown_at_the_top_of_the_next_page():
    request = RequestFactory().post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    error_show(request, ValidationError({"starts_at": ["That time has passed.", "Pick another."]}))
    assert [str(m) for m in get_messages(request)] == ["That time has passed. Pick another."]
