"""Adding photos and recording, withdrawing and keeping the history of their consents."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from PIL import ExifTags, Image

from aftercare.models import PhotoConsent, SessionPhoto
from aftercare.photos import selectors
from aftercare.photos.services import (
    photo_add,
    photo_consent_give,
    photo_consent_withdraw,
    photo_remove,
)
from aftercare.tests.conftest import SESSION_STARTS
from aftercare.tests.photo_files import SERIAL, bomb_png, phone_jpeg, upload
from bookings.models import Appointment
from clinic.models import AuditEntry
from clinic.tests.factories import ClientFactory, FrontDeskFactory, ManagerFactory, PractitionerFactory

ALL_USES = ("clinical", "education", "marketing")


def _add(appointment, content=None, **overrides):
    kwargs = {
        "appointment": appointment,
        "area": "face",
        "angle": "front",
        "stage": "before",
        "upload": upload(content if content is not None else phone_jpeg((1200, 900))),
        "taken_by": appointment.practitioner.user,
        "consents": ALL_USES,
        "for_client_id": appointment.client_id,
    }
    kwargs.update(overrides)
    return photo_add(**kwargs)


def test_a_photo_is_kept_upright_without_exif_with_its_consents_and_an_audit_entry(session_setup, photo_files):
    appointment = session_setup()

    photo = _add(appointment)

    assert photo.client == appointment.client and photo.session_on == SESSION_STARTS.date()
    assert sorted(photo_files()) == sorted([photo.image_name, photo.thumb_name, photo.crop_name])
    # Read the stored file back: upright (orientation 6), and not one EXIF field, GPS included.
    with storages["photos"].open(photo.image_name, "rb") as handle:
        stored_bytes = handle.read()
    stored = Image.open(io.BytesIO(stored_bytes))
    assert stored.size == (900, 1200)
    assert dict(stored.getexif()) == {} and stored.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert b"GPS" not in stored_bytes and SERIAL.encode() not in stored_bytes and b"Exif" not in stored_bytes
    consents = PhotoConsent.objects.filter(photo=photo)
    assert sorted(c.use for c in consents) == sorted(ALL_USES)
    assert {c.given_by for c in consents} == {appointment.practitioner.user}
    entry = AuditEntry.objects.get(action="photo.add")
    assert entry.subject == appointment.client and entry.target_id == str(photo.pk)


def test_the_original_upload_is_not_kept(session_setup, photo_files):
    appointment = session_setup()
    original = phone_jpeg((1200, 900))
    photo = _add(appointment, original)
    stored = [storages["photos"].open(name, "rb").read() for name in photo_files()]
    assert len(stored) == 3 and original not in stored
    assert SessionPhoto.objects.values_list("image_name", flat=True).get() == photo.image_name


@pytest.mark.parametrize("status", ["checked_in", "in_treatment", "completed"])
def test_photos_can_be_added_from_check_in_to_after_completion(session_setup, status):
    appointment = session_setup()
    Appointment.objects.filter(pk=appointment.pk).update(status=status)
    appointment.refresh_from_db()
    assert _add(appointment).pk


def _refused(appointment, photo_files, match, **overrides):
    with pytest.raises(ValidationError) as caught:
        _add(appointment, **overrides)
    assert match in " ".join(caught.value.messages)
    assert not SessionPhoto.objects.exists()
    assert not PhotoConsent.objects.exists()
    assert photo_files() == []
    assert not AuditEntry.objects.filter(action="photo.add").exists()


@pytest.mark.parametrize(
    ("status", "words"), [("booked", "booked"), ("cancelled", "cancelled"), ("no_show", "no-show")]
)
def test_a_session_that_never_took_place_gets_no_photo(session_setup, photo_files, status, words):
    appointment = session_setup()
    changes = {"status": status}
    if status == "cancelled":
        changes["cancelled_at"] = timezone.now()
    Appointment.objects.filter(pk=appointment.pk).update(**changes)
    appointment.refresh_from_db()
    _refused(appointment, photo_files, f"This session is {words}: photos can be added once the client has checked in")


def test_a_photo_for_another_clients_session_by_a_tampered_id_is_refused(session_setup, photo_files):
    mine = session_setup()
    someone_else = ClientFactory()
    _refused(
        mine, photo_files, "This session is not the client's whose page you were on", for_client_id=someone_else.pk
    )


def test_a_photo_without_consent_to_the_clinical_record_is_not_kept(session_setup, photo_files):
    appointment = session_setup()
    _refused(appointment, photo_files, "kept only with the client's consent", consents=("marketing",))


def test_a_photo_of_an_area_not_treated_is_refused(session_setup, photo_files):
    appointment = session_setup(areas=("face",))
    _refused(appointment, photo_files, "Thighs was not treated in this session", area="thighs")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"GIF89a not really" * 40, "not a photo we can read"),
        (bomb_png(30_000, 30_000), "far more pixels than any camera takes"),
        (bomb_png(8000, 6000), "the most we take is 40 megapixels"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(session_setup, photo_files, content, words):
    _refused(session_setup(), photo_files, words, upload=upload(content))


def test_the_byte_and_pixel_limits_come_from_settings(session_setup, photo_files, settings):
    appointment = session_setup()
    settings.PHOTO_MAX_UPLOAD_BYTES = 10_000
    _refused(appointment, photo_files, "the most we take is 0.0 MB")
    settings.PHOTO_MAX_UPLOAD_BYTES = 20_000_000
    settings.PHOTO_MAX_PIXELS = 1_000_000
    _refused(appointment, photo_files, "1200 × 900 pixels (1 megapixels); the most we take is 1 megapixels")


def test_a_storage_failure_half_way_leaves_no_file_and_no_row(session_setup, photo_files, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "photos": {
            "BACKEND": "aftercare.tests.failing_storage.CropFailsStorage",
            "OPTIONS": {"location": str(tmp_path / "photos"), "base_url": None},
        },
    }
    _refused(session_setup(), photo_files, "could not be stored just now, so nothing of it was kept")


def test_front_desk_and_clients_cannot_add_photos(session_setup):
    appointment = session_setup()
    for who in (FrontDeskFactory(), appointment.client):
        with pytest.raises(PermissionDenied):
            _add(appointment, taken_by=who)


# --- Consents ---------------------------------------------------------------------------------


def test_the_client_withdraws_marketing_and_the_gallery_loses_the_photo_at_once(session_setup, add_photo):
    appointment = session_setup()
    photo = add_photo(appointment, consents=ALL_USES)
    manager = ManagerFactory()
    assert [i.photo for s in selectors.gallery(viewer=manager, use="marketing") for i in s.items] == [photo]

    with time_machine.travel(timezone.now() + timedelta(days=40)):
        withdrawn = photo_consent_withdraw(photo=photo, use="marketing", withdrawn_by=appointment.client)

    assert selectors.gallery(viewer=manager, use="marketing") == []
    assert [i.photo for s in selectors.gallery(viewer=manager, use="education") for i in s.items] == [photo]
    # History: the consent row is kept, with when and who withdrew it.
    row = PhotoConsent.objects.get(pk=withdrawn.pk)
    assert row.withdrawn_by == appointment.client and row.withdrawn_at > row.given_at
    entry = AuditEntry.objects.get(action="photo_consent.withdraw")
    assert entry.actor == appointment.client and entry.details == {"photo_id": photo.pk, "use": "marketing"}
    # A second withdrawal changes nothing.
    assert photo_consent_withdraw(photo=photo, use="marketing", withdrawn_by=appointment.client) is None


def test_consent_given_again_is_a_new_row_and_history_keeps_both(session_setup, add_photo):
    appointment = session_setup()
    photo = add_photo(appointment, consents=("clinical", "marketing"))
    photo_consent_withdraw(photo=photo, use="marketing", withdrawn_by=appointment.client)
    again = photo_consent_give(photo=photo, use="marketing", given_by=appointment.practitioner.user)
    rows = list(PhotoConsent.objects.filter(photo=photo, use="marketing").order_by("pk"))
    assert len(rows) == 2 and rows[0].withdrawn_at is not None and rows[1] == again and again.in_force
    # Giving what is in force is a no-op.
    assert photo_consent_give(photo=photo, use="marketing", given_by=appointment.practitioner.user) == again


def test_the_clinical_record_use_cannot_be_withdrawn(session_setup, add_photo):
    appointment = session_setup()
    photo = add_photo(appointment)
    with pytest.raises(ValidationError, match="part of your medical record"):
        photo_consent_withdraw(photo=photo, use="clinical", withdrawn_by=appointment.client)
    consent = PhotoConsent.objects.get(photo=photo, use="clinical")
    with pytest.raises(IntegrityError), transaction.atomic():
        PhotoConsent.objects.filter(pk=consent.pk).update(withdrawn_at=timezone.now(), withdrawn_by=appointment.client)


def test_another_client_and_the_front_desk_cannot_withdraw(session_setup, add_photo):
    appointment = session_setup()
    photo = add_photo(appointment, consents=ALL_USES)
    for who in (ClientFactory(), FrontDeskFactory()):
        with pytest.raises(PermissionDenied):
            photo_consent_withdraw(photo=photo, use="marketing", withdrawn_by=who)
    assert PhotoConsent.objects.get(photo=photo, use="marketing").in_force


def test_a_practitioner_records_a_withdrawal_the_client_asked_for_by_phone(session_setup, add_photo):
    appointment = session_setup()
    photo = add_photo(appointment, consents=ALL_USES)
    other_practitioner = PractitionerFactory()
    consent = photo_consent_withdraw(photo=photo, use="education", withdrawn_by=other_practitioner)
    assert consent.withdrawn_by == other_practitioner


@pytest.mark.parametrize(
    "change",
    [
        {"use": "education"},
        {"given_at": SESSION_STARTS},
        {"withdrawn_at": None, "withdrawn_by": None},
    ],
)
def test_the_database_refuses_any_change_to_a_consent_but_its_one_withdrawal(session_setup, add_photo, change):
    appointment = session_setup()
    photo = add_photo(appointment, consents=("clinical", "marketing"))
    consent = PhotoConsent.objects.get(photo=photo, use="marketing")
    if "withdrawn_at" in change:  # withdrawn once; taking the withdrawal back is refused
        photo_consent_withdraw(photo=photo, use="marketing", withdrawn_by=appointment.client)
    with pytest.raises(DatabaseError, match="can only be withdrawn, once"), transaction.atomic():
        PhotoConsent.objects.filter(pk=consent.pk).update(**change)


def test_at_most_one_consent_per_use_is_in_force(session_setup, add_photo):
    appointment = session_setup()
    photo = add_photo(appointment)
    with pytest.raises(IntegrityError), transaction.atomic():
        PhotoConsent.objects.create(photo=photo, use="clinical", given_by=appointment.practitioner.user)


def test_consent_in_force_for_a_use_is_read_through_its_index(session_setup, add_photo):
    """The gallery's question, "which photos may be used for marketing now", is one query that
    the partial index answers (sequential scans off, so the tiny test table does not hide it)."""
    appointment = session_setup()
    add_photo(appointment, consents=ALL_USES)
    query = PhotoConsent.objects.filter(use="marketing", withdrawn_at__isnull=True).values("photo_id")
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = " ".join(row[0] for row in cursor.fetchall())
    assert "photo_consent_in_force" in plan


# --- Removing a photo (a retake) --------------------------------------------------------------


def test_a_photo_can_be_removed_on_the_day_and_its_files_go(
    session_setup, add_photo, photo_files, django_capture_on_commit_callbacks
):
    appointment = session_setup()
    photo = add_photo(appointment)
    with django_capture_on_commit_callbacks(execute=True):
        photo_remove(photo=photo, removed_by=appointment.practitioner.user)
    assert not SessionPhoto.objects.exists() and not PhotoConsent.objects.exists()
    assert photo_files() == []
    assert AuditEntry.objects.filter(action="photo.remove", target_id=str(photo.pk)).exists()


def test_a_photo_older_than_a_day_is_part_of_the_record_and_stays(session_setup, add_photo, photo_files):
    appointment = session_setup()
    photo = add_photo(appointment)
    with time_machine.travel(timezone.now() + timedelta(hours=25)), pytest.raises(ValidationError, match="part of"):
        photo_remove(photo=photo, removed_by=appointment.practitioner.user)
    assert SessionPhoto.objects.filter(pk=photo.pk).exists() and len(photo_files()) == 3
