"""Who may open which consultations page: every URL x every role x own or another's object.
Plus the audit of staff reads and the query counts of the review queue."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic import roles
from clinic.models import AuditEntry
from clinic.tests.factories import ClientFactory, FrontDeskFactory, ManagerFactory, PractitionerFactory, log_in
from consultations.selectors import review_queue
from consultations.tests.factories import DraftIntakeFactory, HealthUpdateFactory, IntakeFactory, clean_answers

pytestmark = pytest.mark.django_db

ANON, CLIENT, DESK, PRACTITIONER, MANAGER = "anonymous", "client", "front_desk", "practitioner", "manager"


@pytest.fixture
def world(consent_text, sessions):
    me = ClientFactory()
    someone = ClientFactory()
    sessions[(me.pk, 4242)] = sessions[(someone.pk, 4243)] = timezone.localdate()
    mine = IntakeFactory(client=me)
    theirs = IntakeFactory(client=someone)
    DraftIntakeFactory(client=me, version=mine.version + 1)
    my_update = HealthUpdateFactory(client=me, anything_changed=True, details="New medicine")
    their_update = HealthUpdateFactory(client=someone, anything_changed=True, details="Sunburn")
    return {
        "people": {
            CLIENT: me,
            DESK: FrontDeskFactory(),
            PRACTITIONER: PractitionerFactory(),
            MANAGER: ManagerFactory(),
        },
        "own": {"intake": mine, "update": my_update, "client": me, "appointment_id": 4242},
        "other": {"intake": theirs, "update": their_update, "client": someone, "appointment_id": 4243},
    }


def url_for(name, objects):
    return {
        "home": reverse("consultations:home"),
        "intake_step": reverse("consultations:intake_step", args=["about"]),
        "intake_sign": reverse("consultations:intake_sign"),
        "intake_detail": reverse("consultations:intake_detail", args=[objects["intake"].pk]),
        "consent_pdf": reverse("consultations:consent_pdf", args=[objects["intake"].pk]),
        "health_update": reverse("consultations:health_update", args=[objects["appointment_id"]]),
        "review_queue": reverse("consultations:review_queue"),
        "intake_review": reverse("consultations:intake_review", args=[objects["intake"].pk]),
        "health_update_detail": reverse("consultations:health_update_detail", args=[objects["update"].pk]),
        "client_clearance": reverse("consultations:client_clearance", args=[objects["client"].pk]),
    }[name]


# url name -> {role: (status for own object, status for another's object)}
MATRIX = {
    "home": {ANON: 302, CLIENT: 200, DESK: 403, PRACTITIONER: 403, MANAGER: 403},
    "intake_step": {ANON: 302, CLIENT: 200, DESK: 403, PRACTITIONER: 403, MANAGER: 403},
    "intake_sign": {ANON: 302, CLIENT: 200, DESK: 403, PRACTITIONER: 403, MANAGER: 403},
    "intake_detail": {ANON: 302, CLIENT: (200, 404), DESK: 403, PRACTITIONER: 302, MANAGER: 302},
    "consent_pdf": {ANON: 302, CLIENT: (200, 404), DESK: 403, PRACTITIONER: 200, MANAGER: 200},
    "health_update": {ANON: 302, CLIENT: (200, 404), DESK: 403, PRACTITIONER: 403, MANAGER: 403},
    "review_queue": {ANON: 302, CLIENT: 403, DESK: 403, PRACTITIONER: 200, MANAGER: 200},
    "intake_review": {ANON: 302, CLIENT: 403, DESK: 403, PRACTITIONER: 200, MANAGER: 200},
    "health_update_detail": {ANON: 302, CLIENT: 403, DESK: 403, PRACTITIONER: 200, MANAGER: 200},
    "client_clearance": {ANON: 302, CLIENT: 403, DESK: 200, PRACTITIONER: 200, MANAGER: 200},
}

CASES = [(name, role, whose) for name, by_role in MATRIX.items() for role in by_role for whose in ("own", "other")]


def test_the_matrix_covers_every_consultations_url():
    from consultations.urls import urlpatterns

    assert {pattern.name for pattern in urlpatterns} == set(MATRIX)


@pytest.mark.parametrize(("name", "role", "whose"), CASES)
def test_access_matrix(client, world, name, role, whose):
    if role != ANON:
        log_in(client, world["people"][role])
    expected = MATRIX[name][role]
    if isinstance(expected, tuple):
        expected = expected[0] if whose == "own" else expected[1]
    response = client.get(url_for(name, world[whose]))
    assert response.status_code == expected, f"{name} as {role} ({whose}): {response.status_code}"


def test_a_client_cannot_post_a_decision_or_a_review(client, world):
    me = world["people"][CLIENT]
    log_in(client, me)
    response = client.post(
        reverse("consultations:intake_review", args=[world["own"]["intake"].pk]),
        {"action": "decline", "decline-reason": "I decline myself, please."},
    )
    assert response.status_code == 403
    world["own"]["intake"].refresh_from_db()
    assert world["own"]["intake"].status == "pending"


def test_front_desk_sees_the_clearance_status_but_never_the_answers(client, world):
    log_in(client, world["people"][DESK])
    other = world["other"]
    # A new version (sent answers themselves cannot be changed) that names a medicine.
    IntakeFactory(client=other["client"], answers=clean_answers(medications="Warfarin 5mg"))
    html = client.get(url_for("client_clearance", other)).content.decode()
    assert "A practitioner will review your answers." in html
    assert "Warfarin" not in html
    assert "Open the consultation form" not in html
    assert not AuditEntry.objects.filter(action="medical_answers_viewed").exists()


def test_every_staff_read_of_medical_answers_is_audited(client, world):
    practitioner = world["people"][PRACTITIONER]
    log_in(client, practitioner)
    intake = world["other"]["intake"]
    client.get(url_for("intake_review", world["other"]))
    client.get(url_for("consent_pdf", world["other"]))
    client.get(url_for("health_update_detail", world["other"]))
    entries = AuditEntry.objects.filter(actor=practitioner, subject=intake.client)
    assert set(entries.values_list("action", flat=True)) == {
        "medical_answers_viewed",
        "consent_pdf_downloaded",
        "health_update_viewed",
    }


def test_a_client_reading_their_own_answers_is_not_a_staff_read(client, world):
    log_in(client, world["people"][CLIENT])
    client.get(url_for("intake_detail", world["own"]))
    assert not AuditEntry.objects.exists()


def test_review_queue_selector_query_count_stays_flat(django_assert_num_queries, practitioner):
    roles.roles_of(practitioner)
    IntakeFactory()
    with django_assert_num_queries(2):
        assert len(review_queue(viewer=practitioner)) == 1
    for _ in range(6):
        IntakeFactory()
    with django_assert_num_queries(2):
        assert len(review_queue(viewer=practitioner)) == 7


def _queue_page_queries(client, practitioner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("consultations:review_queue"))
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_review_queue_page_query_count_is_the_same_for_1_and_many_rows(client, practitioner):
    log_in(client, practitioner)
    client.get(reverse("consultations:review_queue"))  # the session's first request does its own queries
    IntakeFactory(answers={"areas": ["face"]}, client__first_name="Oldest")
    HealthUpdateFactory(anything_changed=True, details="x", session_date=timezone.localdate() + timedelta(days=1))
    one, _ = _queue_page_queries(client, practitioner)
    for _ in range(8):
        IntakeFactory(answers={"areas": ["neck"], "diabetes": True})
        HealthUpdateFactory(anything_changed=True, details="y")
    many, html = _queue_page_queries(client, practitioner)
    assert one == many
    assert html.index("Oldest") < html.index("Neck")  # oldest first


def test_staff_cannot_open_a_form_the_client_has_not_sent(client, practitioner):
    draft = DraftIntakeFactory()
    log_in(client, practitioner)
    assert client.get(reverse("consultations:intake_review", args=[draft.pk])).status_code == 404


def test_the_front_desk_clearance_page_never_loads_the_answers_column(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    log_in(client, world["people"][DESK])
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url_for("client_clearance", world["other"]))
    assert response.status_code == 200
    sql = " ".join(query["sql"] for query in captured.captured_queries)
    assert '"answers"' not in sql
    assert '"details"' not in sql


def test_a_refused_decision_shows_the_answers_again_and_that_read_is_audited(client, world):
    """A decision the service refuses re-renders the page with every answer: a read like any other."""
    practitioner = world["people"][PRACTITIONER]
    log_in(client, practitioner)
    intake, update = world["other"]["intake"], world["other"]["update"]
    response = client.post(url_for("intake_review", world["other"]), {"action": "decline", "decline-reason": "No."})
    assert response.status_code == 200
    assert "Please give the client a reason" in response.content.decode()
    response = client.post(url_for("health_update_detail", world["other"]), {"outcome": "review_again", "note": ""})
    assert "Tell the client what to update" in response.content.decode()
    assert "Sunburn" in response.content.decode()
    actions = list(
        AuditEntry.objects.filter(actor=practitioner, subject=intake.client).values_list("action", "target_id")
    )
    assert ("medical_answers_viewed", str(intake.pk)) in actions
    assert ("health_update_viewed", str(update.pk)) in actions


def _page_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_review_page_and_client_home_take_the_same_queries_for_one_or_many_versions(client, practitioner):
    """The review page lists every version with its flags, the client's home every sent version
    with its signed consent: neither queries once per version or flag."""
    log_in(client, practitioner)
    client.get(reverse("consultations:review_queue"))  # the session's first request does its own queries
    first = IntakeFactory(answers={"areas": ["face"], "diabetes": True})
    first.flags.create(rule_code="diabetes", severity="relative", title="Diabetes", reason="Said yes.")
    one = _page_queries(client, reverse("consultations:intake_review", args=[first.pk]))
    owner = first.client
    for n in range(5):
        later = IntakeFactory(client=owner)
        for code in ("diabetes", "keloid", "blood_thinners")[: n % 3 + 1]:
            later.flags.create(rule_code=code, severity="relative", title=code, reason="Said yes.")
    many = _page_queries(client, reverse("consultations:intake_review", args=[later.pk]))
    assert one == many

    log_in(client, owner)
    client.get(reverse("consultations:home"))
    home_many = _page_queries(client, reverse("consultations:home"))
    single = IntakeFactory().client
    log_in(client, single)
    client.get(reverse("consultations:home"))
    assert _page_queries(client, reverse("consultations:home")) == home_many
