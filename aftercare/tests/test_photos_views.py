"""The photo pages: taking photos on the session record page, serving them privately, the
client's photos and consents, the comparison, the course review PDF and the gallery."""

import re
import subprocess
from datetime import datetime

import pytest
import time_machine
from django.urls import reverse

from aftercare.models import PhotoConsent, SessionPhoto
from aftercare.tests.conftest import LONDON
from aftercare.tests.photo_files import bomb_png, phone_jpeg, upload
from clinic.models import AuditEntry, ClinicProfile
from clinic.tests.factories import ClientFactory, FrontDeskFactory, ManagerFactory, log_in

NOW = datetime(2026, 3, 5, 15, 30, tzinfo=LONDON)
# User, roles (the session and its MFA step come from the cache, and the session is written at
# most once a minute: clinic.sessions, clinic.middleware); the appointment; its lock (client, then
# appointment); the photo, its consents, the audit entry, with savepoints; the panel again (photos
# and consents) and its audit entry.
UPLOAD_QUERIES = 14
# User, roles; the photo; the consent locked, withdrawn, audited, with savepoints.
WITHDRAW_QUERIES = 8


@pytest.fixture(autouse=True)
def _session_day():
    with time_machine.travel(NOW, tick=True):
        yield


def _upload_data(appointment, content=None, **overrides):
    data = {
        "client": str(appointment.client_id),
        "area": appointment.areas[0],
        "angle": "front",
        "stage": "before",
        "consent_clinical": "on",
        "consent_marketing": "on",
        "photo": upload(content if content is not None else phone_jpeg((1200, 900))),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- Taking photos ------------------------------------------------------------------------------


def test_the_session_record_page_offers_the_camera_and_a_file_with_the_three_consents(client, session_setup):
    appointment = session_setup()
    log_in(client, appointment.practitioner.user)
    html = client.get(reverse("aftercare_session_record", args=[appointment.pk])).content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert re.search(r'<input type="file" name="camera" accept="image/\*" capture="environment"', html)
    assert re.search(r'<input type="file" name="photo" accept="image/jpeg,image/png,image/webp"', html)
    for words in (
        "Keep it in the client&#x27;s clinical record",
        "to teach practitioners",
        "clinic&#x27;s marketing (website, social media)",
    ):
        assert words in html
    assert "<script>" not in html and "style=" not in html


def test_a_practitioner_adds_a_photo_from_the_record_page_and_returns_to_it(client, session_setup):
    appointment = session_setup()
    log_in(client, appointment.practitioner.user)
    record_url = reverse("aftercare_session_record", args=[appointment.pk])
    response = client.post(
        reverse("photos_session", args=[appointment.pk]), {**_upload_data(appointment), "next": record_url}
    )
    assert response.status_code == 302 and response["Location"] == record_url
    photo = SessionPhoto.objects.get()
    assert sorted(PhotoConsent.objects.values_list("use", flat=True)) == ["clinical", "marketing"]
    page = client.get(record_url).content.decode()
    assert "Photo saved: Face · Front, before needling." in page
    assert reverse("photo_thumb", args=[photo.pk]) in page


def test_with_htmx_the_panel_is_swapped_in_place_and_keeps_area_stage_and_answers(client, session_setup):
    appointment = session_setup()
    log_in(client, appointment.practitioner.user)
    response = client.post(
        reverse("photos_session", args=[appointment.pk]),
        _upload_data(appointment, area="neck", stage="after"),
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith("<section")
    assert "Photo saved: Neck · Front, after needling." in html
    assert '<option value="neck" selected>' in html
    assert re.search(r'name="stage" value="after"[^>]*checked', html)
    assert re.search(r'name="consent_marketing"[^>]*checked', html)
    assert not re.search(r'name="consent_education"[^>]*checked', html)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (lambda: {"photo": upload(b"not an image at all" * 20, "notes.txt", "text/plain")}, "not a photo we can read"),
        (
            lambda: {"photo": upload(bomb_png(30_000, 30_000), "bomb.png", "image/png")},
            "far more pixels than any camera",
        ),
        (lambda: {"consent_clinical": None}, "kept only with the client&#x27;s consent"),
        (lambda: {"photo": None}, "Take a photo or choose one."),
    ],
)
def test_a_refused_photo_says_why_and_nothing_is_kept(client, session_setup, photo_files, overrides, message):
    appointment = session_setup()
    log_in(client, appointment.practitioner.user)
    url = reverse("photos_session", args=[appointment.pk])
    response = client.post(url, _upload_data(appointment, **overrides()))
    assert response.status_code == 400
    html = response.content.decode()
    assert "The photo was not saved." in html and message in html
    assert not SessionPhoto.objects.exists() and photo_files() == []
    htmx = client.post(url, _upload_data(appointment, **overrides()), headers={"HX-Request": "true"})
    assert htmx.status_code == 200 and message in htmx.content.decode()


