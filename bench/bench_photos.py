"""Before-and-after photos: uploading and processing one 12-megapixel phone photo (a 4032 × 3024
JPEG of about 3 MB, with GPS, orientation and an ICC profile in it), end to end through the
session photos page (multipart parsing, Pillow, the three files stored, the rows and the audit
entry): p50 and p95 of 30 uploads, target p95 < 1.5 s; Pillow's part alone; and the comparison
page with 40 photos in the course: time and queries (thumbnails only).

Wall-clock times depend on what else runs on the machine; the CPU-time row is this process's
own cost. Run alone: ``DATABASE_URL=postgres:///clinic_bench_p .venv/bin/python -m bench photos``.
"""

import io
import statistics
import time
from datetime import timedelta

from clinic.tests.factories import log_in

UPLOADS = 30
WARM_UP = 3
TARGET_P95_MS = 1500
SIZE = (4032, 3024)


def _percentile(values, q) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def phone_photo() -> bytes:
    """A 12-megapixel JPEG as a phone writes it: detail everywhere (sensor noise over soft
    shapes, so it is as heavy to decode as a real photo), EXIF with GPS and a serial, the
    orientation tag, an ICC profile."""
    from PIL import Image, ImageCms, ImageDraw, ImageFilter

    from aftercare.tests.photo_files import phone_exif

    width, height = SIZE
    base = Image.new("RGB", SIZE, (222, 176, 156))
    draw = ImageDraw.Draw(base)
    for n in range(40):
        x, y, r = (n * 389) % width, (n * 233) % height, 60 + (n * 37) % 140
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(200 - n % 30, 140, 122))
    base = base.filter(ImageFilter.GaussianBlur(24))
    noise = Image.merge("RGB", [Image.effect_noise(SIZE, 18 + 4 * k) for k in range(3)])
    photo = Image.blend(base, noise, 0.3)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=92, exif=phone_exif(orientation=6), icc_profile=icc)
    return out.getvalue()


def _session():
    from bookings.models import Appointment
    from bookings.tests.factories import AppointmentFactory, PractitionerFactory, TreatmentFactory

    treatment = TreatmentFactory()
    practitioner = PractitionerFactory(treatments=[treatment])
    from django.utils import timezone

    starts = (timezone.now() + timedelta(days=400)).replace(hour=10, minute=0, second=0, microsecond=0)
    first = AppointmentFactory(
        treatment=treatment, practitioner=practitioner, areas=["face"], starts_at=starts, status="completed"
    )
    last = AppointmentFactory(
        client=first.client,
        treatment=treatment,
        practitioner=practitioner,
        course=first.course,
        areas=["face"],
        starts_at=starts + timedelta(days=56),
        status=Appointment.Status.IN_TREATMENT,
    )
    return first, last


def _upload_times(http, url, client_id, content) -> tuple[list[float], list[float], int]:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    angles = ["front", "left", "right", "left_45", "right_45"]
    wall, cpu, queries = [], [], 0
    for n in range(WARM_UP + UPLOADS):
        data = {
            "client": str(client_id),
            "area": "face",
            "angle": angles[n % len(angles)],
            "stage": "before" if n % 2 else "after",
            "consent_clinical": "on",
            "consent_marketing": "on",
            "photo": SimpleUploadedFile("IMG_4031.JPG", content, content_type="image/jpeg"),
        }
        with CaptureQueriesContext(connection) as captured:
            started, started_cpu = time.perf_counter(), time.process_time()
            response = http.post(url, data, headers={"HX-Request": "true"})
            elapsed, elapsed_cpu = time.perf_counter() - started, time.process_time() - started_cpu
        if response.status_code != 200 or b"Photo saved" not in response.content:
            raise RuntimeError(f"upload {n} answered {response.status_code}")
        if n >= WARM_UP:
            wall.append(elapsed * 1000)
            cpu.append(elapsed_cpu * 1000)
            queries = len(captured.captured_queries)
    return wall, cpu, queries


def _pillow_times(content) -> list[float]:
    from aftercare.photos.processing import process_photo

    found = []
    for _ in range(10):
        started = time.perf_counter()
        process_photo(io.BytesIO(content), size=len(content), area="face", max_bytes=20_000_000, max_pixels=40_000_000)
        found.append((time.perf_counter() - started) * 1000)
    return found


def _compare(http, course_id) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    url = reverse("photos_course", args=[course_id])
    http.get(url)
    timings = []
    for _ in range(5):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = http.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200 or b'/full.jpg" width' in response.content:
            raise RuntimeError("the comparison failed or loads full images")
    return statistics.median(timings), len(captured.captured_queries)


def _clean_up() -> None:
    """Remove the photos and their files: the benches share one database, and bench_screens
    clears the schedule (photos protect their appointments)."""
    from django.core.files.storage import storages

    from aftercare.models import SessionPhoto

    storage = storages["photos"]
    for photo in SessionPhoto.objects.all():
        for name in (photo.image_name, photo.thumb_name, photo.crop_name):
            storage.delete(name)
        photo.delete()


def run() -> list[dict]:
    from django.test import Client
    from django.urls import reverse

    from aftercare.photos.services import photo_add
    from aftercare.tests.photo_files import phone_jpeg, upload
    from clinic.models import ClinicProfile

    ClinicProfile.get()
    content = phone_photo()
    first, last = _session()
    http = Client()
    log_in(http, last.practitioner.user)
    try:
        wall, cpu, queries = _upload_times(http, reverse("photos_session", args=[last.pk]), last.client_id, content)
        pillow = _pillow_times(content)
        for n in range(7):  # 40 photos in the course: 33 uploaded above, 7 at session 1
            photo_add(
                appointment=first,
                area="face",
                angle="front",
                stage="before",
                upload=upload(phone_jpeg((1200, 900), seed=n)),
                taken_by=first.practitioner.user,
                consents=("clinical",),
            )
        compare_ms, compare_queries = _compare(http, first.course_id)
    finally:
        _clean_up()
    p95 = _percentile(wall, 95)
    return [
        {"name": "12 MP phone photo: file size", "value": round(len(content) / 1_000_000, 1), "unit": "MB"},
        {"name": "upload + processing p50", "value": round(statistics.median(wall), 1), "unit": "ms"},
        {
            "name": "upload + processing p95",
            "value": round(p95, 1),
            "unit": "ms",
            "target": f"< {TARGET_P95_MS}",
            "ok": p95 < TARGET_P95_MS,
        },
        {"name": "upload + processing CPU time p50", "value": round(statistics.median(cpu), 1), "unit": "ms"},
        {"name": "Pillow alone p50", "value": round(statistics.median(pillow), 1), "unit": "ms"},
        {"name": "SQL queries per upload", "value": queries, "unit": "queries"},
        {"name": "compare page, 40 photos: p50", "value": round(compare_ms, 1), "unit": "ms"},
        {"name": "compare page, 40 photos: queries", "value": compare_queries, "unit": "queries"},
    ]
