"""The communication log: every message to a client with its status, what it said, and a way
to send it again. For staff who may see it (``Capability.VIEW_MESSAGES``); front desk included.

Bodies of clinical messages (a practitioner's note on a consultation, aftercare) are shown only
to staff who may read medical answers: the front desk sees that they went out, not what they say.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from . import roles
from .audit import audit_record
from .consent import marketing_channels, marketing_consent_withdraw_all, unsubscribe_person_id
from .errors import error_show
from .locations import locations_for, several_locations, staff_location
from .message_kinds import clinical_kinds
from .messages_forms import ContactPreferencesForm, MessageLogFilterForm
from .models import MarketingConsent, OutboundMessage
from .outbox import (
    client_messages,
    contact_preferences_update,
    message_location_id,
    message_log_people,
    message_words_visible,
    messages_needing_attention,
    outbox_resend,
    own_messages,
    recent_messages,
)
from .privacy import medical_page

STATUS_BADGES = {
    OutboundMessage.Status.SENT: "ok",
    OutboundMessage.Status.PENDING: "info",
    OutboundMessage.Status.SENDING: "info",
    OutboundMessage.Status.FAILED: "bad",
    OutboundMessage.Status.CANCELLED: "",
    OutboundMessage.Status.SKIPPED: "warn",
}


def _rows(rows):
    for row in rows:
        row.badge = STATUS_BADGES.get(row.status, "")
        row.can_resend = row.status in (OutboundMessage.Status.SENT, OutboundMessage.Status.FAILED)
    return rows


def _require_location(request, message) -> None:
    """A message about a session at a location the member of staff may not see is not theirs to
    read (the front desk of one site, with the address of another site's message)."""
    if not several_locations():
        return
    location_id = message_location_id(message)
    if location_id is not None and location_id not in {loc.pk for loc in locations_for(request.user)}:
        raise PermissionDenied("This message is about a session at a location you do not work at.")


@login_required
def message_log(request):
    """Failed messages first, then the latest messages, optionally filtered by status or by the
    client's name or e-mail."""
    roles.require(request.user, roles.Capability.VIEW_MESSAGES)
    search = MessageLogFilterForm(request.GET)
    search.is_valid()  # a field that does not parse is left out of the search, with its error shown
    status = search.cleaned_data.get("status", "")
    query = search.cleaned_data.get("q", "")
    people = message_log_people(query=query)
    place = staff_location(request)
    location_id = place["location"].pk if place["several"] else None
    return render(
        request,
        "messages/log_index.html",
        {
            "place": place,
            "failed": _rows(messages_needing_attention(limit=50, location_id=location_id)) if not status else [],
            "recent": _rows(recent_messages(status=status or None, limit=100, location_id=location_id)),
            "status": status,
            "statuses": OutboundMessage.Status.choices,
            "query": query,
            "people": people,
            "search_errors": [error for errors in search.errors.values() for error in errors],
        },
    )


@login_required
def message_log_client(request, client_id: int):
    roles.require(request.user, roles.Capability.VIEW_MESSAGES)
    person = get_object_or_404(get_user_model(), pk=client_id)
    rows = client_messages(client=person)
    return render(
        request,
        "messages/log_client.html",
        {
            "person": person,
            "marketing": [OutboundMessage.Channel(c).label.lower() for c in sorted(marketing_channels(person=person))],
            # Nearest first: what is coming up soonest, then what went out most recently.
            "upcoming": _rows([row for row in rows if row.upcoming]),
            "rows": _rows([row for row in rows if not row.upcoming]),
        },
    )


@medical_page
@login_required
def message_detail(request, pk: int):
    """One message with what it said. The words of a clinical one (a decline reason names the
    condition) are shown to staff who may read medical answers, and each showing is audited."""
    roles.require(request.user, roles.Capability.VIEW_MESSAGES)
    message = get_object_or_404(OutboundMessage.objects.select_related("recipient", "resend_of"), pk=pk)
    _require_location(request, message)
    show_body = message_words_visible(message=message, viewer=request.user)
    if show_body and message.kind in clinical_kinds() and message.body_text:
        audit_record(
            actor=request.user,
            action="clinical_message_viewed",
            target=message,
            request=request,
            subject=message.recipient,
        )
    return render(
        request,
        "messages/log_detail.html",
        {
            "message": _rows([message])[0],
            "show_body": show_body,
            "resends": _rows(list(message.resends.order_by("-pk"))),
        },
    )


@require_POST
@login_required
def message_resend(request, pk: int):
    roles.require(request.user, roles.Capability.VIEW_MESSAGES)
    message = get_object_or_404(OutboundMessage.objects.select_related("recipient"), pk=pk)
    _require_location(request, message)
    try:
        outbox_resend(message=message, resent_by=request.user, request=request)
    except ValidationError as error:
        error_show(request, error)
    else:
        messages.success(
            request, f"“{message.get_kind_display()}” will be sent again to {message.recipient} within a minute."
        )
    return redirect("message_log_client", client_id=message.recipient_id)


@login_required
def my_messages(request):
    """A person's own page: how they want to hear from the clinic, and what it sent them."""
    user = request.user
    initial = {
        "preferred_channel": user.preferred_channel,
        "phone": user.phone,
        "marketing": sorted(marketing_channels(person=user)),
    }
    form = ContactPreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            contact_preferences_update(user=user, request=request, **form.cleaned_data)
        except ValidationError as error:
            error_show(form, error)
        else:
            messages.success(request, "Your message preferences are saved.")
            return redirect("my_messages")
    return render(request, "messages/my_messages.html", {"form": form, "sent": own_messages(user=user)})


@csrf_exempt  # the signed token in the address is the proof; mail programs POST without a form
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """Stop marketing messages without logging in. GET shows one button (link checkers that
    fetch every link must not unsubscribe anyone); POST, from that button or from a mail
    program's one-click (RFC 8058), withdraws every marketing opt-in of the person the token
    names. Service messages (reminders, aftercare) are not affected."""
    person_id = unsubscribe_person_id(token)
    person = get_user_model().objects.filter(pk=person_id, is_active=True).first() if person_id else None
    if person is None:
        return render(request, "messages/unsubscribe.html", {"invalid": True}, status=404)
    done = False
    if request.method == "POST":
        marketing_consent_withdraw_all(person=person, via=MarketingConsent.Via.UNSUBSCRIBE_LINK, request=request)
        done = True
    return render(request, "messages/unsubscribe.html", {"done": done, "token": token})