def test_a_tampered_client_id_is_refused_on_the_page(client, session_setup, photo_files):
    appointment = session_setup()
    other = ClientFactory()
    log_in(client, appointment.practitioner.user)
    response = client.post(
        reverse("photos_session", args=[appointment.pk]), _upload_data(appointment, client=str(other.pk))
    )
    assert response.status_code == 400
    assert "This session is not the client&#x27;s whose page you were on" in response.content.decode()
    assert not SessionPhoto.objects.exists() and photo_files() == []


def test_the_front_desk_and_clients_cannot_open_or_post_to_a_sessions_photos(client, session_setup):
    appointment = session_setup()
    url = reverse("photos_session", args=[appointment.pk])
    for who, status in ((FrontDeskFactory(), 403), (appointment.client, 403)):
        log_in(client, who)
        assert client.get(url).status_code == status
        assert client.post(url, _upload_data(appointment)).status_code == status
    assert not SessionPhoto.objects.exists()


def test_an_upload_and_a_withdrawal_run_a_pinned_number_of_queries(client, session_setup, django_assert_num_queries):
    """Query budgets of the two writes, the same with one photo on the session or six."""
    appointment = session_setup()
    log_in(client, appointment.practitioner.user)
    url = reverse("photos_session", args=[appointment.pk])
    ClinicProfile.get()  # the set-up cache, filled once per process, is not part of the budget
    for n, angle in enumerate(("front", "left", "right", "left_45", "right_45", "front")):
        with django_assert_num_queries(UPLOAD_QUERIES):
            response = client.post(url, _upload_data(appointment, angle=angle), headers={"HX-Request": "true"})
        assert response.content.decode().count('class="ph-card"') == n + 1
    log_in(client, appointment.client)
    for photo in SessionPhoto.objects.all()[:2]:
        with django_assert_num_queries(WITHDRAW_QUERIES):
            client.post(reverse("photo_consent_withdraw", args=[photo.pk]), {"use": "marketing"})
    assert PhotoConsent.objects.filter(use="marketing", withdrawn_at__isnull=False).count() == 2


# --- Serving photos -----------------------------------------------------------------------------


def test_a_photo_is_streamed_privately_to_its_client_and_audited_for_staff(client, session_setup, add_photo):
    appointment = session_setup()
    photo = add_photo(appointment)
    url = reverse("photo_thumb", args=[photo.pk])

    log_in(client, appointment.client)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "no-store, private"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert not AuditEntry.objects.filter(action="photo.view").exists()

    log_in(client, appointment.practitioner.user)
    assert client.get(reverse("photo_full", args=[photo.pk])).status_code == 200
    entry = AuditEntry.objects.get(action="photo.view")
    assert entry.actor == appointment.practitioner.user and entry.subject == appointment.client
    assert entry.details == {"rendition": "full"}


def test_another_client_gets_a_404_and_the_front_desk_a_403(client, session_setup, add_photo):
    photo = add_photo(session_setup())
    log_in(client, ClientFactory())
    assert client.get(reverse("photo_thumb", args=[photo.pk])).status_code == 404
    log_in(client, FrontDeskFactory())
    assert client.get(reverse("photo_thumb", args=[photo.pk])).status_code == 403
    assert client.get(reverse("photo_full", args=[photo.pk])).status_code == 403


