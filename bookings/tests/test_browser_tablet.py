# ruff: noqa: F811 (pytest fixtures imported from test_browser_booking are redefined as arguments)
"""In Chromium: the desk makes a check-in code, the client checks in on the clinic's tablet with
no account, and the desk's page shows it arrive without a reload (issue 17, item 9). The browser
fixture fails on any CSP violation or console error."""

import re
from datetime import datetime, timedelta

import pytest

from bookings.models import Appointment
from bookings.tests.factories import AppointmentFactory
from bookings.tests.test_browser_booking import (  # noqa: F401 (fixtures)
    NO_OVERFLOW,
    cleared,
    log_in,
    midday,
    setup,
    today,
)
from clinic.models import ClinicProfile
from clinic.tests.factories import FrontDeskFactory
from consultations.models import HealthUpdate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_client_checks_in_on_the_tablet_and_the_desk_sees_it_arrive(browser, live_server, screenshot, midday, setup):
    ava = cleared(first_name="Ava", last_name="Lindqvist", email="ava@example.com")
    starts = datetime.combine(today(), datetime.min.time(), tzinfo=ClinicProfile.get().tz) + timedelta(hours=15)
    appointment = AppointmentFactory(
        client=ava,
        treatment=setup.treatment,
        practitioner=setup.practitioners[0],
        room=setup.rooms[0],
        starts_at=starts,
    )
    desk_user = FrontDeskFactory(first_name="Rosa", email="rosa@clinic.example")
    desk_context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900})
    desk = desk_context.new_page()
    desk.set_default_timeout(15_000)
    log_in(desk, desk_user.email, desk_user.totp_secret)
    desk.goto(f"/desk/appointments/{appointment.pk}/")
    desk.get_by_role("button", name="Tablet check-in").click()
    code = desk.locator(".tablet-code strong").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    desk.get_by_text("The code has not been entered yet").wait_for()
    screenshot(desk, "tablet-desk-code")

    for width in (360, 768):
        tablet_context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 1024})
        tablet = tablet_context.new_page()
        tablet.set_default_timeout(15_000)
        tablet.goto("/tablet/")
        assert tablet.evaluate(NO_OVERFLOW), f"the tablet's code page overflows at {width} px"
        if width == 360:
            tablet_context.close()
    tablet.get_by_label("Check-in code").fill(code.lower())
    tablet.get_by_role("button", name="Start").click()
    tablet.get_by_role("heading", name="Hello Ava").wait_for()
    assert tablet.get_by_role("navigation").count() == 0
    screenshot(tablet, "tablet-check-in")
    tablet.get_by_label("No, nothing has changed").check()
    tablet.get_by_role("button", name="Send and check in").click()
    tablet.get_by_role("heading", name="Thank you, Ava").wait_for()
    assert tablet.evaluate(NO_OVERFLOW)
    screenshot(tablet, "tablet-done")

    # The desk's page polls: the arrival shows without a reload.
    desk.get_by_text("Arrived on the tablet").wait_for()
    assert HealthUpdate.objects.get(appointment_id=appointment.pk).submitted_by == ava
    desk.goto(f"/desk/appointments/{appointment.pk}/")
    desk.get_by_role("button", name="Check in", exact=True).click()
    desk.get_by_text("Checked in.").wait_for()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CHECKED_IN
