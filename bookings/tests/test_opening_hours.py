"""Opening hours per location and weekday (issue 12): availability never offers a time outside
them, working hours outside them are refused with a message naming them, managers edit them on
the location's page."""

from datetime import UTC, date, datetime, time

import pytest
import time_machine
from django.core.exceptions import ValidationError

from bookings.models import OpeningHours, WorkingHours
from bookings.selectors.availability import availability_days
from bookings.services.locations import working_hours_add
from bookings.tests.factories import PractitionerFactory, RoomFactory, TreatmentFactory
from clinic.models import Location
from clinic.tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 12, 7)


@pytest.fixture
def bath():
    return Location.objects.create(name="Bath", address="2 Milsom Street, Bath", time_zone="Europe/London")


def _open(location, weekday, opens, closes):
    return OpeningHours.objects.create(location=location, weekday=weekday, opens=opens, closes=closes)


def test_availability_offers_no_time_outside_the_locations_opening_hours(bath):
    Location.objects.create(name="Bristol", time_zone="Europe/London")  # several locations
    treatment = TreatmentFactory(needs_clearance=False)
    anna = PractitionerFactory(treatments=[treatment])
    RoomFactory(location=bath, treatments=[treatment])
    # Anna's hours were set before the opening hours were narrowed (written directly).
    for weekday in (0, 1):
        WorkingHours.objects.create(
            practitioner=anna, location=bath, weekday=weekday, start_time=time(8), end_time=time(20)
        )
    _open(bath, 0, time(10), time(16))  # Monday 10:00-16:00; Tuesday closed
    with time_machine.travel(datetime(2026, 12, 1, 6, 0, tzinfo=UTC), tick=False):
        monday, tuesday = availability_days(
            treatment=treatment,
            areas=["face"],
            client=ClientFactory(),
            first_day=MONDAY,
            last_day=date(2026, 12, 8),
            online=True,
            location_id=bath.pk,
        )
    assert monday.slots and not tuesday.slots
    arrivals = [slot.starts_at.astimezone(bath.tz).time() for slot in monday.slots]
    needling_ends = [slot.needling_ends_at.astimezone(bath.tz).time() for slot in monday.slots]
    assert min(arrivals) == time(10)
    assert max(needling_ends) <= time(16)


def test_a_location_with_no_opening_hours_set_is_held_to_its_practitioners_hours(bath):
    treatment = TreatmentFactory(needs_clearance=False)
    anna = PractitionerFactory(treatments=[treatment])
    RoomFactory(location=bath, treatments=[treatment])
    working_hours_add(practitioner=anna, location=bath, weekday=0, start_time=time(8), end_time=time(12))
    with time_machine.travel(datetime(2026, 12, 1, 6, 0, tzinfo=UTC), tick=False):
        (monday,) = availability_days(
            treatment=treatment,
            areas=["face"],
            client=ClientFactory(),
            first_day=MONDAY,
            last_day=MONDAY,
            online=True,
            location_id=bath.pk,
        )
    assert monday.slots[0].starts_at.astimezone(bath.tz).time() == time(8)


def test_working_hours_outside_opening_hours_are_refused_naming_them_and_nothing_is_written(bath):
    anna = PractitionerFactory()
    _open(bath, 0, time(9), time(17))
    with pytest.raises(ValidationError) as refused:
        working_hours_add(practitioner=anna, location=bath, weekday=0, start_time=time(8), end_time=time(12))
    assert refused.value.messages == ["08:00-12:00 on Monday is outside the opening hours of Bath (09:00-17:00)."]
    with pytest.raises(ValidationError) as refused:
        working_hours_add(practitioner=anna, location=bath, weekday=6, start_time=time(10), end_time=time(12))
    assert refused.value.messages == ["Bath is closed on Sundays: working hours there must fall on a day it is open."]
    assert not WorkingHours.objects.exists()
    made = working_hours_add(practitioner=anna, location=bath, weekday=0, start_time=time(9), end_time=time(17))
    assert list(WorkingHours.objects.values_list("pk", flat=True)) == [made.pk]


def test_a_manager_edits_opening_hours_on_the_locations_page(manager_admin, bath):
    url = f"/admin/clinic/location/{bath.pk}/change/"
    page = manager_admin.get(url).content.decode()
    assert "Opening hours" in page
    data = {
        "name": "Bath",
        "address": "2 Milsom Street, Bath",
        "phone": "",
        "email": "",
        "time_zone": "Europe/London",
        "late_cancellation_hours": "48",
        "is_active": "on",
        "created_at_0": "2026-01-01",
        "created_at_1": "09:00:00",
        "opening_hours-TOTAL_FORMS": "2",
        "opening_hours-INITIAL_FORMS": "0",
        "opening_hours-MIN_NUM_FORMS": "0",
        "opening_hours-MAX_NUM_FORMS": "7",
        "opening_hours-0-weekday": "0",
        "opening_hours-0-opens": "09:00",
        "opening_hours-0-closes": "17:00",
        "opening_hours-1-weekday": "5",
        "opening_hours-1-opens": "10:00",
        "opening_hours-1-closes": "14:00",
    }
    response = manager_admin.post(url, data)
    assert response.status_code == 302, [
        line for line in response.content.decode().splitlines() if "error" in line.lower()
    ]
    assert sorted(bath.opening_hours.values_list("weekday", "opens", "closes")) == [
        (0, time(9), time(17)),
        (5, time(10), time(14)),
    ]


