"""What aftercare holds about a client, registered for the export and the erasure
(``clinic.client_data``): session records, aftercare plans (with their PDFs), check-ins and
before-and-after photos with their consents. All clinical: kept for the retention period after
the last treatment when the client is forgotten, then deleted with their files."""

from clinic.client_data import ClientData, Erasure, ExportFile, client_data_register

from .models import AftercarePlan, AreaDepth, CheckIn, PhotoConsent, SessionPhoto, SessionRecord
from .services import PDF_STORAGE


def _plan_pdfs(rows) -> list[ExportFile]:
    return [
        ExportFile(storage=PDF_STORAGE, name=plan.pdf_name, path=f"aftercare/plan-{plan.session_on}-{plan.pk}.pdf")
        for plan in rows
        if plan.pdf_name
    ]


def _photo_files(rows) -> list[ExportFile]:
    files = []
    for photo in rows:
        extension = photo.image_name.rsplit(".", 1)[-1] if "." in photo.image_name else "jpg"
        path = f"photos/{photo.session_on}-{photo.area}-{photo.angle}-{photo.stage}-{photo.pk}.{extension}"
        files.append(ExportFile(storage="photos", name=photo.image_name, path=path))
        files.append(ExportFile(storage="photos", name=photo.thumb_name, path="", export=False))
        files.append(ExportFile(storage="photos", name=photo.crop_name, path="", export=False))
    return files


def aftercare_client_data_register() -> None:
    clinical = {"erasure": Erasure.CLINICAL}
    client_data_register(
        ClientData(
            model=SessionRecord,
            client_lookup="appointment__client",
            section="session_records",
            description="What the practitioner did in each session: device, passes, products, reaction.",
            **clinical,
        )
    )
    client_data_register(
        ClientData(
            model=AreaDepth,
            client_lookup="record__appointment__client",
            section="session_depths",
            description="The needle depth used on each area of each session (millimetres).",
            **clinical,
        )
    )
    client_data_register(
        ClientData(
            model=AftercarePlan,
            client_lookup="client",
            section="aftercare_plans",
            description="The aftercare plan of each session (PDFs in aftercare/).",
            exclude=("client",),
            files=_plan_pdfs,
            **clinical,
        )
    )
    client_data_register(
        ClientData(
            model=CheckIn,
            client_lookup="plan__client",
            section="check_ins",
            description="'How is your skin?' check-ins after sessions and the answers.",
            **clinical,
        )
    )
    client_data_register(
        ClientData(
            model=SessionPhoto,
            client_lookup="client",
            section="photos",
            description="Before-and-after photos of sessions (image files in photos/).",
            exclude=("client", "image_name", "thumb_name", "crop_name"),
            files=_photo_files,
            **clinical,
        )
    )
    client_data_register(
        ClientData(
            model=PhotoConsent,
            client_lookup="photo__client",
            section="photo_consents",
            description="The client's consent to each use of each photo: given, withdrawn.",
            **clinical,
        )
    )
