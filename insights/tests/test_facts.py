"""The session facts follow every change to the appointments, whatever path made it (the ORM, a
queryset update, bulk_create, raw SQL, a deletion), and a change of set-up: after each, the
refreshed facts are those a full rebuild works out, and the reports show the change."""

import pytest
from django.db import connection

from bookings.models import Appointment, Course, Treatment
from clinic.models import Location
from insights.facts import COLUMNS, facts_rebuild, facts_refresh
from insights.models import SessionFact, StaleClient
from insights.selectors.attendance import attendance, rebooking
from insights.selectors.scope import Scope
from insights.tasks import facts_refresh as refresh_task

from .conftest import OCTOBER, S, at, session

pytestmark = pytest.mark.django_db

OCT = Scope(*OCTOBER)


def _facts() -> list[tuple]:
    return list(SessionFact.objects.order_by("appointment_id").values_list(*COLUMNS))


def _refreshed_as_rebuilt() -> list[tuple]:
    """The facts after a refresh, checked against a rebuild of every fact from nothing."""
    facts_refresh()
    assert not StaleClient.objects.exists()
    refreshed = _facts()
    facts_rebuild()
    assert _facts() == refreshed
    return refreshed


def test_every_kind_of_write_queues_its_client_and_the_refresh_catches_up(hand_built):
    people = hand_built.people
    _refreshed_as_rebuilt()
    a1 = hand_built.a1

    # A model save: A's 5 October session becomes a no-show.
    a1.status = S.NO_SHOW
    a1.save()
    assert set(StaleClient.objects.values_list("client_id", flat=True)) == {people["A"].pk}
    _refreshed_as_rebuilt()
    assert attendance(OCT)["total"].counts["no_show"] == 2

    # A queryset update (what a bulk status change or the admin's action does) moves B's session
    # of 25 October to New York: 10:00 in London (on GMT since that night) is 06:00 there (still
    # on summer time until 1 November), the same day.
    moved = Appointment.objects.get(client=people["B"], starts_at=at("2026-10-25", "10:00"))
    Appointment.objects.filter(pk=moved.pk).update(room=hand_built.new_york_room)
    _refreshed_as_rebuilt()
    fact = SessionFact.objects.get(pk=moved.pk)
    assert (fact.location_id, fact.local_day.isoformat(), fact.local_hour) == (hand_built.new_york.pk, "2026-10-25", 6)

    # bulk_create: C books a session in her new course's window the same day she came (20 Oct).
    c_session = Appointment.objects.get(client=people["C"], starts_at=at("2026-10-20", "14:00"))
    [rebooked] = Appointment.objects.bulk_create(
        [
            Appointment(
                client=people["C"],
                treatment=hand_built.treatment,
                course=hand_built.courses["C2"],
                practitioner=hand_built.p1,
                room=hand_built.bristol_room,
                starts_at=at("2026-11-24", "10:00"),
                needling_starts_at=at("2026-11-24", "10:30"),
                needling_ends_at=at("2026-11-24", "11:15"),
                ends_at=at("2026-11-24", "11:30"),
                channel="staff",
                created_at=at("2026-10-20", "15:40"),
            )
        ]
    )
    _refreshed_as_rebuilt()
    fact = SessionFact.objects.get(pk=c_session.pk)
    assert (fact.rebooked_same_day, fact.rebooked_in_window, fact.last_of_course) == (True, True, False)
    assert SessionFact.objects.get(pk=rebooked.pk).last_of_course is True

    # Raw SQL, past the ORM: the new session is cancelled; C's session is back to no next one.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE bookings_appointment SET status = 'cancelled', cancelled_at = now() WHERE id = %s", [rebooked.pk]
        )
    _refreshed_as_rebuilt()
    fact = SessionFact.objects.get(pk=c_session.pk)
    assert (fact.rebooked_same_day, fact.rebooked_in_window, fact.last_of_course) == (True, False, True)
    assert fact.closes_on.isoformat() == "2026-12-01"  # 20 Oct + 42 days

    # Finishing the course (a change to the course, not to a session) takes it off the lapsed list.
    course = hand_built.courses["C2"]
    course.status = Course.Status.FINISHED
    course.save()
    _refreshed_as_rebuilt()
    assert SessionFact.objects.get(pk=c_session.pk).closes_on is None

    # A deletion takes the session's facts with it.
    Appointment.objects.filter(pk=rebooked.pk).delete()
    _refreshed_as_rebuilt()
    assert not SessionFact.objects.filter(pk=rebooked.pk).exists()
    # A's 5 October session is a no-show now, and C's booking of that day is gone: none left.
    assert rebooking(OCT)["same_day"] == 0


def test_a_change_of_set_up_queues_every_fact(hand_built):
    _refreshed_as_rebuilt()
    before = SessionFact.objects.get(pk=hand_built.a1.pk)
    assert before.local_hour == 10

    Location.objects.filter(pk=hand_built.bristol.pk).update(time_zone="Europe/Berlin")
    assert list(StaleClient.objects.values_list("client_id", flat=True)) == [None]
    _refreshed_as_rebuilt()
    assert SessionFact.objects.get(pk=hand_built.a1.pk).local_hour == 11

    # A wider window: H's 49-day gap is no longer late.
    Treatment.objects.filter(pk=hand_built.treatment.pk).update(spacing_max_days=56)
    assert list(StaleClient.objects.values_list("client_id", flat=True)) == [None]
    _refreshed_as_rebuilt()
    h_second = Appointment.objects.get(client=hand_built.people["H"], starts_at=at("2026-10-08", "09:00"))
    fact = SessionFact.objects.get(pk=h_second.pk)
    assert (fact.gap_days, fact.gap_late) == (49, False)


def test_a_change_the_facts_do_not_depend_on_queues_only_its_client(hand_built):
    """Changing anything of an appointment queues its client: the refresh is the only judge of
    what changed. Changing a treatment's price, a room's name or a location's phone queues
    nothing."""
    facts_refresh()
    Treatment.objects.filter(pk=hand_built.treatment.pk).update(name="Renamed")
    hand_built.bristol_room.name = "Bristol One"
    hand_built.bristol_room.save()
    Location.objects.filter(pk=hand_built.bristol.pk).update(phone="0117 000 0000")
    assert not StaleClient.objects.exists()
    session(
        hand_built,
        hand_built.people["G"],
        hand_built.courses["G"],
        at("2026-10-30", "10:00"),
    )
    assert list(StaleClient.objects.values_list("client_id", flat=True)) == [hand_built.people["G"].pk]


def test_beat_works_the_queue_off_every_minute(hand_built, settings):
    entry = settings.CELERY_BEAT_SCHEDULE["insights-facts-refresh"]
    assert (entry["task"], entry["schedule"]) == ("insights.facts_refresh", 60.0)
    facts_refresh()
    hand_built.a1.status = S.NO_SHOW
    hand_built.a1.save()
    assert refresh_task() == 1
    assert not StaleClient.objects.exists()
    assert SessionFact.objects.get(pk=hand_built.a1.pk).outcome == SessionFact.Outcome.NO_SHOW
