"""Every write of before-and-after photos and their consents, and every read of a photo's bytes
(each staff read is audited)."""

import logging
import uuid
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone

from clinic import roles
from clinic.audit import audit_record
from clinic.models import ClinicProfile
from consultations.areas import Area

from .models import Angle, PhotoConsent, PhotoUse, SessionPhoto, Stage
from .processing import PhotoRejected, ProcessedPhoto, process_photo

logger = logging.getLogger(__name__)

PHOTO_STORAGE = "photos"
# A practitioner may remove a photo (a blurred shot, the wrong angle) on the day it was taken;
# after that it is part of the client's record.
REMOVE_WITHIN = timedelta(hours=24)
NEEDS_CLINICAL_CONSENT = (
    "A photo is kept only with the client's consent to keep it in their clinical record. "
    "Ask the client, and tick it if they agree; otherwise take no photo."
)


def _photo_statuses():
    from bookings.models import Appointment

    # Photos are taken in the clinic: from check-in (before the numbing cream goes on), during
    # the treatment (before and after needling), and added later to a completed session. Never
    # for a session that is only booked, was cancelled or missed.
    return (Appointment.Status.CHECKED_IN, Appointment.Status.IN_TREATMENT, Appointment.Status.COMPLETED)


def _choice(value: str, choices, field: str, message: str) -> str:
    if value not in choices.values:
        raise ValidationError({field: [message]})
    return value


def _uses_checked(consents: Iterable[str]) -> list[str]:
    uses = list(dict.fromkeys(consents or ()))
    unknown = [use for use in uses if use not in PhotoUse.values]
    if unknown:
        raise ValidationError("Unknown use of a photo: choose clinical record, education or marketing.")
    if PhotoUse.CLINICAL not in uses:
        raise ValidationError({"consent_clinical": [NEEDS_CLINICAL_CONSENT]})
    return uses


def _checked_appointment(*, appointment, for_client_id: int | None):
    """The appointment, locked (its client's row first: the booking services' lock order), after
    the checks that do not depend on the file."""
    from bookings.locks import appointment_lock

    appointment = appointment_lock(appointment.pk)
    if for_client_id is not None and appointment.client_id != for_client_id:
        raise ValidationError(
            "This session is not the client's whose page you were on, so the photo was not saved. "
            "Open the client's session again and retake it there."
        )
    if appointment.status not in _photo_statuses():
        raise ValidationError(
            f"This session is {appointment.get_status_display().lower()}: photos can be added once the client "
            "has checked in, during the treatment or to a completed session."
        )
    return appointment


def _stored_names(client_id: int, key: uuid.UUID) -> dict[str, str]:
    base = f"clients/{client_id}/{key.hex}"
    return {"image": f"{base}.jpg", "thumb": f"{base}-thumb.jpg", "crop": f"{base}-crop.jpg"}


def _store(processed: ProcessedPhoto, names: dict[str, str]) -> dict[str, str]:
    """Save the three JPEGs; returns the names the storage chose. On a failure halfway, what was
    saved is deleted again before the error goes on."""
    storage = storages[PHOTO_STORAGE]
    saved: dict[str, str] = {}
    try:
        for kind in ("image", "thumb", "crop"):
            saved[kind] = storage.save(names[kind], ContentFile(getattr(processed, kind)))
    except OSError as exc:
        _delete_files(saved.values())
        logger.exception("could not store a photo")
        raise ValidationError(
            "The photo could not be stored just now, so nothing of it was kept. Please try again in a moment."
        ) from exc
    except Exception:
        _delete_files(saved.values())
        raise
    return saved


def _delete_files(names: Iterable[str]) -> None:
    storage = storages[PHOTO_STORAGE]
    for name in names:
        if name:
            storage.delete(name)


