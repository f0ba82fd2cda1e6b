"""Every page that shows medical words: staff reads write one audit row per page view, and no
cache keeps a copy (``Cache-Control: private, no-store``).

The lists below sort every named URL of the site (allauth's account pages and the Django admin
aside) and every model of the admin registry into "shows medical words" or not, with the reason.
The first two tests walk the URL conf and the registry: a new page or admin that nobody sorted
fails them, so whoever adds one decides, and the tests after them hold the decision.

"Medical words" are intake answers, contraindication flags and the review decisions, health
updates, reaction notes, check-in comments and the bodies of clinical messages. The world is the
demo clinic with this module's own medical strings typed in (the site crawl's ``build_site``).
"""

import pytest
from django.contrib import admin
from django.db import transaction
from django.test import Client
from django.urls import get_resolver, reverse

from clinic.message_kinds import clinical_kinds
from clinic.models import AuditEntry, OutboundMessage
from clinic.tests.factories import log_in
from clinic.tests.test_site_crawl import QUESTION, _walk, build_site

# url name -> path parameters (as kinds of the demo's objects); staff reads, audited, no-store.
STAFF_READS = {
    "consultations:review_queue": {},
    "consultations:intake_review": {"pk": "intake"},
    "consultations:health_update_detail": {"pk": "changed_health_update"},
    "consultations:consent_pdf": {"pk": "intake"},
    "aftercare_plan": {"plan_id": "plan"},
    "aftercare_plan_pdf": {"plan_id": "plan"},
    "aftercare_worried": {},
    "message_detail": {"pk": "message"},
}
# The client's own medical words: no-store (a client reading their own record is not audited).
CLIENT_PAGES = {
    "consultations:home": {},
    "consultations:intake_step": {"step": "health"},
    "consultations:intake_sign": {},
    "consultations:intake_detail": {"pk": "intake"},
    "consultations:consent_pdf": {"pk": "intake"},
    "consultations:health_update": {"appointment_id": "appointment"},
    "aftercare_plan": {"plan_id": "plan"},
    "aftercare_plan_pdf": {"plan_id": "plan"},
    "aftercare_check_in": {"check_in_id": "check_in"},
}
# Staff pages with clinical detail but none of the words above: no-store, not audited.
STAFF_NO_STORE = {
    # The record form shows the clearance (areas, maximum depth) and the skin types prefilled
    # from the intake, never the answers; the record itself is read on the plan page (audited).
    "aftercare_session_record": {"appointment_id": "appointment"},
}
# Before-and-after photos: health data of their own (DESIGN: practitioners and managers, audited).
# Each staff view writes audit rows (aftercare.photos: the page and each photo it shows) and no
# cache keeps one; the per-photo rules are tested in aftercare/tests/test_photos_views.py.
# url name -> (path parameters, the staff role that may open it).
STAFF_PHOTO_PAGES = {
    "photos_session": ({"appointment_id": "photo_appointment"}, "practitioner"),
    "photos_course": ({"course_id": "course"}, "practitioner"),
    "photos_course_review_pdf": ({"course_id": "course"}, "practitioner"),
    "photo_thumb": ({"photo_id": "photo"}, "practitioner"),
    "photo_full": ({"photo_id": "photo"}, "practitioner"),
    "photos_gallery": ({}, "manager"),
    "photo_crop": ({"photo_id": "photo"}, "manager"),
}
CLIENT_PHOTO_PAGES = {"photos_mine": {}}
NOT_MEDICAL = {
    "photo_remove": "POST only",
    "photo_consent_give": "POST only",
    "photo_consent_withdraw": "POST only",
    "home": "the public home page",
    "dashboard": "counts and links; the review queue's entries are on the queue page",
    "clinic_profile_edit": "the clinic's name, address and settings",
    "healthz": "the state of the database and the broker",
    "message_log": "kinds, recipients and statuses of messages, no words",
    "message_log_client": "kinds, subjects (which name the kind only) and statuses",
    "my_messages": "the client's own contact preferences and subjects",
    "message_resend": "POST only: queues a copy, shows nothing",
    "consultations:client_clearance": "the clearance status the front desk may see, no answers",
    "book_start": "booking: treatments",
    "book_areas": "booking: areas",
    "book_calendar": "booking: dates",
    "book_times": "booking: times",
    "book_confirm": "booking: the chosen session",
    "my_appointments": "the client's sessions",
    "my_appointment": "one session, and whether the health update is in (not what it says)",
    "my_appointment_cancel": "cancelling a session",
    "my_appointment_ics": "a calendar file of a session",
    "my_course": "the course's dates",
    "waitlist_join": "dates and areas wanted",
    "waitlist_leave": "POST only",
    "desk_day": "the schedule with status badges the front desk may see",
    "desk_day_sheet": "the printable schedule",
    "desk_week": "a practitioner's week",
    "desk_clients": "finding a client by name",
    "desk_client": "contact details, sessions and clearance status",
    "desk_book_start": "booking for a client",
    "desk_book_areas": "booking for a client",
    "desk_book_calendar": "booking for a client",
    "desk_book_times": "booking for a client",
    "desk_book_confirm": "booking for a client",
    "desk_appointment": "a session with its status badges (and the maximum depth for practitioners)",
    "desk_check_in": "POST only",
    "desk_no_show": "POST only",
    "desk_start": "POST only",
    "desk_cancel": "POST only",
    "desk_health_update": "POST only: records the client's answer, shows nothing",
    "desk_appointment_ics": "a calendar file of a session",
    "desk_waitlist": "who waits for which dates",
    "desk_tablet_open": "POST only: shows the one-time code of a tablet check-in",
    "desk_tablet_status": "whether the client has finished on the tablet, not what they answered",
    "tablet_start": "the tablet's code form",
    "tablet_check_in": "the tablet's health question and consent text, never an answer (no-store all the same: "
    "bookings/tests/test_tablet_check_in.py)",
    "tablet_done": "thank you, with the client's first name",
    "desk_waitlist_join": "adding a client to the waitlist",
    "desk_waitlist_offer": "POST only",
    "practice_day": "the practitioner's day: sessions with clearance status and maximum depth",
    "practice_week": "the practitioner's week",
    "practice_calendar_feed": "the address of the practitioner's calendar feed",
    "calendar_feed": "sessions as calendar events: times, rooms, areas",
    "aftercare_mine": "the client's list of plans: dates and areas",
    "aftercare_plan_for_appointment": "a redirect to the session's plan (whose page is audited and no-store)",
    "aftercare_check_in_seen": "POST only",
    "unsubscribe": "a button that stops marketing messages, reached without logging in",
    "records:my_export": "the client's export requests and their status",
    "records:my_export_download": "a zip of the client's own records: no-store, each download audited "
    "(records/tests/test_export.py)",
    "records:my_erasure": "the client's request to be forgotten",
    "records:my_marketing": "the client's marketing choices",
    "records:erasures": "erasure requests: dates and statuses",
    "records:client_records": "a client's export and erasure status (manager)",
    "records:client_export": "POST only",
    "records:client_export_download": "a zip of a client's records for a manager: no-store, each download "
    "audited (records/tests/test_export.py)",
    "records:client_erasure_confirm": "POST only",
    "records:client_marketing": "POST only",
    "records:import_csv": "the CSV import form and the list of runs (manager)",
    "records:import_run": "an import's report: names, e-mails and booking outcomes, no medical words (manager)",
    "insights:page": "aggregated figures (counts, minutes, rates; deferrals and declines counted by reason "
    "code), no one's answers; its Money tab: takings",
    "insights:csv": "the page's tables as CSV",
    "insights:call_list": "names with course windows and clearance end dates, never why",
    "insights:call_list_remind": "POST only: queues a reminder",
    "payments:pay": "POST only",
    "payments:sell": "POST only",
    "payments:refund": "POST only",
    "payments:receipt_pdf": "a receipt: treatment, areas, amounts and tax",
    "payments:checkout": "a session's price, payments and the next booking",
    "payments:mine": "the client's balance, packages and receipts",
    "payments:prices": "the price list and packages",
    "payments:reports": "takings, prepaid sessions and fees (manager)",
}
# Admin models, by "app_label.model": which pages show medical words ("list", "change").
MEDICAL_ADMIN = {
    "consultations.intake": {"list", "change"},  # status, decision note, the client's reply
    "consultations.healthupdate": {"list", "change"},  # anything changed, the review and its note
    "consultations.clearance": {"list", "change"},  # areas, maximum depth, why it was revoked
    "aftercare.sessionrecord": {"list", "change"},  # reaction, reaction notes, depths per area
    "aftercare.checkin": {"list", "change"},  # the answer and the client's comment
    "clinic.outboundmessage": {"change"},  # a clinical message's body; the list shows no words
}
NOT_MEDICAL_ADMIN = {
    "clinic.user": "people and their roles",
    "clinic.clinicprofile": "the clinic's settings",
    "clinic.location": "a location's address, time zone and hours",
    "clinic.auditentry": "who did what to which record: ids and names, no words",
    "consultations.consenttext": "the consent text every client signs",
    "consultations.consentsignature": "who signed which version when",
    "aftercare.aftercareprotocol": "the clinic's aftercare rules",
    "aftercare.aftercareplan": "dates and the PDF's name; the plan's content is excluded",
    "bookings.treatment": "the catalogue",
    "bookings.practitioner": "staff and hours",
    "bookings.room": "rooms",
    "bookings.timeoff": "time off",
    "bookings.clinicclosure": "closures",
    "bookings.appointment": "sessions and their status changes",
    "bookings.course": "courses of sessions",
    "bookings.waitlistentry": "who waits for which dates",
    "bookings.calendarfeedtoken": "calendar feed tokens",
    "auth.group": "roles",
    "account.emailaddress": "e-mail addresses",
    "mfa.authenticator": "which staff have TOTP set up",
}