def test_the_practitioner_page_refuses_a_block_outside_the_opening_hours(manager_admin, bath):
    anna = PractitionerFactory()
    _open(bath, 0, time(9), time(17))
    url = f"/admin/bookings/practitioner/{anna.pk}/change/"
    data = {
        "user": anna.user_id,
        "treatments": [],
        "is_active": "on",
        "working_hours-TOTAL_FORMS": "1",
        "working_hours-INITIAL_FORMS": "0",
        "working_hours-MIN_NUM_FORMS": "0",
        "working_hours-MAX_NUM_FORMS": "1000",
        "working_hours-0-location": str(bath.pk),
        "working_hours-0-weekday": "0",
        "working_hours-0-start_time": "07:00",
        "working_hours-0-end_time": "12:00",
        "time_off-TOTAL_FORMS": "0",
        "time_off-INITIAL_FORMS": "0",
        "time_off-MIN_NUM_FORMS": "0",
        "time_off-MAX_NUM_FORMS": "1000",
    }
    response = manager_admin.post(url, data)
    assert response.status_code == 200
    assert "07:00-12:00 on Monday is outside the opening hours of Bath (09:00-17:00)." in response.content.decode()
    assert not WorkingHours.objects.exists()


# --- Small bugs of the locations work ------------------------------------------------------------


def test_the_month_note_lists_closed_days_as_a_range_only_when_every_day_between_is_closed():
    from bookings.availability import DayAvailability, Reason, Slot
    from bookings.views.flow_month import explanations

    december = [date(2026, 12, d) for d in range(1, 32)]
    open_slot = Slot(
        starts_at=datetime(2026, 12, 5, 10, tzinfo=UTC),
        needling_starts_at=datetime(2026, 12, 5, 10, 30, tzinfo=UTC),
        needling_ends_at=datetime(2026, 12, 5, 11, tzinfo=UTC),
        ends_at=datetime(2026, 12, 5, 11, 15, tzinfo=UTC),
        practitioner_id=1,
        room_id=1,
    )
    # Saturdays open, every other day closed.
    days = [
        DayAvailability(day=d, slots=(open_slot,))
        if d.weekday() == 5
        else DayAvailability(day=d, reason=Reason.CLOSED, message="closed")
        for d in december
    ]
    (closed,) = explanations(days)
    assert not closed["is_run"]
    # Every day closed: one range.
    (closed,) = explanations([DayAvailability(day=d, reason=Reason.CLOSED, message="closed") for d in december])
    assert closed["is_run"] and (closed["first"], closed["last"]) == (date(2026, 12, 1), date(2026, 12, 31))
    # Too close to the last session Monday to Saturday, the Sunday between closed: still one range.
    spacing = [
        DayAvailability(day=d, reason=Reason.CLOSED, message="closed")
        if d.weekday() == 6
        else DayAvailability(day=d, reason=Reason.SPACING, message="too close to your last session")
        for d in december[:12]
    ]
    too_close = next(g for g in explanations(spacing) if g["reason"] == Reason.SPACING)
    assert too_close["is_run"]


def test_a_bath_page_shows_baths_address_in_the_footer_and_a_page_of_no_location_none(client, bath):
    from bookings.tests.factories import AppointmentFactory
    from clinic.models import ClinicProfile
    from clinic.tests.factories import log_in

    profile = ClinicProfile.get()
    profile.address = "1 Park Street, Bristol"
    profile.save()
    Location.objects.create(name="Bristol", address="1 Park Street, Bristol", time_zone="Europe/London")
    treatment = TreatmentFactory(needs_clearance=False)
    me = ClientFactory()
    booked = AppointmentFactory(
        client=me,
        treatment=treatment,
        room=RoomFactory(location=bath, treatments=[treatment]),
        starts_at=datetime(2026, 12, 10, 10, tzinfo=UTC),
    )
    log_in(client, me)
    with time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=UTC), tick=False):
        page = client.get(f"/bookings/appointments/{booked.pk}/").content.decode()
        footer = page[page.index('<footer class="site-footer">') :]
        assert "2 Milsom Street, Bath" in footer and "Park Street" not in footer
        page = client.get("/bookings/appointments/").content.decode()
        footer = page[page.index('<footer class="site-footer">') :]
        assert "Park Street" not in footer and "Milsom Street" not in footer
        assert f"<strong>{profile.name}</strong>" in footer
