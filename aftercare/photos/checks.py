"""System checks of the photos: run by ``manage.py check``, at start-up and before the tests."""

from django.conf import settings
from django.core import checks


def photos_panel_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """The course pages' photos panel is registered, and the photos storage is configured and
    serves no URL (a storage with a public base URL would put faces on the open web)."""
    from bookings.course_panels import course_panel_registered

    found = []
    if not course_panel_registered("aftercare.photos"):
        found.append(
            checks.Error(
                "The photos panel of bookings' course pages is not registered.",
                hint="AftercareConfig.ready() registers it with bookings.course_panels.course_panel_register().",
                id="aftercare.E001",
            )
        )
    storage = settings.STORAGES.get("photos")
    if storage is None:
        found.append(
            checks.Error(
                'STORAGES has no "photos" storage.',
                hint="clinic/settings/base.py defines it; see README, Photos.",
                id="aftercare.E002",
            )
        )
    elif (storage.get("OPTIONS") or {}).get("base_url"):
        found.append(
            checks.Error(
                'The "photos" storage has a base_url: photos must never be served from a URL of the storage.',
                hint="Set base_url to None; the app serves each photo through its access check.",
                id="aftercare.E003",
            )
        )
    return found
