"""In a real browser: the practitioner uploads a phone photo with GPS in its EXIF and records the
client's consents, compares the course, the client withdraws marketing, and the manager's
gallery no longer shows the photo. Screenshots of every new page at 390 and 1366 px."""

import io
import re
import time
from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.files.storage import storages
from django.utils import timezone
from PIL import ExifTags, Image

from aftercare.models import PhotoConsent, SessionPhoto
from aftercare.tests.photo_files import SERIAL, phone_jpeg
from bookings.models import Appointment
from bookings.tests.factories import AppointmentFactory
from clinic.tests.factories import PASSWORD, ManagerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def _log_in(page, user, *, totp_secret=None):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    if totp_secret:
        left = 30 - time.time() % 30
        if left < 4:  # a code from the end of its step may arrive in the next one
            time.sleep(left + 0.2)
        page.get_by_label("Code").fill(format_hotp_value(hotp_value(totp_secret, int(time.time()) // 30)))
        page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/home/"))


def _context(browser, live_server, viewport):
    phone = viewport["width"] < 500
    return browser.new_context(
        base_url=live_server.url, viewport=viewport, is_mobile=phone, has_touch=phone, device_scale_factor=1
    )


def _images_loaded(page) -> bool:
    return page.evaluate(
        "Array.from(document.querySelectorAll('main img')).every(i => i.complete && i.naturalWidth > 0)"
    )


def _shoot(page, screenshot, name):
    # A full-page screenshot shows images below the fold too: load the lazy ones first.
    page.evaluate("document.querySelectorAll('img[loading=lazy]').forEach(i => { i.loading = 'eager'; })")
    page.wait_for_load_state("networkidle")
    # A function, not an expression: Playwright evals an expression again at each poll, in the page,
    # where the site's CSP (no 'unsafe-eval') refuses it once the first check has said "not yet".
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('main img')).every(i => i.complete)", timeout=10_000
    )
    assert _images_loaded(page), name
    assert page.evaluate(NO_OVERFLOW), f"{name} scrolls sideways"
    screenshot(page, name)


@pytest.fixture
def course_in_treatment(session_setup, add_photo):
    """Session 3 of a face course in treatment now; session 1, 56 days ago, has a before photo
    from the front (the client agreed to every use)."""
    now = (timezone.now() - timedelta(minutes=50)).replace(second=0, microsecond=0)
    third = session_setup(areas=("face",), starts_at=now)
    first = AppointmentFactory(
        client=third.client,
        treatment=third.treatment,
        practitioner=third.practitioner,
        course=third.course,
        areas=["face"],
        starts_at=now - timedelta(days=56),
        status=Appointment.Status.COMPLETED,
    )
    AppointmentFactory(
        client=third.client,
        treatment=third.treatment,
        practitioner=third.practitioner,
        course=third.course,
        areas=["face"],
        starts_at=now - timedelta(days=28),
        status=Appointment.Status.COMPLETED,
    )
    add_photo(first, consents=("clinical", "education", "marketing"), seed=3)
    add_photo(first, angle="left_45", consents=("clinical", "marketing"), seed=4)
    return third


def test_photo_with_gps_consents_compare_withdrawal_and_gallery(
    browser, live_server, screenshot, course_in_treatment, tmp_path
):
    appointment = course_in_treatment
    practitioner = appointment.practitioner.user
    photo_file = tmp_path / "IMG_2041.JPG"
    photo_file.write_bytes(phone_jpeg((1600, 1200), orientation=6, seed=9))
    assert Image.open(photo_file).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the phone's position is in it

    # The practitioner, on the session record page: a photo from a file, the client's answers.
    desk_context = _context(browser, live_server, DESKTOP)
    page = desk_context.new_page()
    page.set_default_timeout(15_000)
    _log_in(page, practitioner, totp_secret=practitioner.totp_secret)
    page.goto(f"/aftercare/appointments/{appointment.pk}/record/")
    page.get_by_label("Device").fill("Dermapen 4")  # typed before the upload: must survive it
    panel = page.locator("#session-photos")
    panel.get_by_label("Angle").select_option("front")
    panel.get_by_label("Before needling").check()
    panel.get_by_label("Keep it in the client's clinical record").check()
    panel.get_by_label("Use it in the clinic's marketing (website, social media)").check()
    panel.get_by_label("Choose a photo").set_input_files(str(photo_file))
    assert "IMG_2041.JPG" in panel.locator(".ph-file-chosen").inner_text()
    panel.get_by_role("button", name="Save the photo").click()
    page.get_by_text("Photo saved: Face · Front, before needling.").wait_for()
    assert page.get_by_label("Device").input_value() == "Dermapen 4"

    photo = SessionPhoto.objects.get(appointment=appointment)
    assert sorted(PhotoConsent.objects.filter(photo=photo).values_list("use", flat=True)) == [
        "clinical",
        "marketing",
    ]
    stored = storages["photos"].open(photo.image_name, "rb").read()
    kept = Image.open(io.BytesIO(stored))
    assert kept.size == (1200, 1600)  # upright
    assert dict(kept.getexif()) == {} and b"GPS" not in stored and SERIAL.encode() not in stored
    _shoot(page, screenshot, "photos-record-1366")

    # A bad file is refused on the page, and the form says so.
    bad = tmp_path / "notes.jpg"
    bad.write_bytes(b"these are my notes, not a photo" * 50)
    panel.get_by_label("Choose a photo").set_input_files(str(bad))
    panel.get_by_role("button", name="Save the photo").click()
    page.get_by_text("This file is not a photo we can read").wait_for()
    assert SessionPhoto.objects.filter(appointment=appointment).count() == 1
    screenshot(page, "photos-record-refused-1366")

    # The comparison: session 1 and session 3, 56 days apart.
    page.get_by_role("link", name="Compare the course").click()
    page.get_by_text("56 days apart").wait_for()
    assert "Session 1" in page.locator(".ph-compare-summary").inner_text()
    assert page.locator(".ph-pair").count() == 2
    _shoot(page, screenshot, "photos-compare-1366")

    # The manager's gallery shows the new photo (marketing was agreed).
    manager = ManagerFactory()
    manager_context = _context(browser, live_server, DESKTOP)
    gallery = manager_context.new_page()
    _log_in(gallery, manager, totp_secret=manager.totp_secret)
    gallery.goto("/aftercare/photos/gallery/")
    new_crop = gallery.locator(f"img[src^='/aftercare/photos/{photo.pk}/crop.jpg']")
    new_crop.wait_for()
    _shoot(gallery, screenshot, "photos-gallery-1366")

    # The client, on a phone: sees the photo and its consents, withdraws marketing.
    phone_context = _context(browser, live_server, PHONE)
    phone = phone_context.new_page()
    _log_in(phone, appointment.client)
    phone.goto("/bookings/course/")
    phone.get_by_role("link", name="Compare the photos").wait_for()
    _shoot(phone, screenshot, "photos-my-course-390")
    phone.get_by_role("link", name="Compare the photos").click()
    phone.get_by_text("56 days apart").wait_for()
    _shoot(phone, screenshot, "photos-compare-390")
    phone.goto("/aftercare/photos/")
    _shoot(phone, screenshot, "photos-mine-390")
    card = phone.locator(".ph-card").filter(has=phone.locator(f"img[src='/aftercare/photos/{photo.pk}/thumb.jpg']"))
    card.get_by_role("button", name=re.compile(r"^Withdraw marketing")).click()
    phone.get_by_text("Withdrawn: this photo is no longer used for marketing.").wait_for()
    assert not PhotoConsent.objects.get(photo=photo, use="marketing").in_force

    # At once: the gallery no longer shows it, and its address answers 404.
    gallery.reload()
    gallery.get_by_role("heading", name="Marketing (website, social media)").wait_for()
    assert gallery.locator(f"img[src^='/aftercare/photos/{photo.pk}/crop.jpg']").count() == 0
    assert gallery.request.get(f"/aftercare/photos/{photo.pk}/crop.jpg?use=marketing").status == 404
    assert gallery.locator("img[src*='crop.jpg']").count() == 2  # session 1's photos are still there

    for context in (desk_context, manager_context, phone_context):
        context.close()


def test_the_new_pages_at_both_widths(browser, live_server, screenshot, course_in_treatment, add_photo):
    """Every new page at 390 px (a phone) and 1366 px (a laptop): no sideways scrolling, every
    image loads."""
    appointment = course_in_treatment
    add_photo(appointment, consents=("clinical", "marketing"), seed=5)
    add_photo(appointment, angle="left_45", consents=("clinical", "education", "marketing"), seed=6)
    practitioner = appointment.practitioner.user
    manager = ManagerFactory()
    staff_pages = {
        "record": f"/aftercare/appointments/{appointment.pk}/record/",
        "session": f"/aftercare/appointments/{appointment.pk}/photos/",
        "compare-staff": f"/aftercare/courses/{appointment.course_id}/photos/",
        "desk-client": f"/desk/clients/{appointment.client_id}/",
    }
    client_pages = {"mine": "/aftercare/photos/", "course": "/bookings/course/"}
    manager_pages = {
        "gallery": "/aftercare/photos/gallery/",
        "gallery-education": "/aftercare/photos/gallery/?use=education",
    }
    for user, pages, secret in (
        (practitioner, staff_pages, practitioner.totp_secret),
        (manager, manager_pages, manager.totp_secret),
        (appointment.client, client_pages, None),
    ):
        # One log-in per person (a TOTP code is good once); the phone reuses its session.
        state = None
        for viewport in (DESKTOP, PHONE):
            context = browser.new_context(
                base_url=live_server.url,
                viewport=viewport,
                is_mobile=viewport is PHONE,
                has_touch=viewport is PHONE,
                storage_state=state,
            )
            page = context.new_page()
            page.set_default_timeout(15_000)
            if state is None:
                _log_in(page, user, totp_secret=secret)
                state = context.storage_state()
            for name, url in pages.items():
                page.goto(url)
                _shoot(page, screenshot, f"photos-{name}-{viewport['width']}")
            context.close()