def project_url_names() -> set[str]:
    """Every named URL of the project's own apps (allauth's account pages and the Django admin,
    which the registry test covers, aside)."""
    return {
        name
        for route, name in _walk(get_resolver().url_patterns)
        if not route.startswith(("accounts/", "admin/")) and name
    }


def test_every_page_of_the_site_is_sorted_into_medical_or_not():
    medical = set(STAFF_READS) | set(CLIENT_PAGES) | set(STAFF_NO_STORE) | set(STAFF_PHOTO_PAGES)
    declared = medical | set(CLIENT_PHOTO_PAGES) | set(NOT_MEDICAL)
    assert set(NOT_MEDICAL).isdisjoint(medical | set(CLIENT_PHOTO_PAGES))
    assert project_url_names() - declared == set(), "new pages: sort them into the lists above"
    assert declared - project_url_names() == set(), "pages that are gone: take them off the lists"


def test_every_model_of_the_admin_is_sorted_into_medical_or_not():
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert set(MEDICAL_ADMIN).isdisjoint(NOT_MEDICAL_ADMIN)
    assert registered - set(MEDICAL_ADMIN) - set(NOT_MEDICAL_ADMIN) == set(), "sort the new admin models"
    assert set(MEDICAL_ADMIN) | set(NOT_MEDICAL_ADMIN) <= registered, "admin models that are gone"


