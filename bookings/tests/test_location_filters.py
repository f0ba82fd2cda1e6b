"""Staff pages filter by location (issue 12): the week view, the waitlist, the review queue and
the message log show one location; a manager sees every location and switches (the choice is
kept in the session), a front-desk member sees only theirs, and another location's id in the
address does not show its schedule."""

from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.models import WaitlistEntry
from bookings.services.locations import working_hours_add
from bookings.tests.factories import AppointmentFactory, PractitionerFactory, RoomFactory, TreatmentFactory
from clinic.models import Location, OutboundMessage
from clinic.tests.factories import ClientFactory, FrontDeskFactory, ManagerFactory, log_in
from clinic.tests.factories import PractitionerFactory as StaffPractitionerFactory
from consultations.tests.factories import HealthUpdateFactory, IntakeFactory

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 12, 7)


@pytest.fixture
def chain():
    """Bristol and Bath: Ben works in Bristol, Bea in Bath; a session at each next Monday, by
    Brenda (Bristol) and Barbara (Bath)."""
    bristol = Location.objects.create(name="Bristol", address="1 Park Street, Bristol", time_zone="Europe/London")
    bath = Location.objects.create(name="Bath", address="2 Milsom Street, Bath", time_zone="Europe/London")
    treatment = TreatmentFactory(needs_clearance=False)
    ben = PractitionerFactory(treatments=[treatment], user__first_name="Ben", user__last_name="Bristolian")
    bea = PractitionerFactory(treatments=[treatment], user__first_name="Bea", user__last_name="Bathonian")
    working_hours_add(practitioner=ben, location=bristol, weekday=0, start_time=time(9), end_time=time(17))
    working_hours_add(practitioner=bea, location=bath, weekday=0, start_time=time(9), end_time=time(17))
    rooms = {loc.name: RoomFactory(location=loc, treatments=[treatment]) for loc in (bristol, bath)}
    brenda = ClientFactory(first_name="Brenda", last_name="Bristol")
    barbara = ClientFactory(first_name="Barbara", last_name="Bath")
    at_bristol = AppointmentFactory(
        client=brenda,
        treatment=treatment,
        practitioner=ben,
        room=rooms["Bristol"],
        starts_at=datetime.combine(MONDAY, time(10), tzinfo=bristol.tz),
    )
    at_bath = AppointmentFactory(
        client=barbara,
        treatment=treatment,
        practitioner=bea,
        room=rooms["Bath"],
        starts_at=datetime.combine(MONDAY, time(11), tzinfo=bath.tz),
    )
    return {
        "bristol": bristol,
        "bath": bath,
        "treatment": treatment,
        "ben": ben,
        "bea": bea,
        "brenda": brenda,
        "barbara": barbara,
        "at_bristol": at_bristol,
        "at_bath": at_bath,
    }


def _page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_week_view_shows_the_practitioners_and_sessions_of_one_location(client, chain):
    log_in(client, FrontDeskFactory(home_location=chain["bristol"]))
    page = _page(client, f"/desk/week/?week={MONDAY}")
    assert "Ben Bristolian" in page and "Bea Bathonian" not in page
    assert "Brenda Bristol" in page
    # Bea and Bath by editing the address: still Bristol's week, Ben's.
    page = _page(client, f"/desk/week/?week={MONDAY}&practitioner={chain['bea'].pk}&location={chain['bath'].pk}")
    assert "At <strong>Bristol</strong>" in page
    assert "Barbara Bath" not in page and "Bea Bathonian" not in page
    assert 'id="location-input"' not in page  # nothing to switch to


def test_a_practitioner_at_two_locations_shows_only_their_sessions_at_the_one_chosen(client, chain):
    ben = chain["ben"]
    working_hours_add(practitioner=ben, location=chain["bath"], weekday=1, start_time=time(9), end_time=time(17))
    AppointmentFactory(
        client=ClientFactory(first_name="Tessa", last_name="Tuesday"),
        treatment=chain["treatment"],
        practitioner=ben,
        room=chain["at_bath"].room,
        starts_at=datetime.combine(MONDAY + timedelta(days=1), time(10), tzinfo=chain["bath"].tz),
    )
    log_in(client, ManagerFactory())
    page = _page(client, f"/desk/week/?week={MONDAY}&practitioner={ben.pk}&location={chain['bristol'].pk}")
    assert "Brenda Bristol" in page and "Tessa Tuesday" not in page
    page = _page(client, f"/desk/week/?week={MONDAY}&practitioner={ben.pk}&location={chain['bath'].pk}")
    assert "Tessa Tuesday" in page and "Brenda Bristol" not in page


def test_a_manager_switches_and_the_choice_is_kept_across_staff_pages(client, chain):
    log_in(client, ManagerFactory())
    page = _page(client, f"/desk/week/?week={MONDAY}&location={chain['bath'].pk}")
    assert "Bea Bathonian" in page and 'id="location-input"' in page
    # The next page opened without ?location= shows Bath too.
    assert "At <strong>Bath</strong>" in _page(client, f"/desk/day/?day={MONDAY}")
    page = _page(client, "/desk/waitlist/")
    assert f'<option value="{chain["bath"].pk}" selected>Bath</option>' in page


