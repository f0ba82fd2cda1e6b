"""The course review as a PDF (WeasyPrint through ``clinic.pdf``): the sessions of a course with
what was done, and its photos side by side. The photos go in as ``data:`` URIs of their
thumbnails, read from the private storage here: the PDF renderer fetches no URL but the app's
static files, and no photo ever has a public address."""

import base64

from clinic.models import ClinicProfile
from clinic.pdf import pdf_from_template

from .compare import CourseCompare
from .services import photos_read_for_document

TEMPLATE = "aftercare/photos/course_review_pdf.html"


def _sessions(course) -> list[dict]:
    """Each completed session of the course with its needle depths (2 queries)."""
    from aftercare.models import SessionRecord

    records = (
        SessionRecord.objects.filter(appointment__course=course, appointment__status="completed")
        .select_related("appointment", "recorded_by")
        .prefetch_related("depths")
        .order_by("appointment__starts_at")
    )
    return [
        {
            "number": n,
            "starts_at": record.appointment.starts_at,
            "practitioner": record.recorded_by.get_full_name(),
            "depths": [f"{d.get_area_display()} {d.needle_depth_mm} mm" for d in record.depths.all()],
            "reaction": record.get_reaction_display(),
        }
        for n, record in enumerate(records, start=1)
    ]


def course_review_context(*, course, compare: CourseCompare, clinic: ClinicProfile | None = None) -> dict:
    clinic = clinic or ClinicProfile.get()
    images = photos_read_for_document(photos=compare.photos)
    data_uris = {
        pk: "data:image/jpeg;base64," + base64.b64encode(content).decode("ascii") for pk, content in images.items()
    }
    pairs = [
        {
            "label": pair.label,
            "first": data_uris.get(pair.first.pk) if pair.first else None,
            "second": data_uris.get(pair.second.pk) if pair.second else None,
        }
        for pair in compare.pairs
    ]
    return {
        "clinic": clinic,
        "paper_size": clinic.paper_size,
        "course": course,
        "client_name": course.client.get_full_name() or course.client.email,
        "sessions": _sessions(course),
        "compare": compare,
        "pairs": pairs,
    }


def course_review_pdf_bytes(*, course, compare: CourseCompare) -> bytes:
    return pdf_from_template(TEMPLATE, course_review_context(course=course, compare=compare))
