"""The registry of message kinds: every app registers its own, and a kind without its content
fails the start-up checks instead of failing when its first message is sent."""

import pytest

from clinic import message_kinds
from clinic.message_kinds import (
    message_content_register,
    message_kind,
    message_kind_label,
    message_kind_register,
    message_kinds_complete,
)
from clinic.models import OutboundMessage


@pytest.fixture
def registry(monkeypatch):
    """A copy of the registry that a test may change without touching the real one."""
    monkeypatch.setattr(message_kinds, "_kinds", dict(message_kinds._kinds))
    monkeypatch.setattr(message_kinds, "_orphan_builders", {})
    return message_kinds


def test_every_app_registers_its_kinds_and_the_start_up_check_passes():
    codes = {kind.code for kind in message_kinds.message_kinds()}
    assert {"booking_confirmation", "reminder", "aftercare", "waitlist_offer"} <= codes  # bookings
    assert {"intake_decision", "clearance_expiring", "health_change_alert"} <= codes  # consultations
    assert {"aftercare_checkin", "course_review"} <= codes  # aftercare
    assert message_kinds_complete() == []


def test_the_aftercare_message_gets_content_from_bookings_and_from_aftercare():
    builders = {f"{b.__module__}.{b.__name__}" for b in message_kind("aftercare").builders}
    assert builders == {
        "bookings.message_content.appointment_message_content",
        "aftercare.message_content.aftercare_message_content",
    }


def test_a_kind_without_a_builder_fails_the_start_up_check(registry):
    message_kind_register("reminder", "Reminder")  # as if its builder had been forgotten
    registry._kinds["reminder"].builders.clear()
    assert [error.id for error in message_kinds_complete()] == ["clinic.E110"]


def test_a_builder_for_a_kind_nobody_registered_fails_the_start_up_check(registry):
    message_content_register("remindr", lambda message: {})  # a typo
    errors = message_kinds_complete()
    assert [error.id for error in errors] == ["clinic.E111"]
    assert "'remindr'" in errors[0].msg


def test_a_kind_without_its_templates_fails_the_start_up_check(registry):
    message_kind_register("birthday_card", "Birthday card", context_only=True)
    errors = message_kinds_complete()
    assert {error.id for error in errors} == {"clinic.E112"} and len(errors) == 4


def test_a_new_kind_needs_no_clinic_migration(registry):
    """The outbox's kind column lists no kinds: an app's new kind is a registration, not a schema
    change (``makemigrations --check`` in ``make test`` would fail otherwise)."""
    assert not OutboundMessage._meta.get_field("kind").choices
    message_kind_register("birthday_card", "Birthday card", context_only=True)
    assert OutboundMessage(kind="birthday_card").get_kind_display() == "Birthday card"


def test_the_log_names_a_kind_that_no_app_registers_any_more():
    assert message_kind_label("old_newsletter") == "Old newsletter"
