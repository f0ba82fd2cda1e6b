"""Content builders of consultations' messages (registered in ``consultations.messages``)."""

from django.urls import reverse

from clinic.models import OutboundMessage

from .appointments import appointment_starts_at


def health_change_alert_content(message: OutboundMessage) -> dict:
    """For the practitioner's alert: the session's time (read when it is sent, so a moved session
    shows its new time) and the link to the health update to review. No medical detail: that
    stays in the app."""
    context = {}
    starts_at = appointment_starts_at(appointment_id=message.appointment_id) if message.appointment_id else None
    if starts_at is not None:
        context["session_starts_at"] = starts_at
    update_id = (message.context or {}).get("health_update_id")
    if update_id:
        context["review_url"] = reverse("consultations:health_update_detail", args=[update_id])
    return context