def test_the_waitlist_shows_who_waits_at_the_location_or_anywhere(client, chain):
    from bookings.services.waitlist import waitlist_join

    first, last = MONDAY, MONDAY + timedelta(days=7)
    for who, where in ((chain["brenda"], chain["bristol"]), (chain["barbara"], chain["bath"])):
        waitlist_join(
            client=who,
            treatment=chain["treatment"],
            areas=["face"],
            first_day=first,
            last_day=last,
            joined_by=who,
            location=where,
        )
    anywhere = ClientFactory(first_name="Anya", last_name="Anywhere")
    waitlist_join(
        client=anywhere,
        treatment=chain["treatment"],
        areas=["face"],
        first_day=first,
        last_day=last,
        joined_by=anywhere,
    )
    assert WaitlistEntry.objects.get(client=chain["barbara"]).location == chain["bath"]
    log_in(client, FrontDeskFactory(home_location=chain["bristol"]))
    page = _page(client, f"/desk/waitlist/?location={chain['bath'].pk}")
    assert "Brenda Bristol" in page and "Anya Anywhere" in page and "Any location." in page
    assert "Barbara Bath" not in page
    client.logout()
    log_in(client, ManagerFactory())
    page = _page(client, f"/desk/waitlist/?location={chain['bath'].pk}")
    assert "Barbara Bath" in page and "Anya Anywhere" in page and "Brenda Bristol" not in page


def test_the_client_joining_the_waitlist_waits_at_the_location_they_picked(client, chain):
    barbara = chain["barbara"]
    log_in(client, barbara)
    client.get(f"/bookings/book/{chain['treatment'].slug}/?location={chain['bath'].pk}")
    response = client.post(
        f"/bookings/waitlist/{chain['treatment'].slug}/",
        {"areas": ["face"], "first_day": MONDAY, "last_day": MONDAY + timedelta(days=5), "note": ""},
    )
    assert response.status_code == 302
    assert WaitlistEntry.objects.get(client=barbara).location == chain["bath"]


def test_the_review_queue_shows_clients_coming_to_the_location_and_those_not_booked_yet(client, chain):
    IntakeFactory(client=chain["brenda"])
    IntakeFactory(client=chain["barbara"])
    IntakeFactory(client=ClientFactory(first_name="Nina", last_name="Notbooked"))
    HealthUpdateFactory(
        client=chain["barbara"], appointment_id=chain["at_bath"].pk, anything_changed=True, details="New medication"
    )
    HealthUpdateFactory(
        client=chain["brenda"], appointment_id=chain["at_bristol"].pk, anything_changed=True, details="New medication"
    )
    reviewer = StaffPractitionerFactory(home_location=chain["bath"])
    log_in(client, reviewer)
    page = _page(client, f"/consultations/review/?location={chain['bristol'].pk}")  # not theirs
    assert "Barbara Bath" in page and "Nina Notbooked" in page
    assert "Brenda Bristol" not in page
    client.logout()
    log_in(client, ManagerFactory())
    page = _page(client, f"/consultations/review/?location={chain['bristol'].pk}")
    assert "Brenda Bristol" in page and "Nina Notbooked" in page and "Barbara Bath" not in page


def _message(appointment, key: str) -> OutboundMessage:
    return OutboundMessage.objects.create(
        kind="booking_confirmation",
        recipient=appointment.client if appointment else ClientFactory(first_name="Ivy", last_name="Invited"),
        appointment_id=appointment.pk if appointment else None,
        due_at=timezone.now() - timedelta(minutes=5),
        idempotency_key=key,
    )


def test_the_message_log_shows_one_locations_messages_and_refuses_another_sites_by_address(client, chain):
    at_bristol = _message(chain["at_bristol"], "bristol")
    at_bath = _message(chain["at_bath"], "bath")
    _message(None, "no-session")
    log_in(client, FrontDeskFactory(home_location=chain["bristol"]))
    page = _page(client, f"/messages/?location={chain['bath'].pk}")
    assert "Brenda Bristol" in page and "Ivy Invited" in page and "Barbara Bath" not in page
    assert client.get(f"/messages/{at_bath.pk}/").status_code == 403
    assert client.post(f"/messages/{at_bath.pk}/resend/").status_code == 403
    assert client.get(f"/messages/{at_bristol.pk}/").status_code == 200
    client.logout()
    log_in(client, ManagerFactory())
    page = _page(client, f"/messages/?location={chain['bath'].pk}")
    assert "Barbara Bath" in page and "Brenda Bristol" not in page
    assert client.get(f"/messages/{at_bath.pk}/").status_code == 200


@pytest.mark.parametrize(
    "url", ["/desk/week/?week={monday}", "/desk/waitlist/", "/messages/", "/consultations/review/"]
)
def test_the_filtered_pages_read_as_many_queries_for_many_rows_as_for_few(client, chain, url):
    from bookings.services.waitlist import waitlist_join

    url = url.format(monday=MONDAY)
    manager = ManagerFactory()

    def count() -> int:
        log_in(client, manager)
        client.get(url + ("&" if "?" in url else "?") + f"location={chain['bristol'].pk}")  # warm
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    def rows_for(person, appointment, key):
        _message(appointment, key)
        IntakeFactory(client=person)
        waitlist_join(
            client=person,
            treatment=chain["treatment"],
            areas=["face"],
            first_day=MONDAY,
            last_day=MONDAY + timedelta(days=3),
            joined_by=person,
            location=chain["bristol"],
        )

    rows_for(chain["brenda"], chain["at_bristol"], "first")  # one of each: then five more
    few = count()
    for n in range(5):
        person = ClientFactory(first_name="More", last_name=f"Client {n}")
        appointment = AppointmentFactory(
            client=person,
            treatment=chain["treatment"],
            practitioner=chain["ben"],
            room=chain["at_bristol"].room,
            starts_at=datetime.combine(MONDAY + timedelta(days=n), time(14), tzinfo=chain["bristol"].tz),
        )
        rows_for(person, appointment, f"more-{n}")
    assert count() == few