# --- The client's photos and consents -----------------------------------------------------------


def test_the_client_sees_every_photo_and_consent_and_withdraws_marketing(client, session_setup, add_photo):
    appointment = session_setup()
    photo = add_photo(appointment, consents=("clinical", "education", "marketing"))
    log_in(client, appointment.client)
    html = client.get(reverse("photos_mine")).content.decode()
    assert reverse("photo_thumb", args=[photo.pk]) in html
    assert html.count("Agreed 5 March 2026") == 3
    assert "Part of your medical record." in html
    assert html.count('name="use" value="') == 2  # education and marketing; never the clinical record

    response = client.post(reverse("photo_consent_withdraw", args=[photo.pk]), {"use": "marketing"}, follow=True)
    page = response.content.decode()
    assert "Withdrawn: this photo is no longer used for marketing." in page
    assert "withdrawn 5 March 2026" in page and "by you" in page
    assert not PhotoConsent.objects.get(photo=photo, use="marketing").in_force


def test_the_client_cannot_withdraw_the_clinical_record_or_another_clients_consent(client, session_setup, add_photo):
    appointment = session_setup()
    photo = add_photo(appointment, consents=("clinical", "marketing"))
    log_in(client, appointment.client)
    page = client.post(reverse("photo_consent_withdraw", args=[photo.pk]), {"use": "clinical"}, follow=True)
    assert "part of your medical record" in page.content.decode()
    log_in(client, ClientFactory())
    assert client.post(reverse("photo_consent_withdraw", args=[photo.pk]), {"use": "marketing"}).status_code == 404
    assert PhotoConsent.objects.filter(withdrawn_at__isnull=True).count() == 2


# --- Compare, course pages, PDF -----------------------------------------------------------------


def test_the_client_compares_session_1_and_the_latest_with_dates_and_days_between(client, photo_course):
    course, sessions = photo_course()
    log_in(client, course.client)
    response = client.get(reverse("photos_course", args=[course.pk]))
    html = response.content.decode()
    assert response["Cache-Control"] == "no-store, private"
    assert "<strong>Session 1</strong> (8 January 2026) and <strong>Session 3</strong> (5 March 2026)" in html
    assert "56 days apart" in html
    assert html.count("<h2>Face · Front</h2>") == 1 and html.count("<h2>Face · 45° left</h2>") == 1
    first_front = SessionPhoto.objects.get(appointment=sessions[0], angle="front")
    last_front = SessionPhoto.objects.get(appointment=sessions[2], angle="front")
    assert html.index(reverse("photo_thumb", args=[first_front.pk])) < html.index(
        reverse("photo_thumb", args=[last_front.pk])
    )
    # Thumbnails, never the full images, on the comparison itself.
    assert 'src="' + reverse("photo_full", args=[first_front.pk]) not in html


def test_any_two_sessions_can_be_compared(client, photo_course):
    course, sessions = photo_course()
    log_in(client, course.client)
    html = client.get(
        reverse("photos_course", args=[course.pk]), {"first": sessions[1].pk, "second": sessions[0].pk}
    ).content.decode()
    assert "<strong>Session 1</strong> (8 January 2026) and <strong>Session 2</strong> (5 February 2026)" in html
    assert "28 days apart" in html
    assert "No face · 45° left photo at session 2" in html
    garbage = client.get(reverse("photos_course", args=[course.pk]), {"first": "x" * 40, "second": "-1", "stage": "?"})
    assert garbage.status_code == 200 and "56 days apart" in garbage.content.decode()


