"""Demo before-and-after photos (called by ``aftercare.demo.seed``; idempotent).

One cleared client gets a finished course on an area they are cleared for and not yet treated
in (written as history by ``bookings.demo.past_course``), with photos at sessions 1 and 3
taken through the real pipeline (``processing.process_photo``) and dated at the sessions. The
pictures are synthetic and deterministic: a skin-toned gradient with soft shapes, the marks
fading by session 3, small on disk.
"""

import io
import random

from django.db import transaction
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from clinic import roles

from .models import SessionPhoto
from .processing import process_photo
from .services import _photo_create

# Before photos from three angles at sessions 1 and 3, an after photo at session 1; what the
# client agreed to at each.
SHOTS = {
    0: [("front", "before"), ("left_45", "before"), ("right_45", "before"), ("front", "after")],
    2: [("front", "before"), ("left_45", "before"), ("right_45", "before")],
}
CONSENTS = {0: ("clinical", "education", "marketing"), 2: ("clinical", "marketing")}
DAYS_AGO = (59, 31, 3)  # 28 days apart, inside the demo clearances (from 60 days ago)
SIZE = (960, 720)


def demo_picture(*, seed: int, marks: int, redness: int = 0, size=SIZE) -> bytes:
    """A soft, skin-toned picture: light from the top left, a shadow where the neck meets the
    chest, ``marks`` faint blemishes, a flush of ``redness`` (after needling). A JPEG."""
    width, height = size
    rng = random.Random(seed)  # noqa: S311 - pictures, not secrets
    down = Image.linear_gradient("L").resize(size)
    across = Image.linear_gradient("L").rotate(90).resize(size)
    light = ImageChops.invert(ImageChops.add(down, across, scale=2))  # brightest at the top left
    skin = Image.merge(
        "RGB",
        [
            light.point(lambda v: 196 + v * 40 // 255 + redness),
            light.point(lambda v: 150 + v * 38 // 255 - redness // 2),
            light.point(lambda v: 128 + v * 34 // 255 - redness // 2),
        ],
    )
    shapes = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(shapes)
    draw.ellipse((width * 0.28, -height * 0.35, width * 0.72, height * 0.32), fill=(150, 100, 86, 90))
    draw.ellipse((-width * 0.2, height * 0.55, width * 0.55, height * 1.3), fill=(235, 196, 176, 70))
    draw.ellipse((width * 0.45, height * 0.55, width * 1.2, height * 1.3), fill=(235, 196, 176, 70))
    for _ in range(marks):
        x, y, r = rng.randint(0, width), rng.randint(height // 4, height), rng.randint(6, 18)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(168, 104, 92, 120))
    shapes = shapes.filter(ImageFilter.GaussianBlur(radius=9))
    skin.paste(shapes, mask=shapes)
    out = io.BytesIO()
    skin.save(out, "JPEG", quality=88)
    return out.getvalue()


def _candidates(treatment):
    """Cleared clients, each with an area of their clearance that none of their sessions treats
    (a course there runs beside the one the bookings demo made), first by id."""
    from bookings.models import Appointment
    from consultations.models import Clearance

    clearances = Clearance.objects.filter(revoked_at__isnull=True, treatment_slug=treatment.slug).order_by(
        "client_id", "pk"
    )
    for clearance in clearances.select_related("client"):
        used = set()
        for areas in Appointment.objects.filter(client=clearance.client).values_list("areas", flat=True):
            used.update(areas)
        free = [area for area in clearance.areas if area not in used]
        if free:
            yield clearance.client, free[0]


def _course(treatment):
    """Three past sessions 28 days apart for the first candidate that has room for them."""
    from bookings.demo import past_course

    desk = _staff(roles.Role.FRONT_DESK).first()
    for client, area in _candidates(treatment):
        try:
            with transaction.atomic():
                sessions = past_course(
                    client=client, treatment=treatment, areas=[area], days_ago=DAYS_AGO, minute_of_day=11 * 60, by=desk
                )
                if len(sessions) == len(DAYS_AGO) and len({s.course_id for s in sessions}) == 1:
                    return sessions, area
                raise _NoRoom
        except _NoRoom:
            continue
    return None, None


class _NoRoom(Exception):
    """The clinic had no time for this candidate's course: its sessions are rolled back."""


def _photos(sessions, area) -> int:
    made = 0
    for number, shots in SHOTS.items():
        appointment = sessions[number]
        for n, (angle, stage) in enumerate(shots):
            picture = demo_picture(
                seed=n * 7 + number, marks=18 if number == 0 else 6, redness=24 if stage == "after" else 0
            )
            processed = process_photo(
                io.BytesIO(picture), size=len(picture), area=area, max_bytes=20_000_000, max_pixels=40_000_000
            )
            _photo_create(
                appointment=appointment,
                area=area,
                angle=angle,
                stage=stage,
                processed=processed,
                taken_by=appointment.practitioner.user,
                uses=list(CONSENTS[number]),
                taken_at=appointment.needling_ends_at if stage == "after" else appointment.needling_starts_at,
            )
            made += 1
    return made


def seed() -> int:
    """Make the demo course with its photos, once. Returns the number of photos made."""
    from bookings.models import Treatment

    if SessionPhoto.objects.exists():
        return 0
    treatment = Treatment.objects.filter(slug="microneedling").first()
    if treatment is None:
        return 0
    with transaction.atomic():
        sessions, area = _course(treatment)
        if sessions is None:
            return 0
        return _photos(sessions, area)


def _staff(role):
    from clinic.models import User

    return User.objects.filter(groups__name=role).order_by("pk")
