"""Demo aftercare for `make run` (idempotent).

- The default micro-needling protocol (the data migration installs it; installed again here in
  case a manager deleted it in a demo database).
- Past sessions that the bookings demo wrote as completed get the record a practitioner would
  have written, and their aftercare plan (no messages: they are history, not news). One day-3
  check-in says "worried", so the practitioners' queue has something in it.
- Sessions in treatment are left alone: completing one from the practitioner's day is the demo.
- A finished course with before-and-after photos at sessions 1 and 3 (``aftercare.photos.demo``).
"""

from decimal import Decimal

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from clinic.models import ClinicProfile

from .default_protocol import default_protocol_install
from .models import AreaDepth, CheckIn, SessionRecord
from .photos import demo as photos_demo
from .services import _plan_create, check_in_answer

DEMO_DEPTHS = {
    "face": Decimal("1.00"),
    "neck": Decimal("0.50"),
    "decolletage": Decimal("0.50"),
    "abdomen": Decimal("1.50"),
    "thighs": Decimal("1.50"),
    "arms": Decimal("1.00"),
    "hands": Decimal("0.50"),
    "back": Decimal("1.50"),
}
FITZPATRICK = ["fitzpatrick_2", "fitzpatrick_3", "fitzpatrick_4", "fitzpatrick_1", "fitzpatrick_5"]
SKIN = ["combination", "normal", "oily", "dry", "sensitive"]


def seed(people, stdout=None) -> None:
    created = default_protocol_install(get_model=lambda name: apps.get_model("aftercare", name))
    try:
        from bookings.models import Appointment
    except ImportError:  # bookings not installed yet
        return
    tz = ClinicProfile.get().tz
    # Before the records: the photo demo writes a finished course whose sessions get theirs below.
    photos = photos_demo.seed()
    history = (
        Appointment.objects.filter(status=Appointment.Status.COMPLETED, session_record__isnull=True)
        .select_related("client", "treatment", "course", "practitioner__user")
        .order_by("starts_at", "pk")
    )
    backfilled = 0
    for n, appointment in enumerate(history):
        with transaction.atomic():
            depths = {area: DEMO_DEPTHS.get(area, Decimal("0.50")) for area in appointment.areas}
            record = SessionRecord.objects.create(
                appointment=appointment,
                recorded_by=appointment.practitioner.user,
                device="Dermapen 4",
                cartridge_lot=f"DP4-{appointment.starts_at:%Y%m}-{100 + n}",
                passes=3,
                products_applied="LMX4 numbing cream; hyaluronic glide",
                serum="Hyaluronic acid recovery serum",
                fitzpatrick=FITZPATRICK[n % len(FITZPATRICK)],
                skin_type=SKIN[n % len(SKIN)],
                reaction=SessionRecord.Reaction.EXPECTED_REDNESS,
                client_note="Lovely session. Remember your SPF every morning, even when it is cloudy.",
                recorded_at=appointment.needling_ends_at,
            )
            AreaDepth.objects.bulk_create(
                AreaDepth(record=record, area=area, needle_depth_mm=mm) for area, mm in depths.items()
            )
            plan = _plan_create(record=record, appointment=appointment, depths=depths, tz=tz, plan_messages=False)
            if plan is not None:
                now = timezone.now()
                for check_in in plan.check_ins.filter(due_at__lte=now):
                    worried = n == 0 and check_in.day == 3
                    check_in_answer(
                        check_in=check_in,
                        client=appointment.client,
                        answer=CheckIn.Answer.WORRIED if worried else CheckIn.Answer.FINE,
                        comment="Still quite red on my chin and a few small spots; is that normal?" if worried else "",
                    )
            backfilled += 1
    if stdout is not None:
        stdout.write(
            f"Aftercare: protocol {'installed' if created else 'in place'}; "
            f"{backfilled} past session{'s' if backfilled != 1 else ''} given a record and a plan; "
            f"{photos} before-and-after photos made."
        )
