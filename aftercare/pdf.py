"""The aftercare plan as a PDF document (WeasyPrint through ``clinic.pdf``)."""

from clinic.locations import clinic_at
from clinic.models import ClinicProfile
from clinic.pdf import pdf_from_template

from .models import AftercarePlan

TEMPLATE = "aftercare/plan_pdf.html"


def plan_pdf_context(*, plan: AftercarePlan, clinic: ClinicProfile | None = None) -> dict:
    # The location of the session: its address and time zone on the plan.
    clinic = clinic or clinic_at(plan.appointment.room.location_id)
    practitioner = plan.record.recorded_by
    return {
        "clinic": clinic,
        "paper_size": clinic.paper_size,
        "plan": plan.content,
        "client_name": plan.client.get_full_name() or plan.client.email,
        "practitioner_name": practitioner.get_full_name() if practitioner else "",
        "session_notes": plan.record.client_note,
    }


def plan_pdf_bytes(*, plan: AftercarePlan, clinic: ClinicProfile | None = None) -> bytes:
    """Everything in the plan comes from the database and is autoescaped: a note typed as HTML
    prints as text, and the fetcher loads only the app's own static files."""
    return pdf_from_template(TEMPLATE, plan_pdf_context(plan=plan, clinic=clinic))
