"""The practitioner's decisions, the property that absolute flags never yield a clearance, and
health updates."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from clinic.clock import clinic_today, local_time_on
from clinic.models import AuditEntry, OutboundMessage
from clinic.tests.factories import ClientFactory
from consultations import services
from consultations.areas import Area
from consultations.intake_steps import STEP_CODES
from consultations.messages import ConsultationKind
from consultations.models import Clearance, HealthUpdate, Intake, IntakeFlag, IntakeStatus
from consultations.screening import approval_problems, screen
from consultations.selectors import clearance_check, health_update_status
from consultations.tests.factories import ClearanceFactory, ConsentTextFactory, DraftIntakeFactory, clean_answers

pytestmark = pytest.mark.django_db


def submitted(client=None, **answers):
    """An intake sent through the real service (flags screened and stored)."""
    client = client or ClientFactory()
    DraftIntakeFactory(client=client, answers=clean_answers(**answers), steps_done=list(STEP_CODES))
    return services.intake_submit(client=client, full_name="Test Client", agreed=True)


def approve(intake, practitioner, **overrides):
    arguments = {
        "intake": intake,
        "decided_by": practitioner,
        "areas": intake.requested_areas,
        "max_needle_depth_mm": Decimal("1.5"),
        "planned_sessions": 3,
        "valid_until": clinic_today() + timedelta(days=365),
        "acknowledged_flag_ids": [],
    }
    arguments.update(overrides)
    return services.intake_approve(**arguments)


def test_approval_creates_the_clearance_messages_the_client_and_plans_the_expiry_notice(consent_text, practitioner):
    intake = submitted(areas=["face", "neck"])
    clearance = approve(intake, practitioner, areas=["neck"], planned_sessions=4)
    intake.refresh_from_db()
    assert intake.status == IntakeStatus.APPROVED
    assert (clearance.areas, clearance.planned_sessions, clearance.decided_by) == (["neck"], 4, practitioner)
    check = clearance_check(client=intake.client, treatment_slug="microneedling", areas=["neck"], on=clinic_today())
    assert check.ok
    decision = OutboundMessage.objects.get(kind=ConsultationKind.INTAKE_DECISION)
    assert decision.recipient == intake.client and decision.context["decision"] == "approved"
    expiring = OutboundMessage.objects.get(kind=ConsultationKind.CLEARANCE_EXPIRING)
    assert expiring.due_at.date() == clearance.valid_until - timedelta(days=30)
    assert AuditEntry.objects.filter(action="intake_approved", actor=practitioner).exists()


def test_approval_without_acknowledging_every_relative_flag_is_refused_and_nothing_is_written(
    consent_text, practitioner
):
    intake = submitted(diabetes=True, keloid_scarring=True)
    diabetes = intake.flags.get(rule_code="diabetes")
    with pytest.raises(ValidationError) as refused:
        approve(intake, practitioner, acknowledged_flag_ids=[diabetes.pk])
    assert "Acknowledge “Keloid or hypertrophic scarring” before approving." in refused.value.messages
    assert not Clearance.objects.exists()
    assert not OutboundMessage.objects.exists()
    intake.refresh_from_db()
    assert intake.status == IntakeStatus.PENDING

    approve(intake, practitioner, acknowledged_flag_ids=list(intake.flags.values_list("pk", flat=True)))
    assert set(IntakeFlag.objects.filter(intake=intake).values_list("acknowledged_by", flat=True)) == {practitioner.pk}


def test_an_absolute_flag_blocks_its_area_but_not_the_others(consent_text, practitioner):
    intake = submitted(areas=["face", "thighs"], condition_cold_sores=["face"])
    with pytest.raises(ValidationError) as refused:
        approve(intake, practitioner, areas=["face", "thighs"])
    assert "decline or defer" in refused.value.messages[0]
    clearance = approve(intake, practitioner, areas=["thighs"])
    assert clearance.areas == ["thighs"]


def test_decision_inputs_are_checked(consent_text, practitioner):
    intake = submitted()
    with pytest.raises(ValidationError) as refused:
        approve(
            intake,
            practitioner,
            areas=["back"],
            max_needle_depth_mm="9",
            planned_sessions=0,
            valid_until=clinic_today(),
        )
    messages = " ".join(refused.value.messages)
    for expected in ("needle depth", "planned number", "after today", "did not ask for back"):
        assert expected in messages
    with pytest.raises(ValidationError):
        services.intake_decline(intake=intake, decided_by=practitioner, reason="no")
    with pytest.raises(ValidationError):
        services.intake_defer(intake=intake, decided_by=practitioner, until=clinic_today())
    with pytest.raises(ValidationError):
        services.intake_ask(intake=intake, decided_by=practitioner, question="")
    assert Intake.objects.get(pk=intake.pk).status == IntakeStatus.PENDING


def test_decline_defer_and_ask_tell_the_client(consent_text, practitioner):
    declined = services.intake_decline(
        intake=submitted(), decided_by=practitioner, reason="Micro-needling is not safe with your condition."
    )
    until = clinic_today() + timedelta(days=90)
    deferred = services.intake_defer(intake=submitted(), decided_by=practitioner, until=until)
    asked = services.intake_ask(
        intake=submitted(), decided_by=practitioner, question="Which blood thinner do you take?"
    )
    today = clinic_today()
    assert (
        clearance_check(client=declined.client, treatment_slug="microneedling", areas=[], on=today).code == "declined"
    )
    deferred_check = clearance_check(client=deferred.client, treatment_slug="microneedling", areas=[], on=today)
    assert (deferred_check.code, deferred_check.available_from) == ("deferred", until)
    assert clearance_check(client=asked.client, treatment_slug="microneedling", areas=[], on=today).code == "pending"
    decisions = OutboundMessage.objects.filter(kind=ConsultationKind.INTAKE_DECISION)
    assert sorted(m.context["decision"] for m in decisions) == ["declined", "deferred", "question"]


def test_a_decision_on_a_form_already_decided_or_replaced_is_refused(consent_text, practitioner):
    intake = submitted()
    services.intake_ask(intake=intake, decided_by=practitioner, question="When did you stop?")
    with pytest.raises(ValidationError, match="no longer waiting"):
        approve(intake, practitioner)
    # The client answers by amending: a new version replaces the old one.
    services.intake_step_save(
        client=intake.client, step="more", values={**clean_answers(), "other_allergies": "Plasters"}
    )
    newer = services.intake_submit(client=intake.client, full_name="Test Client", agreed=True, client_note="In May")
    assert newer.version == 2 and newer.client_note == "In May"
    intake.refresh_from_db()
    assert intake.superseded_at is not None


def test_front_desk_cannot_decide(consent_text, front_desk):
    with pytest.raises(PermissionDenied):
        approve(submitted(), front_desk)


# --- The property ------------------------------------------------------------------------------

AREA_LISTS = st.lists(st.sampled_from(Area.values), unique=True, max_size=3)
PAST_DAYS = st.integers(min_value=0, max_value=800)


@st.composite
def risky_answers(draw):
    today = clinic_today()
    answers = {
        key: draw(st.booleans())
        for key in (
            "pregnant_or_breastfeeding",
            "keloid_scarring",
            "blood_thinners",
            "diabetes",
            "allergy_lidocaine",
        )
    }
    for key in ("condition_infection", "condition_cold_sores", "condition_skin_cancer", "condition_acne"):
        answers[key] = draw(AREA_LISTS)
    if draw(st.booleans()):
        answers["isotretinoin"] = True
        if draw(st.booleans()):
            answers["isotretinoin_current"] = True
        else:
            answers["isotretinoin_stopped"] = (today - timedelta(days=draw(PAST_DAYS))).isoformat()
    if draw(st.booleans()):
        answers["radiation_therapy"] = True
        answers["radiation_last"] = (today - timedelta(days=draw(PAST_DAYS))).isoformat()
    answers["areas"] = draw(st.lists(st.sampled_from(Area.values), unique=True, min_size=1, max_size=4))
    return answers


@settings(max_examples=300, deadline=None)
@given(answers=risky_answers(), chosen=st.lists(st.sampled_from(Area.values), unique=True, min_size=1))
def test_property_the_rules_never_allow_an_area_an_absolute_flag_covers(answers, chosen):
    flags = screen(clean_answers(**answers), clinic_today())
    everything_acknowledged = {flag.rule_code for flag in flags}
    if not approval_problems(flags=flags, areas=set(chosen), acknowledged_codes=everything_acknowledged):
        assert not any(flag.covers(area) for flag in flags if flag.severity == "absolute" for area in chosen)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answers=risky_answers(), chosen=st.lists(st.sampled_from(Area.values), unique=True, min_size=1))
def test_property_no_answers_with_an_absolute_flag_for_an_area_ever_yield_a_clearance_for_it(
    consent_text, practitioner, answers, chosen
):
    """Through the real services and database: submit, then try to approve with every flag
    acknowledged; whatever comes out never clears an area an absolute flag covers."""
    with transaction.atomic():
        intake = submitted(**answers)
        try:
            approve(
                intake,
                practitioner,
                areas=chosen,
                acknowledged_flag_ids=list(intake.flags.values_list("pk", flat=True)),
            )
        except ValidationError:
            pass
        absolute = [f for f in intake.flags.all() if f.severity == "absolute"]
        cleared = Clearance.objects.filter(intake=intake).exists()
        event(f"cleared={cleared}, absolute flags={bool(absolute)}")
        for clearance in Clearance.objects.filter(intake=intake):
            for flag in absolute:
                assert not flag.areas or not set(flag.areas) & set(clearance.areas)
                assert flag.areas, "an all-areas absolute flag never allows a clearance"
        transaction.set_rollback(True)


# --- Health updates ----------------------------------------------------------------------------


def test_a_reported_change_sends_the_client_back_to_review_and_alerts_practitioners(practitioner):
    clearance = ClearanceFactory()
    client = clearance.client
    other_practitioner = clearance.decided_by
    session = clinic_today() + timedelta(days=3)
    update = services.health_update_submit(
        client=client,
        appointment_id=77,
        session_date=session,
        anything_changed=True,
        details="I started warfarin last week",
        submitted_by=client,
    )
    alerts = OutboundMessage.objects.filter(kind=ConsultationKind.HEALTH_CHANGE_ALERT)
    assert {m.recipient for m in alerts} == {practitioner, other_practitioner}
    assert all("warfarin" not in str(m.context) for m in alerts)
    assert {m.appointment_id for m in alerts} == {77}
    today = clinic_today()
    assert clearance_check(client=client, treatment_slug="microneedling", areas=["face"], on=session).code == (
        "health_review"
    )
    starts = local_time_on(session, time(9))
    assert health_update_status(client=client, appointment_id=77, starts_at=starts).code == "needs_review"
    # A later "nothing changed" cannot withdraw it.
    with pytest.raises(ValidationError, match="already told us"):
        services.health_update_submit(
            client=client,
            appointment_id=77,
            session_date=session,
            anything_changed=False,
            details="",
            submitted_by=client,
        )
    services.health_update_review(health_update=update, reviewed_by=practitioner, outcome="still_cleared")
    assert health_update_status(client=client, appointment_id=77, starts_at=starts).code == "ok"
    assert clearance_check(client=client, treatment_slug="microneedling", areas=["face"], on=today).ok


def test_a_change_that_needs_a_new_review_withdraws_the_clearance_and_asks_the_client(practitioner):
    clearance = ClearanceFactory()
    client = clearance.client
    update = services.health_update_submit(
        client=client,
        appointment_id=78,
        session_date=clinic_today() + timedelta(days=1),
        anything_changed=True,
        details="I am pregnant",
        submitted_by=client,
    )
    with pytest.raises(ValidationError):
        services.health_update_review(health_update=update, reviewed_by=practitioner, outcome="review_again")
    services.health_update_review(
        health_update=update, reviewed_by=practitioner, outcome="review_again", note="Please update your form."
    )
    clearance.refresh_from_db()
    assert clearance.revoked_at is not None
    intake = clearance.intake
    intake.refresh_from_db()
    assert (intake.status, intake.decision_note) == (IntakeStatus.QUESTION, "Please update your form.")
    assert clearance_check(client=client, treatment_slug="microneedling", areas=[], on=clinic_today()).code == (
        "pending"
    )


def test_health_update_bad_input(client_user, front_desk):
    today = clinic_today()
    base = {"client": client_user, "appointment_id": 5, "submitted_by": client_user, "details": ""}
    with pytest.raises(ValidationError, match="week before"):
        services.health_update_submit(session_date=today + timedelta(days=8), anything_changed=False, **base)
    with pytest.raises(ValidationError, match="already taken place"):
        services.health_update_submit(session_date=today - timedelta(days=1), anything_changed=False, **base)
    with pytest.raises(ValidationError, match="what has changed"):
        services.health_update_submit(session_date=today, anything_changed=True, **base)
    stranger = ClientFactory()
    with pytest.raises(ValidationError, match="Only the client"):
        services.health_update_submit(session_date=today, anything_changed=False, **{**base, "submitted_by": stranger})
    assert not HealthUpdate.objects.exists()
    # The front desk may answer for the client at the desk.
    services.health_update_submit(session_date=today, anything_changed=False, **{**base, "submitted_by": front_desk})
    assert HealthUpdate.objects.get().submitted_by == front_desk


def test_dates_are_the_clinics_and_the_expiry_notice_goes_at_9_local_across_dst(practitioner, clinic_profile):
    clinic_profile.time_zone = "Pacific/Auckland"
    clinic_profile.save()
    # 20:00 UTC on 1 March is already 2 March in Auckland (UTC+13 in summer).
    with time_machine.travel(datetime(2026, 3, 1, 20, 0, tzinfo=UTC), tick=False):
        assert clinic_today() == date(2026, 3, 2)
        DraftIntakeFactory(client=ClientFactory(), answers=clean_answers(), steps_done=list(STEP_CODES))
        intake = Intake.objects.get(status=IntakeStatus.DRAFT)
        ConsentTextFactory()
        intake = services.intake_submit(client=intake.client, full_name="Test Client", agreed=True)
        # Valid until 2 Aug: the notice is due 3 July, 09:00 in Auckland's winter (UTC+12).
        clearance = approve(intake, practitioner, valid_until=date(2026, 8, 2))
    assert clearance.valid_from == date(2026, 3, 2)
    notice = OutboundMessage.objects.get(kind=ConsultationKind.CLEARANCE_EXPIRING)
    assert notice.due_at == datetime(2026, 7, 2, 21, 0, tzinfo=UTC)


def test_the_messages_consultations_plans_read_well(consent_text, practitioner, clinic_profile):
    from clinic.composing import message_compose

    intake = submitted()
    services.intake_defer(
        intake=intake,
        decided_by=practitioner,
        until=clinic_today() + timedelta(days=100),
        reason="Please wait until your skin has settled.",
    )
    decision = message_compose(message=OutboundMessage.objects.get(kind=ConsultationKind.INTAKE_DECISION))
    assert "Please wait until your skin has settled." in decision.text
    assert "/consultations/" in decision.text

    cleared = approve(submitted(), practitioner)
    expiring = message_compose(message=OutboundMessage.objects.get(kind=ConsultationKind.CLEARANCE_EXPIRING))
    assert f"{cleared.valid_until:%-d %B %Y}" in expiring.subject
    assert "micro-needling" in expiring.text

    update = services.health_update_submit(
        client=cleared.client,
        appointment_id=55,
        session_date=clinic_today() + timedelta(days=1),
        anything_changed=True,
        details="Cold sore on my lip",
        submitted_by=cleared.client,
    )
    alert = message_compose(message=OutboundMessage.objects.filter(kind=ConsultationKind.HEALTH_CHANGE_ALERT)[0])
    assert f"/consultations/health-updates/{update.pk}/" in alert.text
    assert "Cold sore" not in alert.text + alert.html + alert.sms


def test_after_a_new_review_clears_the_client_the_flagged_session_is_in_order_again(practitioner, consent_text):
    clearance = ClearanceFactory()
    client = clearance.client
    session = clinic_today() + timedelta(days=2)
    update = services.health_update_submit(
        client=client,
        appointment_id=79,
        session_date=session,
        anything_changed=True,
        details="Started a new medicine",
        submitted_by=client,
    )
    services.health_update_review(
        health_update=update, reviewed_by=practitioner, outcome="review_again", note="Please add the medicine."
    )
    starts = local_time_on(session, time(9))
    assert health_update_status(client=client, appointment_id=79, starts_at=starts).code == "needs_review"
    services.intake_step_save(client=client, step="health", values={**clean_answers(), "medications": "Metformin"})
    newer = services.intake_submit(client=client, full_name="Test Client", agreed=True)
    approve(newer, practitioner)
    assert health_update_status(client=client, appointment_id=79, starts_at=starts).code == "ok"
    check = clearance_check(client=client, treatment_slug="microneedling", areas=["face"], on=session)
    assert check.ok, check
