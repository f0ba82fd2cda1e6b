"""A manager changing the spacing rules: the floor of a micro-needling-type treatment's minimum
(service, admin, database), and the booked sessions a change of the minimum, the maximum or the
clinic's time zone would leave outside the rules, shown before anything is saved."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from bookings.models import Appointment, Treatment
from bookings.services.catalogue import treatment_save
from bookings.spacing_changes import sessions_not_fitting_treatment_change
from bookings.tests.conftest import MONDAY, at, days
from bookings.tests.factories import AppointmentFactory, TreatmentFactory
from clinic.models import AuditEntry, ClinicProfile
from clinic.rule_changes import ChangeNeedsConfirmation
from clinic.tests.factories import ClientFactory

pytestmark = pytest.mark.usefixtures("frozen_monday")


def session(clinic, client, day, hhmm="10:00", *, areas=("face",), number=0, **extra):
    return AppointmentFactory(
        client=client,
        treatment=clinic.treatment,
        practitioner=clinic.practitioners[number % 2],
        room=clinic.rooms[number % 2],
        starts_at=at(day, hhmm),
        areas=list(areas),
        **extra,
    )


def treatment_form(treatment: Treatment, **changes) -> dict:
    data = {
        "name": treatment.name,
        "slug": treatment.slug,
        "description": treatment.description,
        "is_active": "on",
        "bookable_online": "on",
        "numbing_minutes": treatment.numbing_minutes,
        "max_needling_minutes": treatment.max_needling_minutes,
        "turnover_minutes": treatment.turnover_minutes,
        "spacing_min_days": treatment.spacing_min_days,
        "spacing_max_days": treatment.spacing_max_days,
        "planned_sessions": treatment.planned_sessions,
        "areas-TOTAL_FORMS": "0",
        "areas-INITIAL_FORMS": "0",
        "areas-MIN_NUM_FORMS": "0",
        "areas-MAX_NUM_FORMS": "1000",
    }
    return {**data, **changes}


# --- The floor ---------------------------------------------------------------------------------


def test_the_service_refuses_a_minimum_below_the_floor_and_saves_nothing(clinic, manager):
    treatment = Treatment.objects.get(pk=clinic.treatment.pk)
    treatment.spacing_min_days = 7
    with pytest.raises(ValidationError) as error:
        treatment_save(treatment=treatment, saved_by=manager)

    assert error.value.message_dict == {
        "spacing_min_days": [
            "A micro-needling-type treatment needs at least 28 days between sessions on the same area "
            "(the clinic's floor): 7 is too few."
        ]
    }
    assert Treatment.objects.get(pk=treatment.pk).spacing_min_days == 28
    assert not AuditEntry.objects.filter(action__startswith="treatment.").exists()


def test_the_floor_comes_from_the_settings_and_a_treatment_that_does_not_needle_has_none(clinic, manager, settings):
    settings.TREATMENT_SPACING_MIN_FLOOR_DAYS = 35
    treatment = Treatment.objects.get(pk=clinic.treatment.pk)
    treatment.spacing_min_days = 30
    with pytest.raises(ValidationError, match="at least 35 days"):
        treatment_save(treatment=treatment, saved_by=manager)

    treatment.spacing_min_days, treatment.spacing_max_days = 35, 49
    treatment_save(treatment=treatment, saved_by=manager)
    facial = Treatment(slug="facial", name="Facial", needles_skin=False, spacing_min_days=7, spacing_max_days=14)
    treatment_save(treatment=facial, saved_by=manager)

    assert Treatment.objects.get(pk=treatment.pk).spacing_min_days == 35
    assert Treatment.objects.get(slug="facial").spacing_min_days == 7
    entry = AuditEntry.objects.get(action="treatment.updated")
    assert entry.actor == manager
    assert entry.details["changes"] == {"spacing_min_days": [28, 35], "spacing_max_days": [42, 49]}


def test_a_treatment_created_below_the_floor_is_refused(manager, db):
    new = Treatment(slug="dermapen", name="Dermapen", spacing_min_days=14, spacing_max_days=42)
    with pytest.raises(ValidationError, match="at least 28 days"):
        treatment_save(treatment=new, saved_by=manager)
    assert not Treatment.objects.filter(slug="dermapen").exists()


def test_only_a_manager_changes_a_treatment(clinic, front_desk):
    from django.core.exceptions import PermissionDenied

    treatment = Treatment.objects.get(pk=clinic.treatment.pk)
    treatment.spacing_min_days = 35
    with pytest.raises(PermissionDenied):
        treatment_save(treatment=treatment, saved_by=front_desk)
    assert Treatment.objects.get(pk=treatment.pk).spacing_min_days == 28


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the check constraint as PostgreSQL holds it")
def test_the_database_refuses_a_micro_needling_minimum_below_28_days(clinic):
    with pytest.raises(IntegrityError, match="treatment_spacing_min_at_floor"), transaction.atomic():
        Treatment.objects.filter(pk=clinic.treatment.pk).update(spacing_min_days=7)
    Treatment.objects.filter(pk=clinic.treatment.pk).update(needles_skin=False, spacing_min_days=7)
    assert Treatment.objects.get(pk=clinic.treatment.pk).spacing_min_days == 7


def test_the_admin_refuses_a_minimum_below_the_floor_with_the_reason(manager_admin, clinic):
    url = reverse("admin:bookings_treatment_change", args=[clinic.treatment.pk])
    response = manager_admin.post(url, treatment_form(clinic.treatment, spacing_min_days=7, spacing_max_days=14))

    assert response.status_code == 200
    assert "needs at least 28 days between sessions on the same area" in response.content.decode()
    assert Treatment.objects.get(pk=clinic.treatment.pk).spacing_min_days == 28

    add = manager_admin.post(
        reverse("admin:bookings_treatment_add"),
        treatment_form(clinic.treatment, slug="dermapen", name="Dermapen", needles_skin="on", spacing_min_days=7),
    )
    assert "needs at least 28 days between sessions on the same area" in add.content.decode()
    assert not Treatment.objects.filter(slug="dermapen").exists()


def test_the_admin_saves_through_the_service_and_the_kind_is_fixed_after_creation(manager_admin, clinic, manager):
    url = reverse("admin:bookings_treatment_change", args=[clinic.treatment.pk])
    page = manager_admin.get(url).content.decode()
    response = manager_admin.post(url, treatment_form(clinic.treatment, spacing_min_days=30, spacing_max_days=45))

    assert response.status_code == 302
    assert 'name="needles_skin"' not in page  # read-only: unticking it would lift the floor
    assert (Treatment.objects.get(pk=clinic.treatment.pk).spacing_min_days, Treatment.objects.get().needles_skin) == (
        30,
        True,
    )
    entry = AuditEntry.objects.get(action="treatment.updated")
    assert entry.actor == manager and entry.details["changes"]["spacing_min_days"] == [28, 30]

    # A new treatment that does not needle the skin (box unticked) has no floor.
    added = manager_admin.post(
        reverse("admin:bookings_treatment_add"),
        treatment_form(clinic.treatment, slug="facial", name="Facial", spacing_min_days=14, spacing_max_days=21),
    )
    assert added.status_code == 302
    facial = Treatment.objects.get(slug="facial")
    assert (facial.needles_skin, facial.spacing_min_days) == (False, 14)
    assert AuditEntry.objects.get(action="treatment.created").target_id == str(facial.pk)


def test_the_settings_check_refuses_a_floor_below_what_the_database_holds(settings):
    from bookings.checks import spacing_floor_setting

    settings.TREATMENT_SPACING_MIN_FLOOR_DAYS = 21
    assert [error.id for error in spacing_floor_setting()] == ["bookings.E001"]
    settings.TREATMENT_SPACING_MIN_FLOOR_DAYS = 35
    assert spacing_floor_setting() == []


def test_the_migration_raises_a_treatment_below_the_floor_and_records_it(db):
    from importlib import import_module

    from django.apps import apps

    legacy = TreatmentFactory(slug="legacy", needles_skin=False, spacing_min_days=7, spacing_max_days=14)
    import_module("bookings.migrations.0005_treatment_spacing_floor").raise_to_floor(apps, None)

    legacy.refresh_from_db()
    assert (legacy.spacing_min_days, legacy.spacing_max_days) == (28, 28)
    entry = AuditEntry.objects.get(action="treatment.spacing_raised_to_floor")
    assert entry.details["before"] == {"spacing_min_days": 7, "spacing_max_days": 14}


# --- Which booked sessions no longer fit --------------------------------------------------------


@pytest.fixture
def thirty_days_apart(clinic):
    """Jane Doe: face sessions on Wednesday 3 June and Friday 3 July 2026 (30 days)."""
    jane = ClientFactory(first_name="Jane", last_name="Doe")
    first = session(clinic, jane, MONDAY + days(2))
    second = session(clinic, jane, MONDAY + days(32), number=1, course=first.course)
    return first, second


def test_raising_the_minimum_lists_the_sessions_that_no_longer_fit_and_saves_nothing(
    clinic, manager, thirty_days_apart
):
    first, second = thirty_days_apart
    treatment = Treatment.objects.get(pk=clinic.treatment.pk)
    treatment.spacing_min_days, treatment.spacing_max_days = 35, 49

    with pytest.raises(ChangeNeedsConfirmation) as asked:
        treatment_save(treatment=treatment, saved_by=manager)

    [misfit] = asked.value.misfits
    assert (misfit.appointment_id, misfit.client_name, misfit.gap_days) == (second.pk, "Jane Doe", 30)
    assert misfit.reason == (
        "30 days after the session on Wednesday 3 June 2026, on the same area: closer than the minimum of 35 days."
    )
    assert Treatment.objects.get(pk=treatment.pk).spacing_min_days == 28

    treatment_save(treatment=treatment, saved_by=manager, save_anyway=True)
    assert Treatment.objects.get(pk=treatment.pk).spacing_min_days == 35
    second.refresh_from_db()
    assert second.status == Appointment.Status.BOOKED  # nothing changed for the session
    assert AuditEntry.objects.get(action="treatment.updated").details["sessions_not_fitting"] == [second.pk]


def test_lowering_the_maximum_lists_sessions_too_far_after_the_previous_one_of_their_course(clinic, thirty_days_apart):
    first, second = thirty_days_apart
    stored = Treatment.objects.get(pk=clinic.treatment.pk)

    [misfit] = sessions_not_fitting_treatment_change(treatment=stored, spacing_min_days=28, spacing_max_days=29)

    assert misfit.appointment_id == second.pk
    assert misfit.reason == (
        "30 days after the previous session of its course, on Wednesday 3 June 2026: later than the maximum of 29 days."
    )
    assert sessions_not_fitting_treatment_change(treatment=stored, spacing_min_days=28, spacing_max_days=60) == []


def test_past_pairs_cancelled_sessions_and_other_areas_are_not_listed(clinic):
    jane = ClientFactory()
    session(clinic, jane, MONDAY - days(70))  # two past sessions 30 days apart
    session(clinic, jane, MONDAY - days(40), number=1)
    session(clinic, jane, MONDAY + days(10))  # 50 days after the last one
    session(clinic, jane, MONDAY + days(45), status=Appointment.Status.CANCELLED)
    session(clinic, jane, MONDAY + days(47), areas=["thighs"], number=1)
    stored = Treatment.objects.get(pk=clinic.treatment.pk)

    assert sessions_not_fitting_treatment_change(treatment=stored, spacing_min_days=40, spacing_max_days=60) == []
    [listed] = sessions_not_fitting_treatment_change(treatment=stored, spacing_min_days=51, spacing_max_days=60)
    assert listed.starts_at.date() == (MONDAY + days(10))


def test_a_session_that_already_did_not_fit_is_not_listed_again(clinic, thirty_days_apart):
    # The minimum went from 28 to 31 earlier (saved anyway): the pair 30 days apart stays booked.
    Treatment.objects.filter(pk=clinic.treatment.pk).update(spacing_min_days=31)
    stored = Treatment.objects.get(pk=clinic.treatment.pk)
    assert sessions_not_fitting_treatment_change(treatment=stored, spacing_min_days=40, spacing_max_days=60) == []


def test_the_preview_runs_one_query_for_one_client_or_twenty(clinic, django_assert_num_queries):
    stored = Treatment.objects.get(pk=clinic.treatment.pk)
    ClinicProfile.get()
    made = 0
    for count in (1, 20):
        for _ in range(count):
            client = ClientFactory()
            session(clinic, client, MONDAY + days(2 + made))
            session(clinic, client, MONDAY + days(32 + made), number=1)
            made += 1
        with django_assert_num_queries(1):  # the sessions (the clinic's zone is in the set-up cache)
            found = sessions_not_fitting_treatment_change(treatment=stored, spacing_min_days=35, spacing_max_days=49)
        assert len(found) == Appointment.objects.count() // 2


def test_the_admin_shows_the_list_then_saves_with_save_anyway_for_that_change(manager_admin, clinic, thirty_days_apart):
    url = reverse("admin:bookings_treatment_change", args=[clinic.treatment.pk])
    data = treatment_form(clinic.treatment, spacing_min_days=35, spacing_max_days=49)

    asked = manager_admin.post(url, data)
    page = asked.content.decode()
    assert asked.status_code == 200
    assert "1 booked session would no longer fit the rules after this change" in page
    assert "Jane Doe" in page and "Friday 3 July 2026, 10:00" in page
    assert "closer than the minimum of 35 days" in page
    assert 'name="save_anyway" id="id_save_anyway" value="35-49"' in page
    assert Treatment.objects.get(pk=clinic.treatment.pk).spacing_min_days == 28

    # "Save anyway" ticked for the change shown, but the manager typed another minimum: asked again.
    again = manager_admin.post(url, {**data, "spacing_min_days": 40, "save_anyway": "35-49"})
    assert "would no longer fit" in again.content.decode()
    assert Treatment.objects.get(pk=clinic.treatment.pk).spacing_min_days == 28

    saved = manager_admin.post(url, {**data, "save_anyway": "35-49"})
    assert saved.status_code == 302
    assert Treatment.objects.get(pk=clinic.treatment.pk).spacing_min_days == 35
