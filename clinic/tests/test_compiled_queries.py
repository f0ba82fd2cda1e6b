"""A queryset compiled once per shape answers exactly what the queryset itself answers, for any
values: the rows are read live, only the SQL text is kept."""

import threading
from datetime import date, timedelta

import pytest
from django.db import connections
from django.db.models import Q
from django.utils import timezone

from clinic import compiled_queries
from clinic.compiled_queries import compiled_list
from clinic.models import Location, User
from clinic.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _people(*, ids, joined_after, email_part, location_id):
    rows = User.objects.filter(pk__in=ids, date_joined__gt=joined_after).exclude(last_name=email_part)
    if location_id is not None:
        rows = rows.filter(Q(home_location_id=location_id) | Q(home_location__isnull=True))
    return rows.select_related("home_location").order_by("email")


def _emails_containing(*, part):
    return User.objects.filter(email__contains=part).values_list("email", flat=True)


def _emails_joined(*, on_or_after: date):
    return User.objects.filter(date_joined__date__gte=on_or_after).order_by("email").values_list("email", flat=True)


def _same(rows_a, rows_b):
    return [(u.pk, u.email, u.home_location_id) for u in rows_a] == [
        (u.pk, u.email, u.home_location_id) for u in rows_b
    ]


def test_each_call_reads_its_own_values_through_one_compiled_shape():
    compiled_queries._compiled.clear()
    now = timezone.now()
    people = [UserFactory(email=f"{name}@example.com") for name in ("ada", "bea", "cyd", "dot")]
    ids = [p.pk for p in people]
    asked = [
        {"ids": ids[:2], "joined_after": now - timedelta(days=1), "email_part": "x", "location_id": None},
        {"ids": ids[2:], "joined_after": now - timedelta(days=1), "email_part": "x", "location_id": None},
        {"ids": ids[1:3], "joined_after": now + timedelta(days=1), "email_part": "x", "location_id": None},
    ]
    for values in asked:
        assert _same(compiled_list(_people, **values), _people(**values))
    people[3].last_name = "Left-out"
    people[3].save(update_fields=["last_name"])
    assert [u.email for u in compiled_list(_people, **{**asked[1], "email_part": "Left-out"})] == ["cyd@example.com"]
    assert [u.email for u in compiled_list(_people, **asked[1])] == ["cyd@example.com", "dot@example.com"]
    assert compiled_list(_people, **asked[2]) == []
    assert len(compiled_queries._compiled) == 1


def test_a_value_the_sql_does_not_carry_as_it_came_is_compiled_every_time():
    """``contains`` sends ``%value%``: no stand-in to replace, so the shape is not kept."""
    compiled_queries._compiled.clear()
    UserFactory(email="gus@example.com")
    assert compiled_list(_emails_containing, part="gus@") == ["gus@example.com"]
    assert compiled_list(_emails_containing, part="nobody") == []
    assert compiled_queries._compiled == {}


def test_a_value_given_or_not_is_another_shape_and_related_rows_come_along():
    compiled_queries._compiled.clear()
    here = Location.default()
    person = UserFactory(email="eve@example.com", home_location=here)
    values = {"ids": [person.pk], "joined_after": timezone.now() - timedelta(days=1), "email_part": "x"}
    found = compiled_list(_people, **values, location_id=here.pk)
    assert [u.email for u in found] == ["eve@example.com"]
    assert found[0].home_location.name == here.name  # select_related filled in, no query
    assert compiled_list(_people, **values, location_id=here.pk + 1000) == []
    assert [u.email for u in compiled_list(_people, **values, location_id=None)] == ["eve@example.com"]
    assert len(compiled_queries._compiled) == 2


def test_dates_lists_of_other_lengths_and_empty_lists():
    compiled_queries._compiled.clear()
    UserFactory(email="fay@example.com")
    today = timezone.localdate()
    assert compiled_list(_emails_joined, on_or_after=today) == list(_emails_joined(on_or_after=today))
    assert "fay@example.com" in compiled_list(_emails_joined, on_or_after=today)
    assert compiled_list(_emails_joined, on_or_after=today + timedelta(days=2)) == []
    values = {"joined_after": timezone.now() - timedelta(days=1), "email_part": "x", "location_id": None}
    assert compiled_list(_people, ids=[], **values) == []
    ids = list(User.objects.values_list("pk", flat=True))
    assert _same(compiled_list(_people, ids=ids, **values), _people(ids=ids, **values))


@pytest.mark.django_db(transaction=True)
def test_a_shape_compiled_in_one_thread_runs_on_another_threads_connection():
    """A threaded server or worker: each call uses its own thread's connection."""
    compiled_queries._compiled.clear()
    person = UserFactory(email="hal@example.com")
    values = {"ids": [person.pk], "joined_after": timezone.now() - timedelta(days=1), "email_part": "x"}
    assert [u.email for u in compiled_list(_people, **values, location_id=None)] == ["hal@example.com"]
    found = []

    def other_thread():
        try:
            found.extend(u.email for u in compiled_list(_people, **values, location_id=None))
        finally:
            connections.close_all()

    worker = threading.Thread(target=other_thread)
    worker.start()
    worker.join()
    assert found == ["hal@example.com"]
