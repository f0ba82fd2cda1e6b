"""In Chromium: a cleared client books from scratch, a client booking too soon is told why, the
front desk books for a caller and checks them in while the practitioner completes the session,
and two clients race for the last slot. Every screen is photographed into screenshots/ and
checked for horizontal overflow at 375 px.

No time travel here: the browser's cookie clock is the real one, so dates are relative to today.
"""

import re
import time
from datetime import date, datetime, timedelta
from datetime import time as clock

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.utils import timezone

from bookings.models import Appointment, WaitlistEntry, WorkingHours
from bookings.tests.factories import AppointmentFactory, TreatmentFactory, bookable_clinic
from clinic.models import ClinicProfile
from clinic.tests.factories import PASSWORD, ClientFactory, FrontDeskFactory
from consultations.tests.factories import ClearanceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth"


def log_in(page, email, totp_secret=None):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    if totp_secret:
        # A code made in the last moments of its 30-second step may reach the server in the next
        # one (the full suite runs under load): wait for a fresh step instead.
        left = 30 - time.time() % 30
        if left < 4:
            time.sleep(left + 0.2)
        page.get_by_label("Code").fill(format_hotp_value(hotp_value(totp_secret, int(time.time()) // 30)))
        page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/home/"))


def today() -> date:
    return timezone.localdate(timezone=ClinicProfile.get().tz)


def next_weekday(weekday: int, at_least: int = 2) -> date:
    """The first ``weekday`` (Monday 0) at least ``at_least`` days from today."""
    day = today() + timedelta(days=at_least)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


def local(day: date, hhmm: str) -> datetime:
    hours, minutes = (int(part) for part in hhmm.split(":"))
    return datetime.combine(day, clock(hours, minutes), tzinfo=ClinicProfile.get().tz)


ZONES_BY_OFFSET = [
    "Pacific/Kiritimati",
    "Pacific/Tongatapu",
    "Pacific/Noumea",
    "Australia/Brisbane",
    "Asia/Tokyo",
    "Asia/Shanghai",
    "Asia/Bangkok",
    "Asia/Dhaka",
    "Asia/Karachi",
    "Asia/Dubai",
    "Europe/Istanbul",
    "Africa/Cairo",
    "Africa/Lagos",
    "Atlantic/Reykjavik",
    "Atlantic/Cape_Verde",
    "America/Noronha",
    "America/Sao_Paulo",
    "America/Santo_Domingo",
    "America/Panama",
    "America/Regina",
    "America/Phoenix",
    "America/Anchorage",
    "Pacific/Honolulu",
    "Pacific/Niue",
]


@pytest.fixture
def midday(clinic_profile):
    """Put the clinic in a time zone where it is late morning now, so that today has free
    times to book and check in (the browser's clock cannot be moved)."""
    from zoneinfo import ZoneInfo

    for name in ZONES_BY_OFFSET:
        if 10 <= datetime.now(ZoneInfo(name)).hour <= 11:
            clinic_profile.time_zone = name
            clinic_profile.save(update_fields=["time_zone"])
            return clinic_profile
    pytest.fail("no zone with late morning now")  # one of 24 whole-hour offsets always fits


@pytest.fixture
def setup(clinic_profile):
    treatment = TreatmentFactory(needs_clearance=True)
    clinic = bookable_clinic(practitioners=2, rooms=2, treatment=treatment)
    for practitioner, (first, last) in zip(clinic.practitioners, [("Maya", "Okafor"), ("Tom", "Reyes")], strict=True):
        practitioner.user.first_name, practitioner.user.last_name = first, last
        practitioner.user.save(update_fields=["first_name", "last_name"])
    return clinic


def cleared(**kwargs):
    person = ClientFactory(**kwargs)
    ClearanceFactory(client=person, areas=["face", "neck"])
    return person


def phone_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 800}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def check_fits(page, name):
    assert page.evaluate(NO_OVERFLOW), f"{name} overflows horizontally at {page.viewport_size['width']} px"


def check_schedule_placed(page, name):
    """The schedule's boxes sit where the server put them: with no style attributes allowed by
    the CSP, static/js/app.js applies the data-grid-* numbers."""
    boxes = page.locator(".schedule .appt")
    assert boxes.count() > 0, name
    for box in boxes.all():
        top, height = box.evaluate("el => [parseFloat(getComputedStyle(el).top), el.getBoundingClientRect().height]")
        assert abs(top - float(box.get_attribute("data-grid-top"))) < 0.5, name
        assert height > 20, name
    columns = page.locator(".schedule-col").count()
    assert page.locator(".schedule").evaluate("el => getComputedStyle(el).getPropertyValue('--cols').trim()") == str(
        columns
    ), name


def test_a_cleared_client_books_from_scratch_and_finds_it(page, screenshot, setup):
    ava = cleared(first_name="Ava", last_name="Lindqvist", email="ava@example.com")
    day = next_weekday(2)  # a Wednesday at least two days away
    log_in(page, ava.email)
    page.get_by_role("link", name="Book a session").first.click()
    page.get_by_label("Face · 45 min").check()
    screenshot(page, "book-1-areas")
    page.get_by_role("button", name="See available days").click()
    page.get_by_role("heading", name="Choose a day").wait_for()
    if day.month != today().month and not page.locator(f'[data-day="{day:%Y-%m-%d}"].day-button').count():
        page.get_by_role("link", name="Next month").click()
    page.locator(f'a.day-button[data-day="{day:%Y-%m-%d}"]').click()
    page.locator("#times .time-button").first.wait_for()
    screenshot(page, "book-2-calendar-times")
    page.locator("#times .time-button", has_text="10:00").first.click()
    page.get_by_text("Arrive at 10:00, numbing starts then, needling 10:30–11:15").wait_for()
    screenshot(page, "book-3-confirm")
    confirm_url = page.url
    page.get_by_role("button", name="Book this session").dblclick()  # an impatient double click
    page.get_by_text("Booked. A confirmation is on its way to you.").wait_for()
    screenshot(page, "book-4-booked")
    page.get_by_role("link", name="My appointments").first.click()
    upcoming = page.locator(".appointment-list").first
    assert f"{day:%A} {day.day} {day:%B %Y}" in upcoming.inner_text()
    screenshot(page, "book-5-my-appointments")
    booked = Appointment.objects.get(client=ava)
    assert timezone.localtime(booked.starts_at, ClinicProfile.get().tz) == local(day, "10:00")
    # The back button after booking: the confirmation page now points at the booking.
    page.goto(confirm_url)
    page.get_by_text("This session is already booked: here it is.").wait_for()
    assert Appointment.objects.filter(client=ava).count() == 1


def test_booking_too_soon_after_a_session_says_why_and_the_first_allowed_date(browser, live_server, screenshot, setup):
    ben = cleared(first_name="Ben", last_name="Adeyemi", email="ben@example.com")
    last = today() - timedelta(days=5)
    AppointmentFactory(
        client=ben,
        treatment=setup.treatment,
        practitioner=setup.practitioners[0],
        room=setup.rooms[0],
        starts_at=local(last, "10:00"),
        status=Appointment.Status.COMPLETED,
    )
    first_allowed = last + timedelta(days=28)
    page = phone_page(browser, live_server)
    log_in(page, ben.email)
    # A month that surely holds working days inside the 28 days (not only a closing Sunday).
    month = today() + timedelta(days=3)
    page.goto(f"/bookings/book/microneedling/calendar/?areas=face&month={month:%Y-%m}")
    reasons = page.locator(".day-reasons")
    reasons.wait_for()
    text = reasons.inner_text()
    assert "at least 28 days" in text
    assert f"First possible date: {first_allowed:%A} {first_allowed.day} {first_allowed:%B %Y}" in text
    check_fits(page, "calendar with reasons")
    screenshot(page, "book-too-soon-phone")


def test_front_desk_books_a_caller_checks_in_and_practitioner_completes(
    browser, live_server, screenshot, midday, setup
):
    caller = cleared(first_name="Chloe", last_name="Martin", email="chloe@example.com", phone="+44 7700 900777")
    desk_user = FrontDeskFactory(first_name="Rosa", email="rosa@clinic.example")
    practitioner = setup.practitioners[0]
    # Today must be a working day for the check-in, whatever day the test runs.
    weekday = today().weekday()
    if not WorkingHours.objects.filter(practitioner=practitioner, weekday=weekday).exists():
        for start, end in ((clock(9), clock(13)), (clock(14), clock(18))):
            WorkingHours.objects.create(practitioner=practitioner, weekday=weekday, start_time=start, end_time=end)

    desk_context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    desk = desk_context.new_page()
    desk.set_default_timeout(10_000)
    log_in(desk, desk_user.email, desk_user.totp_secret)
    desk.get_by_role("link", name="Clients").click()
    desk.get_by_label("Name, e-mail or phone").fill("martin")
    desk.get_by_role("button", name="Search").click()
    screenshot(desk, "desk-1-find-client")
    desk.locator(".client-results").get_by_role("link", name="Book").click()
    desk.get_by_label("Face · 45 min").check()
    desk.get_by_role("button", name="See available days").click()
    # Staff need no notice: book the next quarter hour today, with the practitioner who works.
    desk.get_by_label("Practitioner").select_option(str(practitioner.pk))
    desk.locator(f'a.day-button[data-day="{today():%Y-%m-%d}"]').click()
    desk.locator("#times .time-button").first.wait_for()
    screenshot(desk, "desk-2-book-calendar")
    desk.locator("#times .time-button").first.click()
    screenshot(desk, "desk-3-confirm")
    desk.get_by_role("button", name="Book for Chloe").click()
    desk.get_by_text("Booked.").wait_for()
    appointment = Appointment.objects.get(client=caller)
    assert appointment.channel == Appointment.Channel.STAFF
    # Check-in needs the health update: taken at the desk.
    desk.get_by_label("No, nothing has changed").check()
    screenshot(desk, "desk-4-appointment")
    desk.get_by_role("button", name="Record the health update").click()
    desk.get_by_text("Health update recorded").wait_for()
    desk.get_by_role("button", name="Check in").click()
    desk.get_by_text("Checked in.").wait_for()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CHECKED_IN
    desk.goto("/desk/day/")
    desk.locator(f'[data-appointment="{appointment.pk}"]').wait_for()
    screenshot(desk, "desk-5-day")
    desk.goto("/desk/day/?by=rooms")
    screenshot(desk, "desk-6-day-rooms")

    practice_context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    practice = practice_context.new_page()
    practice.set_default_timeout(10_000)
    log_in(practice, practitioner.user.email, practitioner.user.totp_secret)
    practice.get_by_role("navigation", name="Main").get_by_role("link", name="My day").click()
    practice.get_by_text("Max needle depth").wait_for()
    screenshot(practice, "practice-1-my-day")
    practice.get_by_role("button", name="Start").click()
    practice.get_by_role("link", name="Record and complete").click()
    practice.get_by_label("Needle depth on the face (mm)").fill("1.0")
    practice.get_by_label("Device").fill("Dermapen 4")
    practice.get_by_label("Cartridge lot number").fill("LOT-2231")
    practice.locator('input[name="reaction"]').first.check()
    screenshot(practice, "practice-2-session-record")
    practice.get_by_role("button", name=re.compile("complete|Save|Record", re.I)).last.click()
    practice.wait_for_load_state()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.COMPLETED
    desk_context.close()
    practice_context.close()


def test_two_clients_race_for_the_last_slot(browser, live_server, screenshot, clinic_profile):
    treatment = TreatmentFactory(needs_clearance=True)
    day = next_weekday(2)
    # One practitioner, one room, working 10:00-11:15 on Wednesdays only: one face session a week.
    bookable_clinic(practitioners=1, rooms=1, treatment=treatment, hours={2: [(clock(10, 0), clock(11, 15))]})
    racers = [cleared(first_name=name, email=f"{name.lower()}@example.com") for name in ("Dana", "Eli")]
    pages = []
    for person in racers:
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        log_in(page, person.email)
        page.goto(f"/bookings/book/microneedling/calendar/?areas=face&day={day:%Y-%m-%d}&month={day:%Y-%m}")
        page.locator("#times .time-button", has_text="10:00").click()
        page.get_by_role("button", name="Book this session").wait_for()
        pages.append(page)
    # Both press "Book" before either answer comes back.
    for page in pages:
        page.locator(".confirm-form button[type=submit]").click(no_wait_after=True)
    for page in pages:
        page.wait_for_load_state("load")
        page.locator(".messages, .taken").first.wait_for()
    winners = [p for p in pages if p.get_by_text("Booked. A confirmation is on its way to you.").count()]
    losers = [p for p in pages if p.get_by_text("Sorry, that time was just taken.").count()]
    assert len(winners) == 1 and len(losers) == 1
    assert Appointment.objects.filter(starts_at=local(day, "10:00")).count() == 1
    nearest = losers[0].locator(".nearest .time-button").first.inner_text()
    following = day + timedelta(days=7)
    assert f"{following:%a} {following.day} {following:%b}" in nearest and "10:00" in nearest
    screenshot(losers[0], "book-race-just-taken")


def test_every_screen_fits_a_phone(browser, live_server, screenshot, setup):
    """Each screen at 375 px: no horizontal overflow (the schedules scroll inside their own box)."""
    person = cleared(first_name="Fay", last_name="Osei", email="fay@example.com")
    tz = ClinicProfile.get().tz
    now_local = timezone.localtime(timezone.now(), tz)
    mine = AppointmentFactory(
        client=person,
        treatment=setup.treatment,
        practitioner=setup.practitioners[0],
        room=setup.rooms[0],
        starts_at=local(next_weekday(2), "10:00"),
    )
    AppointmentFactory(
        client=cleared(first_name="Gus", last_name="Hale"),
        treatment=setup.treatment,
        practitioner=setup.practitioners[1],
        room=setup.rooms[1],
        starts_at=(now_local + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0),
    )
    page = phone_page(browser, live_server)
    log_in(page, person.email)
    for name, url in [
        ("client-home", "/home/"),
        ("client-areas", "/bookings/book/microneedling/"),
        ("client-calendar", "/bookings/book/microneedling/calendar/?areas=face&areas=neck"),
        ("client-appointments", "/bookings/appointments/"),
        ("client-appointment", f"/bookings/appointments/{mine.pk}/"),
        ("client-cancel", f"/bookings/appointments/{mine.pk}/cancel/"),
        ("client-course", "/bookings/course/"),
        ("client-waitlist", "/bookings/waitlist/microneedling/?areas=face"),
    ]:
        page.goto(url)
        check_fits(page, name)
        screenshot(page, f"phone-{name}")
    day_cell = page.goto(
        f"/bookings/book/microneedling/calendar/?areas=face&day={next_weekday(3):%Y-%m-%d}&month={next_weekday(3):%Y-%m}"
    )
    assert day_cell.ok
    check_fits(page, "calendar with times")
    screenshot(page, "phone-client-calendar-times")

    desk_user = FrontDeskFactory(email="desk.phone@clinic.example")
    staff = phone_page(browser, live_server)
    log_in(staff, desk_user.email, desk_user.totp_secret)
    # The menu opens from its button (static/js/app.js; no inline handler).
    menu = staff.get_by_role("button", name="Menu")
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    assert staff.get_by_role("navigation", name="Main").is_visible()
    for name, url in [
        ("desk-day", "/desk/day/"),
        ("desk-day-rooms", "/desk/day/?by=rooms"),
        ("desk-week", "/desk/week/"),
        ("desk-sheet", "/desk/day/sheet/"),
        ("desk-clients", "/desk/clients/?q=osei"),
        ("desk-client", f"/desk/clients/{person.pk}/"),
        ("desk-appointment", f"/desk/appointments/{mine.pk}/"),
        ("desk-waitlist", "/desk/waitlist/"),
        ("desk-waitlist-join", f"/desk/clients/{person.pk}/waitlist/"),
    ]:
        staff.goto(url)
        check_fits(staff, name)
        screenshot(staff, f"phone-{name}")
    practitioner_user = setup.practitioners[1].user
    practice = phone_page(browser, live_server)
    log_in(practice, practitioner_user.email, practitioner_user.totp_secret)
    for name, url in [
        ("practice-day", "/practice/day/"),
        ("practice-week", "/practice/week/"),
        ("practice-feed", "/practice/calendar-feed/"),
    ]:
        practice.goto(url)
        check_fits(practice, name)
        screenshot(practice, f"phone-{name}")


def test_desktop_screens_for_the_record(page, screenshot, midday, setup):
    """Wide screenshots of the staff screens with a realistic morning."""
    tz = ClinicProfile.get().tz
    day = next_weekday(1, at_least=1)
    names = [
        ("Hana", "Sato"),
        ("Ivo", "Marek"),
        ("Jade", "Brooks"),
        ("Kofi", "Mensah"),
        ("Lena", "Vogel"),
        ("Omar", "Haddad"),
    ]
    statuses = [Appointment.Status.COMPLETED, Appointment.Status.CHECKED_IN, Appointment.Status.BOOKED]
    for number, (first, last) in enumerate(names):
        column = number % 2
        AppointmentFactory(
            client=cleared(first_name=first, last_name=last),
            treatment=setup.treatment,
            practitioner=setup.practitioners[column],
            room=setup.rooms[column],
            areas=["face", "neck"] if number % 3 == 0 else ["face"],
            starts_at=local(day, ["09:00", "10:45", "14:15"][number // 2]) + timedelta(minutes=15 * column),
            status=statuses[number // 2],
        )
    freed = AppointmentFactory(
        client=cleared(first_name="Pia", last_name="Lund"),
        treatment=setup.treatment,
        practitioner=setup.practitioners[1],
        room=setup.rooms[1],
        starts_at=local(day, "16:00"),
        status=Appointment.Status.CANCELLED,
    )
    for first, last, note in [("Rui", "Costa", "Mornings only"), ("Sara", "Nilsen", "")]:
        WaitlistEntry.objects.create(
            client=cleared(first_name=first, last_name=last),
            treatment=setup.treatment,
            areas=["face"],
            first_day=day - timedelta(days=1),
            last_day=day + timedelta(days=3),
            note=note,
        )
    desk_user = FrontDeskFactory(email="desk.wide@clinic.example")
    log_in(page, desk_user.email, desk_user.totp_secret)
    page.goto(f"/desk/appointments/{freed.pk}/")
    page.locator(".waitlist-offers button").first.click()
    page.get_by_text("Offered to Rui Costa").wait_for()
    screenshot(page, "wide-desk-offer-slot")
    page.goto("/desk/waitlist/")
    screenshot(page, "wide-desk-waitlist")
    page.goto(f"/desk/day/?day={day:%Y-%m-%d}")
    check_schedule_placed(page, "desk day")
    screenshot(page, "wide-desk-day")
    page.goto(f"/desk/day/?day={day:%Y-%m-%d}&by=rooms")
    check_schedule_placed(page, "desk day by rooms")
    screenshot(page, "wide-desk-day-rooms")
    page.goto(f"/desk/week/?practitioner={setup.practitioners[0].pk}&week={day:%Y-%m-%d}")
    check_schedule_placed(page, "desk week")
    screenshot(page, "wide-desk-week")
    # Choosing another practitioner applies itself (data-autosubmit, no onchange= attribute).
    page.get_by_label("Practitioner").select_option(str(setup.practitioners[1].pk))
    page.wait_for_url(re.compile(rf"practitioner={setup.practitioners[1].pk}"))
    page.goto(f"/desk/day/sheet/?day={day:%Y-%m-%d}")
    screenshot(page, "wide-desk-sheet")
    assert tz
    assert WaitlistEntry.objects.filter(status=WaitlistEntry.Status.OFFERED).count() == 1
