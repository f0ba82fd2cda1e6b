"""One way a service's ``ValidationError`` reaches the person who caused it.

On a page with a form, field errors go onto their fields and the rest above the form (its
non-field errors); where there is no form (a button that redirects), the whole message goes to the
top of the next page. Views never join or flatten messages themselves.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest


def error_show(form_or_request: BaseForm | HttpRequest, exc: ValidationError) -> None:
    """Show ``exc`` on the form (by field where it names one of the form's fields) or, given a
    request, as one error message at the top of the next page."""
    if isinstance(form_or_request, BaseForm):
        form = form_or_request
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                texts = [text for error in errors for text in error.messages]
                form.add_error(field if field in form.fields else None, texts)
        else:
            form.add_error(None, exc.messages)
        return
    messages.error(form_or_request, " ".join(exc.messages))