def test_the_comparison_runs_the_same_queries_for_one_photo_or_many(
    client, photo_course, add_photo, django_assert_num_queries
):
    course, sessions = photo_course(photos=False)
    add_photo(sessions[0])
    log_in(client, course.client)
    url = reverse("photos_course", args=[course.pk])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n, appointment in enumerate(sessions):
        for angle in ("front", "left", "right", "left_45", "right_45"):
            add_photo(appointment, angle=angle, seed=n)
            add_photo(appointment, angle=angle, stage="after", seed=n)
    with django_assert_num_queries(len(one.captured_queries)):
        html = client.get(url).content.decode()
    assert html.count("<h2>Face · ") == 5


def test_the_front_desk_never_sees_the_comparison_and_staff_views_are_audited(client, photo_course):
    course, _ = photo_course()
    log_in(client, FrontDeskFactory())
    assert client.get(reverse("photos_course", args=[course.pk])).status_code == 403
    log_in(client, ClientFactory())
    assert client.get(reverse("photos_course", args=[course.pk])).status_code == 404
    manager = ManagerFactory()
    log_in(client, manager)
    assert client.get(reverse("photos_course", args=[course.pk])).status_code == 200
    entry = AuditEntry.objects.get(action="photo_compare.view")
    assert entry.actor == manager and entry.subject == course.client and len(entry.details["photos"]) == 4


def test_my_course_shows_the_before_and_after_panel_and_the_desk_page_only_to_practitioners(client, photo_course):
    course, sessions = photo_course()
    log_in(client, course.client)
    html = client.get(reverse("my_course")).content.decode()
    assert "Before and after" in html and reverse("photos_course", args=[course.pk]) in html
    assert "8 January 2026" in html and "day 56" in html

    desk_url = reverse("desk_client", args=[course.client_id])
    log_in(client, FrontDeskFactory())
    desk_html = client.get(desk_url).content.decode()
    assert "/aftercare/photos/" not in desk_html and "Before and after" not in desk_html
    log_in(client, sessions[0].practitioner.user)
    staff_html = client.get(desk_url).content.decode()
    assert "Before and after · Micro-needling: face" in staff_html
    assert reverse("photos_course", args=[course.pk]) in staff_html


