# ruff: noqa: F811 (pytest fixtures imported from screens_fixtures are redefined as arguments)
"""The busy-times query behind every calendar: its SQL is compiled once per process and shape,
but the rows are read afresh on every call, so a time a booking took a moment ago is never
offered on the client's month calendar."""

import itertools
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.models import Appointment, TimeOff
from bookings.selectors.busy import _busy_sql, busy_queryset
from bookings.services.appointments import appointment_book
from bookings.tests.screens_fixtures import (  # noqa: F401 (fixtures)
    MONDAY,
    at,
    cleared_client,
    make_cleared_client,
    monday_morning,
    screens_clinic,
)
from clinic import compiled_queries
from clinic.tests.factories import log_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("client_id", "exclude_appointment_id", "location_id"), list(itertools.product((None, 41), (None, 42), (None, 43)))
)
def test_the_kept_sql_is_what_the_orm_compiles_for_these_values(client_id, exclude_appointment_id, location_id):
    values = {
        "treatment_id": 40,
        "client_id": client_id,
        "exclude_appointment_id": exclude_appointment_id,
        "location_id": location_id,
        "range_start": datetime(2026, 12, 1, 0, 0, tzinfo=UTC),
        "range_end": datetime(2027, 1, 5, 0, 0, tzinfo=UTC),
    }
    compiled = busy_queryset(**values).query.get_compiler(using="default").as_sql()
    for _ in range(2):  # compiled on the first call, kept for the second
        sql, params = _busy_sql(**values)
        assert (sql, _plain(params)) == (compiled[0], _plain(compiled[1]))


@pytest.mark.parametrize(
    ("client_id", "room_ids", "practitioner_ids"),
    [(None, [44, 45], [46]), (41, [44], [46, 47, 48]), (41, [44, 45], []), (None, [], [46])],
)
def test_one_locations_rooms_and_practitioners_are_kept_per_shape(client_id, room_ids, practitioner_ids):
    """wip/loc12's one-location arms (rooms, practitioners, client) with the lower bound on
    starts_at: the kept SQL is the ORM's, and it is kept (not compiled on every call)."""
    values = {
        "treatment_id": 40,
        "client_id": client_id,
        "exclude_appointment_id": None,
        "location_id": 43,
        "range_start": datetime(2026, 12, 1, 0, 0, tzinfo=UTC),
        "range_end": datetime(2027, 1, 5, 0, 0, tzinfo=UTC),
        "earliest_start": datetime(2026, 11, 30, 0, 0, tzinfo=UTC),
        "room_ids": room_ids,
        "practitioner_ids": practitioner_ids,
    }
    compiled = busy_queryset(**values).query.get_compiler(using="default").as_sql()
    compiled_queries._compiled.clear()
    for _ in range(2):
        sql, params = _busy_sql(**values)
        assert (sql, _plain(params)) == (compiled[0], _plain(compiled[1]))
        assert len(compiled_queries._compiled) == 1
    other = {**values, "room_ids": [900 + n for n in range(len(room_ids))], "client_id": client_id and 77}
    compiled = busy_queryset(**other).query.get_compiler(using="default").as_sql()
    assert _plain(_busy_sql(**other)[1]) == _plain(compiled[1])
    assert len(compiled_queries._compiled) == 1


def _plain(params) -> list:
    # psycopg's JSON wrapper has no equality of its own: compare what it wraps.
    return [(type(param).__name__, param.obj) if hasattr(param, "obj") else param for param in params]


def _free_times(html: str, day) -> int:
    cell = re.search(rf'<a class="day-button[^"]*"[^>]*data-day="{day}">.*?<span class="day-note">(\d+)<', html)
    return int(cell.group(1)) if cell else 0


def test_a_time_booked_a_moment_ago_leaves_the_month_calendar_at_once(
    client, screens_clinic, cleared_client, monday_morning, front_desk
):
    """Both practitioners are free at 09:00 on Wednesday; once two other clients take them, the
    calendar's count for the day drops and 09:00 is gone from its times, on the very next page."""
    wednesday = MONDAY + timedelta(days=2)
    calendar = f"{reverse('book_calendar', kwargs={'slug': 'microneedling'})}?areas=face&month={wednesday:%Y-%m}"
    times = f"{reverse('book_times', kwargs={'slug': 'microneedling'})}?areas=face&day={wednesday}"
    log_in(client, cleared_client)
    before = _free_times(client.get(calendar).content.decode(), wednesday)
    assert before > 0
    assert ">09:00<" in client.get(times, HTTP_HX_REQUEST="true").content.decode()

    for _ in screens_clinic.practitioners:
        appointment_book(
            client=make_cleared_client(), treatment=screens_clinic.treatment, areas=["face"],
            starts_at=at(wednesday, "09:00"), booked_by=front_desk,
        )  # fmt: skip

    assert 0 < _free_times(client.get(calendar).content.decode(), wednesday) < before
    assert ">09:00<" not in client.get(times, HTTP_HX_REQUEST="true").content.decode()


def test_writes_that_bypass_the_services_reach_the_next_calendar_page_too(
    client, screens_clinic, cleared_client, monday_morning, front_desk
):
    """Nothing about appointments or time off is cached, not even behind a signal: a session
    cancelled with a bulk ``update`` (a script, the admin's bulk action) gives its time back,
    and time off written with ``bulk_create`` (no signal at all) takes it away, on the next page."""
    wednesday = MONDAY + timedelta(days=2)
    calendar = f"{reverse('book_calendar', kwargs={'slug': 'microneedling'})}?areas=face&month={wednesday:%Y-%m}"
    times = f"{reverse('book_times', kwargs={'slug': 'microneedling'})}?areas=face&day={wednesday}"
    log_in(client, cleared_client)
    booked = [
        appointment_book(
            client=make_cleared_client(), treatment=screens_clinic.treatment, areas=["face"],
            starts_at=at(wednesday, "09:00"), booked_by=front_desk,
        )
        for _ in screens_clinic.practitioners
    ]  # fmt: skip
    full = _free_times(client.get(calendar).content.decode(), wednesday)
    assert ">09:00<" not in client.get(times, HTTP_HX_REQUEST="true").content.decode()

    Appointment.objects.filter(pk__in=[a.pk for a in booked]).update(
        status=Appointment.Status.CANCELLED, cancelled_at=timezone.now()
    )
    assert _free_times(client.get(calendar).content.decode(), wednesday) > full
    assert ">09:00<" in client.get(times, HTTP_HX_REQUEST="true").content.decode()

    TimeOff.objects.bulk_create(
        TimeOff(practitioner=p, starts_at=at(wednesday, "08:00"), ends_at=at(wednesday, "12:00"), reason="Training")
        for p in screens_clinic.practitioners
    )
    assert ">09:00<" not in client.get(times, HTTP_HX_REQUEST="true").content.decode()
    assert _free_times(client.get(calendar).content.decode(), wednesday) < full