# --- The demo clinic --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The demo clinic with medical words everywhere, loaded once inside a transaction rolled
    back at the end of the module; each test runs in a savepoint on top of it."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            site = build_site()
            site.own["changed_health_update"] = site.other["health_update"]
            from aftercare.models import SessionPhoto

            site.own["photo_appointment"] = SessionPhoto.objects.get(pk=site.own["photo"]).appointment_id
            yield site
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def demo(world, db):
    return world


def url_for(name: str, parameters: dict, values: dict) -> str:
    return reverse(name, kwargs={key: values.get(kind, kind) for key, kind in parameters.items()})


def as_role(site, role: str) -> Client:
    browser = Client()
    log_in(browser, site.users[role])
    return browser


def audit_rows(user) -> int:
    return AuditEntry.objects.filter(actor=user).count()


def assert_not_cached(response, url):
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    assert {"private", "no-store"} <= directives, f"{url}: Cache-Control {response.get('Cache-Control')!r}"


@pytest.mark.parametrize("name", sorted(STAFF_READS))
def test_each_staff_read_of_medical_words_writes_one_audit_row_per_view_and_is_not_cached(demo, name):
    practitioner = demo.users["practitioner"]
    browser = as_role(demo, "practitioner")
    url = url_for(name, STAFF_READS[name], demo.own)
    for view in (1, 2):
        before = audit_rows(practitioner)
        response = browser.get(url)
        assert response.status_code == 200, url
        assert audit_rows(practitioner) == before + 1, f"{url}: view {view}"
        assert_not_cached(response, url)


