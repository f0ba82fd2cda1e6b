"""Start-up checks of the bookings settings."""

from django.conf import settings
from django.core import checks

from .models import SPACING_FLOOR_DAYS_IN_DATABASE


@checks.register()
def spacing_floor_setting(app_configs=None, **kwargs):
    floor = getattr(settings, "TREATMENT_SPACING_MIN_FLOOR_DAYS", SPACING_FLOOR_DAYS_IN_DATABASE)
    if not isinstance(floor, int) or floor < SPACING_FLOOR_DAYS_IN_DATABASE:
        return [
            checks.Error(
                f"TREATMENT_SPACING_MIN_FLOOR_DAYS is {floor!r}: it cannot be below "
                f"{SPACING_FLOOR_DAYS_IN_DATABASE} days, the floor the database holds for micro-needling-type "
                "treatments.",
                hint="Leave it unset (28) or raise it.",
                id="bookings.E001",
            )
        ]
    return []
