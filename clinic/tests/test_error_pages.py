"""The 403, 404 and 500 pages are the site's own: in its layout, with a way back, and under
`make run` (local settings) too, whose DEBUG is off so that a 404 does not list the site's URL
patterns."""

import os
import subprocess
import sys

import pytest
from django.test import Client, override_settings
from django.urls import path

from clinic.tests.factories import log_in
from clinic.urls import urlpatterns as site_urlpatterns

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("a bug in a view")


urlpatterns = [path("boom/", _boom), *site_urlpatterns]


def _in_layout(html: str) -> None:
    assert 'class="site-header"' in html
    assert "/static/css/app.css" in html
    assert '<link rel="icon" href="/static/img/favicon.svg"' in html


def test_a_missing_page_is_a_404_in_the_layout_with_a_way_home(client, clinic_profile):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    _in_layout(html)
    assert "We can’t find that page" in html
    assert 'href="/">Go to the home page</a>' in html
    assert "URLconf" not in html


def test_a_signed_in_client_is_sent_back_to_their_own_home(client, client_user, clinic_profile):
    log_in(client, client_user)
    html = client.get("/no-such-page/").content.decode()
    assert 'href="/home/">Go to your home page</a>' in html
    assert "Log out" in html  # the client's own navigation is there


def test_a_staff_page_refuses_a_client_with_the_403_page(client, client_user, clinic_profile):
    log_in(client, client_user)
    response = client.get("/desk/day/")
    assert response.status_code == 403
    html = response.content.decode()
    _in_layout(html)
    assert "This page isn’t open to you" in html
    assert 'href="/home/">Go to your home page</a>' in html


@override_settings(ROOT_URLCONF=__name__)
def test_a_crash_is_the_500_page_in_the_layout(clinic_profile):
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    _in_layout(html)
    assert "Something went wrong on our side" in html
    assert 'href="/">Go to the home page</a>' in html
    assert "RuntimeError" not in html


def test_make_run_settings_have_debug_off_and_still_serve_static_files():
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_DEBUG"}
    env["DJANGO_SETTINGS_MODULE"] = "clinic.settings.local"
    shown = subprocess.run(  # noqa: S603 (our own settings)
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings;"
            " print(settings.DEBUG, settings.WHITENOISE_USE_FINDERS)",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout.split() == ["False", "True"]


def test_an_expired_form_gets_the_sites_csrf_page(clinic_profile):
    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"login": "a@b.example", "password": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    _in_layout(html)
    assert "That form had expired" in html
