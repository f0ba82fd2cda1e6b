"""The records pages: in the navigation of whom they are for, and a fixed number of queries
whatever the number of rows they list."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clinic.models import ClinicProfile
from clinic.tests.factories import ClientFactory, ManagerFactory, log_in
from records.erasure import erasure_request
from records.models import ImportRun


def queries(browser, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert browser.get(url).status_code == 200
    return len(captured)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["records:erasures", "records:import_csv"])
def test_manager_lists_take_the_same_queries_for_1_or_30_rows(client, clinic_profile, name):
    manager = ManagerFactory()
    log_in(client, manager)

    def add_rows(count):
        for _ in range(count):
            erasure_request(client=ClientFactory())
            ImportRun.objects.create(kind="clients", file_name="imports/x.csv", uploaded_by=ManagerFactory())

    add_rows(1)
    url = reverse(name)
    queries(client, url)  # warm the caches of the shell
    one = queries(client, url)
    add_rows(29)
    assert queries(client, url) == one


@pytest.mark.django_db
def test_clients_and_managers_find_the_pages_in_the_navigation(client, clinic_profile):
    log_in(client, ClientFactory())
    page = client.get(reverse("dashboard")).content.decode()
    assert reverse("records:my_export") in page
    log_in(client, ManagerFactory())
    page = client.get(reverse("dashboard")).content.decode()
    assert reverse("records:import_csv") in page and reverse("records:erasures") in page


@pytest.mark.django_db
def test_the_export_document_takes_the_same_queries_however_many_rows(full_client, clinic_profile):
    from clinic.models import OutboundMessage
    from records.export import client_export_document

    # The clinic's profile is read once per process and set-up change (clinic.setup_cache): warm
    # it, or the first document pays one query the second does not.
    ClinicProfile.get()
    with CaptureQueriesContext(connection) as before:
        client_export_document(client=full_client)
    for n in range(10):
        OutboundMessage.objects.create(
            kind="reminder", recipient=full_client, idempotency_key=f"more-{n}", due_at=full_client.date_joined
        )
    with CaptureQueriesContext(connection) as after:
        client_export_document(client=full_client)
    assert len(after) == len(before)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data", "budget"),
    [
        ("records:my_marketing", {"channels": ["email"]}, 12),
        ("records:my_export", {}, 12),
        ("records:my_erasure", {"confirm": "on"}, 13),
    ],
)
def test_each_post_of_a_client_stays_within_its_query_budget(
    client, clinic_profile, django_assert_max_num_queries, name, data, budget
):
    log_in(client, ClientFactory())
    # The set-up cache (the clinic's profile, which the time-zone middleware reads on every
    # request) is loaded once per process and set-up change, not per request: not part of a budget.
    ClinicProfile.get()
    with django_assert_max_num_queries(budget):
        assert client.post(reverse(name), data).status_code == 302
