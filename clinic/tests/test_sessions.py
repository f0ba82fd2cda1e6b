"""Signed-in sessions: read from the cache, written at most once a minute while in use, and never
alive longer after the last request than the role's idle minutes."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clinic.sessions import SessionStore
from clinic.tests.factories import ClientFactory, FrontDeskFactory, log_in

pytestmark = pytest.mark.django_db


def _row(client) -> Session:
    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)


def test_a_staff_session_is_written_once_a_minute_and_ends_30_minutes_after_the_last_write(client, clinic_profile):
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False) as traveller:
        log_in(client, FrontDeskFactory())
        assert client.get(reverse("dashboard")).status_code == 200
        assert _row(client).expire_date == start + dt.timedelta(minutes=30)

        traveller.shift(dt.timedelta(seconds=40))
        assert client.get(reverse("dashboard")).status_code == 200
        assert _row(client).expire_date == start + dt.timedelta(minutes=30)  # not written again

        traveller.shift(dt.timedelta(seconds=20))
        assert client.get(reverse("dashboard")).status_code == 200
        assert _row(client).expire_date == start + dt.timedelta(minutes=31)

        traveller.shift(dt.timedelta(seconds=30))  # a request the minute does not save
        assert client.get(reverse("dashboard")).status_code == 200
        traveller.shift(dt.timedelta(minutes=29, seconds=31))  # 30 minutes after the last write
        response = client.get(reverse("dashboard"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_a_session_is_read_from_the_cache_and_from_the_database_without_it(client, clinic_profile):
    log_in(client, ClientFactory())
    client.get(reverse("dashboard"))
    with CaptureQueriesContext(connection) as cached:
        client.get(reverse("dashboard"))
    assert not any("django_session" in query["sql"] for query in cached.captured_queries)

    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert cache.delete(SessionStore.cache_key_prefix + key)  # Redis lost it: the row still signs in
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200 and response.context["user"].is_authenticated


def test_a_session_ended_in_the_database_is_over_whatever_the_cache_holds(client, clinic_profile):
    log_in(client, ClientFactory())
    client.get(reverse("dashboard"))
    start = timezone.now()
    with time_machine.travel(start + dt.timedelta(hours=12, minutes=1), tick=False):
        response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_logging_out_ends_the_session_in_the_cache_too(client, clinic_profile):
    log_in(client, ClientFactory())
    client.get(reverse("dashboard"))
    old_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post(reverse("account_logout"))
    client.cookies[settings.SESSION_COOKIE_NAME] = old_cookie  # someone replays the old cookie
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
