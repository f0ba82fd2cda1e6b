"""The invitation an imported client gets: a link to set their password (allauth's password reset
key, made when the message is sent, so no secret sits in the outbox) and to fill in their intake."""

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.urls import reverse


def invitation_content(message) -> dict:
    person = message.recipient
    if person.has_usable_password():
        return {"skip": "The client has set a password already."}
    key = default_token_generator.make_token(person)
    return {
        "set_password_url": reverse(
            "account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(person), "key": key}
        ),
        "intake_url": reverse("consultations:home"),
    }