@pytest.mark.parametrize("name", sorted(CLIENT_PAGES))
def test_each_page_of_a_clients_own_medical_words_is_not_cached(demo, name):
    if name == "consultations:intake_sign":
        from consultations.services import intake_draft_open

        intake_draft_open(client=demo.users["client"])  # the page signs a draft
    url = url_for(name, CLIENT_PAGES[name], demo.own)
    response = as_role(demo, "client").get(url)
    assert response.status_code == 200, url
    assert_not_cached(response, url)


@pytest.mark.parametrize("name", sorted(STAFF_NO_STORE))
def test_staff_pages_with_clinical_detail_are_not_cached(demo, name):
    url = url_for(name, STAFF_NO_STORE[name], demo.own)
    response = as_role(demo, "practitioner").get(url)
    assert response.status_code == 200, url
    assert_not_cached(response, url)


@pytest.mark.parametrize("name", sorted(STAFF_PHOTO_PAGES))
def test_each_staff_view_of_photos_is_audited_and_not_cached(demo, name):
    parameters, role = STAFF_PHOTO_PAGES[name]
    staff = demo.users[role]
    browser = as_role(demo, role)
    url = url_for(name, parameters, demo.own)
    for view in (1, 2):
        before = audit_rows(staff)
        response = browser.get(url)
        assert response.status_code == 200, url
        assert audit_rows(staff) > before, f"{url}: view {view}"
        assert_not_cached(response, url)


@pytest.mark.parametrize("name", sorted(CLIENT_PHOTO_PAGES))
def test_a_clients_own_photo_pages_are_not_cached(demo, name):
    url = url_for(name, CLIENT_PHOTO_PAGES[name], demo.own)
    response = as_role(demo, "client").get(url)
    assert response.status_code == 200, url
    assert_not_cached(response, url)


def test_the_front_desk_sees_that_a_clinical_message_went_out_not_its_words_and_writes_no_row(demo):
    desk = demo.users["front_desk"]
    message = OutboundMessage.objects.get(pk=demo.own["message"])
    assert QUESTION in message.body_text
    before = audit_rows(desk)
    page = as_role(demo, "front_desk").get(reverse("message_detail", args=[message.pk])).content.decode()
    assert "only practitioners can read it" in page
    assert QUESTION not in page
    assert audit_rows(desk) == before


def _admin_object(label: str, demo):
    from django.apps import apps

    model = apps.get_model(label)
    if label == "clinic.outboundmessage":
        return model.objects.get(pk=demo.own["message"])
    return model.objects.order_by("pk").first()


@pytest.mark.parametrize("label", sorted(MEDICAL_ADMIN))
def test_each_admin_page_with_medical_words_writes_one_audit_row_per_view(demo, label):
    manager = demo.users["manager"]
    browser = as_role(demo, "manager")
    obj = _admin_object(label, demo)
    app_label, model_name = label.split(".")
    pages = {
        "list": reverse(f"admin:{app_label}_{model_name}_changelist"),
        "change": reverse(f"admin:{app_label}_{model_name}_change", args=[obj.pk]),
    }
    for page, url in pages.items():
        for _view in (1, 2):
            before = audit_rows(manager)
            response = browser.get(url)
            assert response.status_code == 200, url
            expected = 1 if page in MEDICAL_ADMIN[label] else 0
            assert audit_rows(manager) == before + expected, f"{label} {page} page"
    entry = AuditEntry.objects.filter(actor=manager, action="admin.medical_record_viewed").latest("pk")
    assert (entry.target_type, entry.target_id) == (label, str(obj.pk))


def test_an_admin_page_of_a_message_that_is_not_clinical_writes_no_row(demo):
    manager = demo.users["manager"]
    reminder = OutboundMessage.objects.exclude(kind__in=clinical_kinds()).first()
    browser = as_role(demo, "manager")
    before = audit_rows(manager)
    assert browser.get(reverse("admin:clinic_outboundmessage_change", args=[reminder.pk])).status_code == 200
    assert audit_rows(manager) == before
