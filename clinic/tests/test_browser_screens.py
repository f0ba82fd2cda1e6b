"""Every screen of the demo clinic, for every role, at a phone's, a tablet's and a laptop's width
(360, 390, 768 and 1366 px): photographed into screenshots/screens/ (git-ignored, to be looked
at), and failed on a page that scrolls sideways, on axe-core's serious or critical findings, and
(through the ``browser`` fixture) on CSP violations and console errors.

One demo clinic serves every role (it takes a while to build); each role has one signed-in
browser context, and each page is opened once and resized to each width. A failure lists every
problem found, by role, width and address.
"""

import os
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from clinic.tests.factories import log_in
from clinic.tests.screens import WIDTHS, resize, screen_problems
from clinic.tests.test_site_crawl import ROUTES, build_site, cases

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ACCOUNT_PAGES = ("/accounts/email/", "/accounts/password/change/", "/accounts/2fa/")
# The error pages, in the app's layout: an address that does not exist, and a page of another role.
ERROR_PAGES = {"anonymous": ("/no-such-page/",), "client": ("/no-such-page/", "/desk/day/")}


@pytest.fixture
def demo(live_server):
    return build_site()


def signed_in(browser, live_server, user):
    """A browser page and a Django test client sharing one session of ``user``."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": WIDTHS[-1], "height": 900})
    session = Client()
    if user is not None:
        log_in(session, user)
        context.add_cookies(
            [{"name": "sessionid", "value": session.cookies["sessionid"].value, "url": live_server.url}]
        )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page, session


def pages_of(role, demo, session) -> list[str]:
    """The addresses that answer ``role`` with a page (200, HTML); files and redirects aside."""
    found = []
    paths = [cases(route, demo)[0].path for route in ROUTES]
    if role != "anonymous":
        paths += ACCOUNT_PAGES
    for path in paths:
        answer = session.get(path)
        # A whole page, not an htmx fragment (the tablet check-in's status, polled by the desk).
        if (
            answer.status_code == 200
            and answer.get("Content-Type", "").startswith("text/html")
            and b"<html" in answer.content[:300].lower()
        ):
            found.append(path)
    return sorted(set(found)) + list(ERROR_PAGES.get(role, ()))


def shot_name(role: str, path: str, width: int) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
    return f"screens/{role}/{slug}-{width}"


# While fixing: SCREENS="front_desk /desk/" checks only the pages whose "role path" matches.
ONLY = re.compile(os.environ.get("SCREENS", ""))


def test_every_screen_of_every_role_at_every_width(browser, live_server, demo, screenshot):
    problems = []
    seen = {}
    for role, user in demo.users.items():
        page, session = signed_in(browser, live_server, user)
        paths = [path for path in pages_of(role, demo, session) if ONLY.search(f"{role} {path}")]
        seen[role] = len(paths)
        for path in paths:
            resize(page, WIDTHS[-1])
            page.goto(path)
            for width in WIDTHS:
                resize(page, width)
                screenshot(page, shot_name(role, path, width))
                problems += [f"{role} {path} at {width} px: {p}" for p in screen_problems(page)]
                if (
                    width == 1366
                    and user is not None
                    and page.get_by_role("navigation", name="Main").count()  # the tablet's pages have none
                    and not page.get_by_role("navigation", name="Main")
                    .get_by_role("button", name="Log out")
                    .is_visible()
                ):
                    problems.append(f"{role} {path} at 1366 px: the navigation is folded behind the menu button")
                if width == WIDTHS[0] and path == "/home/":
                    problems += check_the_open_menu(page, role, screenshot)
        if role in BOOKERS:
            problems += check_the_booking_steps(page, role, demo, screenshot)
        page.context.close()
    problems += check_the_code_step(browser, live_server, screenshot)
    assert all(seen.values()) or ONLY.pattern, seen
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


def check_the_open_menu(page, role, screenshot) -> list[str]:
    """On a phone the menu button opens the navigation, every link of it on the screen."""
    toggle = page.get_by_role("button", name="Menu")
    toggle.click()
    problems = [f"{role} open menu at {WIDTHS[0]} px: {p}" for p in screen_problems(page, axe=False)]
    if (
        toggle.get_attribute("aria-expanded") != "true"
        or not page.get_by_role("navigation", name="Main").get_by_role("button", name="Log out").is_visible()
    ):
        problems.append(f"{role} open menu: the navigation did not open")
    screenshot(page, shot_name(role, "menu-open", WIDTHS[0]))
    toggle.click()
    return problems


BOOKERS = ("client", "front_desk")


def check_the_booking_steps(page, role, demo, screenshot) -> list[str]:
    """The booking screens that need input to be reached: the calendar for the client's cleared
    areas, the times of its first open day (brought by htmx), and the confirmation of a time."""
    from consultations.selectors import clearance_check
    from consultations.services import clinic_today

    client = demo.users["client"]
    areas = sorted(
        clearance_check(client=client, treatment_slug="microneedling", areas=[], on=clinic_today()).cleared_areas
    )
    start = "/bookings/book" if role == "client" else f"/desk/clients/{client.pk}/book"
    page.goto(f"{start}/microneedling/calendar/?areas={areas[0]}")
    steps = [("calendar", None), ("times", "a.day-button"), ("confirm", "#times .time-button")]
    problems = []
    for name, click in steps:
        if click:
            if not page.locator(click).count():
                problems.append(f"{role} booking: no {click} to go on with")
                break
            resize(page, WIDTHS[-1])
            page.locator(click).first.click()
            page.wait_for_load_state()
            if name == "times":
                page.locator("#times .time-button").first.wait_for()
        for width in WIDTHS:
            resize(page, width)
            screenshot(page, shot_name(role, f"booking-{name}", width))
            problems += [f"{role} booking {name} at {width} px: {p}" for p in screen_problems(page)]
    return problems


def check_the_code_step(browser, live_server, screenshot) -> list[str]:
    """The page a member of staff types the one-time code on, between password and the site."""
    from clinic.demo import DEMO_PASSWORD

    page, _ = signed_in(browser, live_server, None)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("anna@clinic.example")
    page.get_by_label("Password:", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("Sign In|Log in")).click()
    page.wait_for_url(re.compile("/accounts/2fa/authenticate/"))
    problems = []
    for width in WIDTHS:
        resize(page, width)
        screenshot(page, shot_name("staff", "/accounts/2fa/authenticate/", width))
        problems += [f"staff code step at {width} px: {p}" for p in screen_problems(page)]
    page.context.close()
    return problems


def test_a_phone_shows_the_day_one_practitioner_at_a_time(browser, live_server, clinic_profile):
    """At 360 px the day schedule shows one practitioner's column; the select above it, its
    buttons and a swipe move to the others. At 1366 px every column is there."""
    from bookings.tests.factories import bookable_clinic
    from clinic.tests.factories import FrontDeskFactory

    clinic = bookable_clinic(practitioners=3)
    page, _ = signed_in(browser, live_server, FrontDeskFactory())
    page.set_viewport_size({"width": 360, "height": 800})
    monday = timezone.localdate() + timedelta(days=7 - timezone.localdate().weekday())  # a working day
    page.goto(f"/desk/day/?day={monday:%Y-%m-%d}")
    titles = page.locator(".schedule-col-title")
    chooser = page.get_by_label("Practitioner", exact=True)
    names = chooser.locator("option").all_inner_texts()
    assert sorted(names) == sorted(p.user.get_full_name() for p in clinic.practitioners)
    assert [t.inner_text() for t in titles.all() if t.is_visible()] == [names[0]]
    chooser.select_option(label=names[2])
    assert [t.inner_text() for t in titles.all() if t.is_visible()] == [names[2]]
    page.get_by_role("button", name="Previous practitioner").click()
    assert [t.inner_text() for t in titles.all() if t.is_visible()] == [names[1]]
    assert chooser.input_value() == chooser.locator("option").nth(1).get_attribute("value")
    assert screen_problems(page) == []
    swipe(page, ".schedule", -150)  # a swipe to the left shows the next one
    assert [t.inner_text() for t in titles.all() if t.is_visible()] == [names[2]]
    swipe(page, ".schedule", 150)
    assert [t.inner_text() for t in titles.all() if t.is_visible()] == [names[1]]
    page.set_viewport_size({"width": 1366, "height": 800})
    assert [t.inner_text() for t in titles.all() if t.is_visible()] == names
    assert not chooser.is_visible()


def swipe(page, selector: str, dx: int) -> None:
    """A one-finger sideways swipe of ``dx`` pixels across the element."""
    page.locator(selector).evaluate(
        """(el, dx) => {
            const box = el.getBoundingClientRect();
            const x = box.left + box.width / 2, y = box.top + 200;
            const touch = (cx) => new Touch({identifier: 1, target: el, clientX: cx, clientY: y});
            el.dispatchEvent(new TouchEvent("touchstart", {touches: [touch(x)], changedTouches: [touch(x)], bubbles: true}));
            el.dispatchEvent(new TouchEvent("touchend", {touches: [], changedTouches: [touch(x + dx)], bubbles: true}));
        }""",
        dx,
    )