def photo_add(
    *,
    appointment,
    area: str,
    angle: str,
    stage: str,
    upload,
    taken_by,
    consents: Iterable[str],
    for_client_id: int | None = None,
    request=None,
) -> SessionPhoto:
    """Add a photo to a session with the client's consents, in one transaction with an audit
    entry. The upload is checked and converted first (``processing.process_photo``: upright,
    sRGB, every EXIF field gone, a thumbnail and the area's crop); it is never stored itself.

    Guarantees: a photo row exists only with its three files and its consents, the clinical
    record among them; a refusal leaves no row and no file. Raises ``PermissionDenied`` for
    anyone who may not record sessions; ``ValidationError`` (keyed by form field where it can be)
    for a file that is not an image, too large in bytes or pixels, a decompression bomb, a
    session of another client than ``for_client_id`` (a tampered id), a session that is not
    checked in, in treatment or completed, an area not treated in it, or no clinical consent."""
    roles.require(taken_by, roles.Capability.RECORD_SESSION)
    _choice(area, Area, "area", "Choose the area the photo shows.")
    _choice(angle, Angle, "angle", "Choose the angle the photo was taken from.")
    _choice(stage, Stage, "stage", "Say whether the photo was taken before or after needling.")
    uses = _uses_checked(consents)
    if upload is None:
        raise ValidationError({"photo": ["Take a photo or choose one."]})
    if area not in appointment.areas:
        raise ValidationError({"area": [f"{Area(area).label} was not treated in this session."]})
    if appointment.status not in _photo_statuses() or (
        for_client_id is not None and appointment.client_id != for_client_id
    ):
        # The same checks run again under the lock below; failing early spares decoding a photo.
        with transaction.atomic():
            _checked_appointment(appointment=appointment, for_client_id=for_client_id)
    try:
        upload.seek(0)
        processed = process_photo(
            upload,
            size=upload.size,
            area=area,
            max_bytes=settings.PHOTO_MAX_UPLOAD_BYTES,
            max_pixels=settings.PHOTO_MAX_PIXELS,
        )
    except PhotoRejected as exc:
        raise ValidationError({"photo": [str(exc)]}) from exc
    return _photo_create(
        appointment=appointment,
        area=area,
        angle=angle,
        stage=stage,
        processed=processed,
        taken_by=taken_by,
        uses=uses,
        for_client_id=for_client_id,
        request=request,
    )


def _photo_create(
    *, appointment, area, angle, stage, processed, taken_by, uses, for_client_id=None, request=None, taken_at=None
) -> SessionPhoto:
    """The rows and files of a processed photo. ``taken_at`` is for the demo's history only."""
    key = uuid.uuid4()
    saved: dict[str, str] = {}
    try:
        with transaction.atomic():
            appointment = _checked_appointment(appointment=appointment, for_client_id=for_client_id)
            tz = ClinicProfile.get().tz
            saved = _store(processed, _stored_names(appointment.client_id, key))
            at = taken_at or timezone.now()
            photo = SessionPhoto.objects.create(
                key=key,
                appointment=appointment,
                client_id=appointment.client_id,
                area=area,
                angle=angle,
                stage=stage,
                session_on=timezone.localtime(appointment.starts_at, tz).date(),
                taken_by=taken_by,
                taken_at=at,
                image_name=saved["image"],
                thumb_name=saved["thumb"],
                crop_name=saved["crop"],
                width=processed.width,
                height=processed.height,
                thumb_width=processed.thumb_width,
                thumb_height=processed.thumb_height,
            )
            PhotoConsent.objects.bulk_create(
                PhotoConsent(photo=photo, use=use, given_at=at, given_by=taken_by) for use in uses
            )
            audit_record(
                actor=taken_by,
                action="photo.add",
                target=photo,
                request=request,
                subject=appointment.client,
                details={"appointment_id": appointment.pk, "consents": uses},
            )
    except Exception:
        # The transaction is rolled back: its files go too, so nothing is left of the photo.
        _delete_files(saved.values())
        raise
    return photo


def photo_remove(*, photo: SessionPhoto, removed_by, request=None) -> None:
    """Remove a photo taken in the last 24 hours (a retake), its files and its consents, with
    an audit entry. Raises ``PermissionDenied`` for anyone who may not record sessions and
    ``ValidationError`` for an older photo: that one is part of the client's record."""
    roles.require(removed_by, roles.Capability.RECORD_SESSION)
    with transaction.atomic():
        photo = SessionPhoto.objects.select_for_update().select_related("client").get(pk=photo.pk)
        if timezone.now() - photo.taken_at > REMOVE_WITHIN:
            raise ValidationError(
                "This photo was taken more than a day ago and is part of the client's record: it cannot be removed."
            )
        names = [photo.image_name, photo.thumb_name, photo.crop_name]
        audit_record(
            actor=removed_by,
            action="photo.remove",
            target=photo,
            request=request,
            subject=photo.client,
            details={"appointment_id": photo.appointment_id, "area": photo.area, "angle": photo.angle},
        )
        photo.delete()
        transaction.on_commit(lambda: _delete_files(names))


