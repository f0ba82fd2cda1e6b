"""The system checks of the photos: run at start-up, by `manage.py check` and before the tests."""

from django.core.management import call_command
from django.core.management.base import SystemCheckError

from aftercare.photos.checks import photos_panel_check
from bookings import course_panels


def test_the_photos_panel_is_registered_and_the_storage_serves_no_url():
    assert photos_panel_check() == []
    call_command("check")


def test_a_missing_panel_registration_fails_at_start_up(monkeypatch):
    monkeypatch.delitem(course_panels._builders, "aftercare.photos")
    assert [m.id for m in photos_panel_check()] == ["aftercare.E001"]


def test_a_photos_storage_with_a_public_url_is_refused(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "photos": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": "/tmp/photos", "base_url": "/media/photos/"},
        },
    }
    assert [m.id for m in photos_panel_check()] == ["aftercare.E003"]
    try:
        call_command("check")
    except SystemCheckError as exc:
        assert "aftercare.E003" in str(exc)
    else:
        raise AssertionError("manage.py check passed a public photos storage")
