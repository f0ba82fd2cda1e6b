"""Content builders of aftercare's messages (registered in ``aftercare.messages``): clinic calls
them when it composes a message, so the words and the PDF are read at sending time."""

from django.core.files.storage import storages
from django.urls import reverse

from clinic.composing import Attachment
from clinic.models import OutboundMessage

from .models import AftercarePlan, CheckIn
from .services import PDF_STORAGE, aftercare_pdf_render


def aftercare_message_content(message: OutboundMessage) -> dict:
    """The aftercare e-mail (planned by the booking services at completion) carries the plan's
    PDF. If the render task has not run yet, the PDF is rendered now (idempotent)."""
    # The recipient's own plan only: a message that names someone else's appointment gets no PDF.
    plan = AftercarePlan.objects.filter(appointment_id=message.appointment_id, client_id=message.recipient_id).first()
    if plan is None:
        return {"has_plan_pdf": False}
    if not plan.pdf_name or not storages[PDF_STORAGE].exists(plan.pdf_name):
        plan = aftercare_pdf_render(plan_id=plan.pk)
    with storages[PDF_STORAGE].open(plan.pdf_name, "rb") as handle:
        content = handle.read()
    next_session = plan.content.get("next_session") or {}
    return {
        "has_plan_pdf": True,
        "plan_url": reverse("aftercare_plan", args=[plan.pk]),
        "aftercare_points": [f"{rule['instruction']}: until {rule['until_label']}" for rule in plan.content["rules"]],
        # The last session of a course has no next window: the review proposal follows instead.
        "next_window_opens_on": next_session.get("from"),
        "next_window_closes_on": next_session.get("to"),
        "attachments": [
            Attachment(
                filename=f"Aftercare plan {plan.session_on:%Y-%m-%d}.pdf", content=content, mimetype="application/pdf"
            )
        ],
    }


def check_in_message_content(message: OutboundMessage) -> dict:
    """Skip a check-in message the client has already answered (from the portal, say)."""
    check_in_id = (message.context or {}).get("check_in_id")
    check_in = (
        CheckIn.objects.filter(pk=check_in_id, plan__client_id=message.recipient_id).first() if check_in_id else None
    )
    if check_in is None:
        return {"skip": "No check-in of this recipient."} if check_in_id else {}
    if check_in.answer:
        return {"skip": "The client has already answered this check-in."}
    return {"day": check_in.day}