def photo_consent_give(*, photo: SessionPhoto, use: str, given_by, request=None) -> PhotoConsent:
    """Record the client's consent to ``use`` of ``photo``, as a practitioner (the client's
    answer, asked in person). Idempotent: a consent already in force is returned as it is.
    Raises ``PermissionDenied`` for anyone who may not record sessions, ``ValidationError`` for
    an unknown use."""
    roles.require(given_by, roles.Capability.RECORD_SESSION)
    _choice(use, PhotoUse, "use", "Choose what the photo may be used for.")
    with transaction.atomic():
        photo = SessionPhoto.objects.select_for_update().select_related("client").get(pk=photo.pk)
        current = PhotoConsent.objects.filter(photo=photo, use=use, withdrawn_at__isnull=True).first()
        if current is not None:
            return current
        consent = PhotoConsent.objects.create(photo=photo, use=use, given_by=given_by)
        audit_record(
            actor=given_by,
            action="photo_consent.give",
            target=consent,
            request=request,
            subject=photo.client,
            details={"photo_id": photo.pk, "use": use},
        )
    return consent


def photo_consent_withdraw(*, photo: SessionPhoto, use: str, withdrawn_by, request=None) -> PhotoConsent | None:
    """Withdraw the consent in force to ``use`` of ``photo``: by the client whose photo it is
    (from the portal), or by a practitioner recording what the client said. It takes effect
    with the commit: every page and export of that use reads consents in force only. Audited;
    idempotent (None when nothing was in force).

    Raises ``PermissionDenied`` for anyone else, ``ValidationError`` for the clinical record
    (the photo is part of the medical record; the database refuses it too)."""
    is_owner = withdrawn_by.pk == photo.client_id and roles.is_client(withdrawn_by)
    if not is_owner and not roles.can(withdrawn_by, roles.Capability.RECORD_SESSION):
        raise PermissionDenied("You may not change the consents of this photo.")
    _choice(use, PhotoUse, "use", "Choose which use to withdraw.")
    if use == PhotoUse.CLINICAL:
        raise ValidationError(
            "A clinical photo is part of your medical record, which the clinic must keep; that use cannot be "
            "withdrawn here. Please talk to the clinic if you have questions about it."
        )
    with transaction.atomic():
        consent = (
            PhotoConsent.objects.select_for_update()
            .filter(photo_id=photo.pk, use=use, withdrawn_at__isnull=True)
            .select_related("photo__client")
            .first()
        )
        if consent is None:
            return None
        consent.withdrawn_at = timezone.now()
        consent.withdrawn_by = withdrawn_by
        consent.save(update_fields=["withdrawn_at", "withdrawn_by"])
        audit_record(
            actor=withdrawn_by,
            action="photo_consent.withdraw",
            target=consent,
            request=request,
            subject=consent.photo.client,
            details={"photo_id": photo.pk, "use": use},
        )
    return consent


RENDITIONS = {"thumb": "thumb_name", "full": "image_name", "crop": "crop_name"}


def photo_file_open(*, photo: SessionPhoto, rendition: str, viewer, request=None, use: str | None = None):
    """An open file of one rendition of a photo the selectors let ``viewer`` see; every staff
    read is audited (who, which photo, which rendition, for which use)."""
    name = getattr(photo, RENDITIONS[rendition])
    handle = storages[PHOTO_STORAGE].open(name, "rb")
    if roles.is_staff_member(viewer):
        details = {"rendition": rendition}
        if use:
            details["use"] = use
        audit_record(
            actor=viewer, action="photo.view", target=photo, request=request, subject=photo.client, details=details
        )
    return handle


def photos_read_for_document(*, photos: list[SessionPhoto], rendition: str = "thumb") -> dict[int, bytes]:
    """The bytes of a rendition of each photo, for a document the caller has audited."""
    storage = storages[PHOTO_STORAGE]
    found = {}
    for photo in photos:
        with storage.open(getattr(photo, RENDITIONS[rendition]), "rb") as handle:
            found[photo.pk] = handle.read()
    return found