def test_the_course_review_pdf_has_the_sessions_and_the_photos_side_by_side(client, photo_course, tmp_path):
    course, _ = photo_course()
    log_in(client, course.client)
    response = client.get(reverse("photos_course_review_pdf", args=[course.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store, private"
    pdf = tmp_path / "review.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    text = " ".join(text.split())
    assert "Course review" in text and "56 days apart" in text and "Face · 45° left" in text
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert len(images.strip().splitlines()) - 2 == 4  # two pairs, two photos each
    assert b"/URI" not in response.content  # no link to anywhere, no photo address


# --- The gallery ------------------------------------------------------------------------------


def test_the_gallery_shows_marketing_photos_cropped_without_names_and_loses_a_withdrawn_one(
    client, session_setup, add_photo
):
    appointment = session_setup()
    shown = add_photo(appointment, consents=("clinical", "marketing"))
    not_shown = add_photo(appointment, angle="left", consents=("clinical", "education"))
    manager = ManagerFactory()
    log_in(client, manager)
    html = client.get(reverse("photos_gallery")).content.decode()
    assert reverse("photo_crop", args=[shown.pk]) in html
    assert reverse("photo_crop", args=[not_shown.pk]) not in html
    client_name = appointment.client.get_full_name()
    assert client_name not in html and appointment.client.email not in html
    crop = client.get(reverse("photo_crop", args=[shown.pk]), {"use": "marketing", "download": "1"})
    assert crop.status_code == 200 and crop["Content-Disposition"].startswith('attachment; filename="face-front-')
    assert client_name.split()[0].lower() not in crop["Content-Disposition"].lower()

    log_in(client, appointment.client)
    client.post(reverse("photo_consent_withdraw", args=[shown.pk]), {"use": "marketing"})

    log_in(client, manager)
    assert reverse("photo_crop", args=[shown.pk]) not in client.get(reverse("photos_gallery")).content.decode()
    assert client.get(reverse("photo_crop", args=[shown.pk]), {"use": "marketing"}).status_code == 404
    education = client.get(reverse("photos_gallery"), {"use": "education"}).content.decode()
    assert reverse("photo_crop", args=[not_shown.pk]) in education


def test_the_gallery_is_for_managers_only(client, session_setup, add_photo):
    photo = add_photo(session_setup(), consents=("clinical", "marketing"))
    for who in (photo.taken_by, FrontDeskFactory(), photo.client):
        log_in(client, who)
        assert client.get(reverse("photos_gallery")).status_code == 403
        assert client.get(reverse("photo_crop", args=[photo.pk]), {"use": "marketing"}).status_code == 403


def test_the_course_pages_and_my_photos_run_the_same_queries_for_one_photo_or_many(
    client, photo_course, add_photo, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    course, sessions = photo_course(photos=False)
    add_photo(sessions[0])
    add_photo(sessions[2], stage="after")
    practitioner = sessions[0].practitioner.user
    pages = [
        (course.client, reverse("my_course"), "11 photos · 3 sessions"),
        (course.client, reverse("photos_mine"), "Face · Right"),
        (practitioner, reverse("desk_client", args=[course.client_id]), "11 photos · 3 sessions"),
        (practitioner, reverse("photos_session", args=[sessions[2].pk]), "Face · Right"),
    ]
    counts = []
    for who, url, _ in pages:
        log_in(client, who)
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        counts.append(len(captured.captured_queries))
    for appointment in sessions:
        for angle in ("front", "left", "right"):
            add_photo(appointment, angle=angle, consents=("clinical", "education", "marketing"))
    for (who, url, words), count in zip(pages, counts, strict=True):
        log_in(client, who)
        with django_assert_num_queries(count):
            html = client.get(url).content.decode()
        assert words in html


def test_the_original_upload_leaves_no_temporary_file_and_is_not_stored(
    client, session_setup, photo_files, settings, tmp_path
):
    """Django writes an upload over FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file; it is gone
    once the request is answered, and what is stored is three new JPEGs, none of them the upload."""
    from django.core.files.storage import storages

    uploads = tmp_path / "uploads"
    uploads.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(uploads)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # every upload goes through a temporary file
    appointment = session_setup()
    original = phone_jpeg((1600, 1200))
    log_in(client, appointment.practitioner.user)
    response = client.post(reverse("photos_session", args=[appointment.pk]), _upload_data(appointment, original))
    assert response.status_code == 302
    assert list(uploads.iterdir()) == []
    stored = [storages["photos"].open(name, "rb").read() for name in photo_files()]
    assert len(stored) == 3 and original not in stored
    assert all(b"GPS" not in content and b"Exif" not in content for content in stored)


def test_a_practitioner_records_a_later_consent_and_removes_a_retaken_photo(client, session_setup, add_photo):
    appointment = session_setup()
    photo = add_photo(appointment)
    retake = add_photo(appointment, angle="left")
    record_url = reverse("aftercare_session_record", args=[appointment.pk])
    for who in (FrontDeskFactory(), appointment.client):
        log_in(client, who)
        give = client.post(reverse("photo_consent_give", args=[photo.pk]), {"use": "education"})
        remove = client.post(reverse("photo_remove", args=[retake.pk]))
        assert give.status_code == 403 and remove.status_code in (403, 404)
    assert not PhotoConsent.objects.filter(photo=photo, use="education").exists()

    log_in(client, appointment.practitioner.user)
    response = client.post(
        reverse("photo_consent_give", args=[photo.pk]), {"use": "education", "next": record_url}, follow=True
    )
    assert response.redirect_chain[-1][0] == record_url
    assert "Consent recorded: anonymised education." in response.content.decode()
    consent = PhotoConsent.objects.get(photo=photo, use="education")
    assert consent.given_by == appointment.practitioner.user and consent.in_force

    page = client.post(reverse("photo_remove", args=[retake.pk]), {"next": "https://evil.example/"}, follow=True)
    assert page.redirect_chain[-1][0] == reverse("photos_session", args=[appointment.pk])
    assert "Photo removed." in page.content.decode()
    assert list(SessionPhoto.objects.all()) == [photo]
