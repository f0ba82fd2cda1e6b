"""Demo consultations: clients in every state, made through the real services. Idempotent: a
client who already has a consultation form is left alone.

Clients 0-13 are cleared (various areas), each some hours after their form came in, so that the
booking demo can book them: valid 12 months from two months ago, or for two of them from nearly a
year ago, so that their clearance ends within the call list's 30 days. The others are waiting for
review, asked a question, declined, deferred, or half-way through their form.
"""

from datetime import timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from clinic import roles
from clinic.clock import clinic_today

from . import services
from .intake_steps import STEPS, answers_with_nothing_to_report, from_json
from .models import Clearance, Intake

CLEARED_AREAS = [
    ["face", "neck"],
    ["face", "neck", "decolletage"],
    ["face"],
    ["face", "neck"],
    ["abdomen", "thighs"],
    ["face", "neck", "decolletage"],
    ["face", "neck"],
    ["face"],
    ["face", "neck", "decolletage"],
    ["thighs"],
    ["face", "neck"],
    ["face", "hands"],
    ["face", "neck", "decolletage"],
    ["face", "neck"],
]
# Hours each cleared client's form waited for the practitioner's decision (the insights page's
# median time from submission to decision).
DECISION_HOURS = (3, 20, 6, 44, 27, 2, 68, 9, 30, 5, 50, 16, 22, 4)
# Two cleared clients had their consultation nearly a year ago: their clearance ends in this many
# days, inside the front desk's call list's 30 days.
EXPIRING_SOON = {3: 12, 8: 25}
# Hours the forms of clients 16-18, decided today, waited.
DECIDED_TODAY_HOURS = {16: 31, 17: 54, 18: 8}
# Some cleared clients had relative flags the practitioner acknowledged.
CLEARED_EXTRAS = {2: {"diabetes": True}, 5: {"condition_rosacea": ["face"]}, 9: {"allergy_metals": True}}


def _answers(client, areas, **overrides) -> dict:
    today = clinic_today()
    answers = {
        "date_of_birth": (today - relativedelta(years=28 + client.pk % 25, days=client.pk % 300)).isoformat(),
        "phone": client.phone or "+44 7700 900000",
        "emergency_contact_name": "Alex " + (client.last_name or "Contact"),
        "emergency_contact_phone": "+44 7700 900999",
        "fitzpatrick": ["I", "II", "III", "IV", "V", "VI"][client.pk % 6],
        "skin_type": ["normal", "oily", "dry", "combination", "sensitive"][client.pk % 5],
        "concerns": ["acne_scars", "texture"] if "face" in areas else ["stretch_marks"],
        "areas": list(areas),
        **answers_with_nothing_to_report(),
    }
    answers.update(overrides)
    return answers


def _fill(client, answers, *, steps=None) -> None:
    typed = from_json(answers)
    for step in STEPS[:steps] if steps is not None else STEPS:
        services.intake_step_save(client=client, step=step.code, values={key: typed.get(key) for key in step.keys})


def _submit(client, answers, note="") -> Intake:
    _fill(client, answers)
    return services.intake_submit(client=client, full_name=str(client), agreed=True, client_note=note)


def _approve(intake, practitioner, index: int) -> Clearance:
    """Approve as the practitioner did at the consultation, ``DECISION_HOURS[index]`` after the
    form came in: two months ago (the booking demo shows past sessions inside the clearance), or,
    for the clients in ``EXPIRING_SOON``, nearly a year ago. The service always dates decisions
    now, so the demo history is written back afterwards."""
    today = clinic_today()
    if index in EXPIRING_SOON:
        start = today + timedelta(days=EXPIRING_SOON[index]) - relativedelta(months=12)
    else:
        start = today - timedelta(days=60)
    clearance = services.intake_approve(
        intake=intake,
        decided_by=practitioner,
        areas=intake.requested_areas,
        max_needle_depth_mm=Decimal("1.50") if "face" in intake.requested_areas else Decimal("2.00"),
        planned_sessions=3,
        # Given to the service, so that its renewal reminder is planned for the real end.
        valid_until=start + relativedelta(months=12),
        acknowledged_flag_ids=list(intake.flags.values_list("pk", flat=True)),
    )
    decided_at = timezone.now() - timedelta(days=(today - start).days)
    Clearance.objects.filter(pk=clearance.pk).update(valid_from=start, decided_at=decided_at)
    _dated(intake.pk, decided_at=decided_at, hours=DECISION_HOURS[index])
    return clearance


def _dated(intake_pk: int, *, decided_at, hours: int) -> None:
    """Demo history only: the form was filled in and sent ``hours`` before the decision (the
    services date both now)."""
    submitted_at = decided_at - timedelta(hours=hours)
    Intake.objects.filter(pk=intake_pk).update(
        created_at=submitted_at - timedelta(minutes=25), submitted_at=submitted_at, decided_at=decided_at
    )


def _backdate(intake, *, submitted_hours_ago: int, superseded_hours_ago: int | None = None) -> None:
    """Demo history only: forms waiting for review arrived over the last days, so that the queue
    shows its oldest-first order."""
    now = timezone.now()
    changes = {"submitted_at": now - timedelta(hours=submitted_hours_ago)}
    if superseded_hours_ago is not None:
        changes["superseded_at"] = now - timedelta(hours=superseded_hours_ago)
        changes["decided_at"] = now - timedelta(hours=submitted_hours_ago - 20)
    Intake.objects.filter(pk=intake.pk).update(**changes)


def seed(people, stdout=None) -> None:
    practitioners = people["staff"].get(roles.Role.PRACTITIONER) or people["staff"].get(roles.Role.MANAGER)
    practitioner = practitioners[0]
    clients = people["clients"]
    today = clinic_today()
    made = 0
    for index, client in enumerate(clients):
        if Intake.objects.filter(client=client).exists():
            continue
        made += 1
        with transaction.atomic():
            _seed_client(index, client, practitioner, today)
    if stdout is not None:
        stdout.write(f"consultations: {made} clients' consultations created ({len(clients) - made} already there)")


def _seed_client(index: int, client, practitioner, today) -> None:
    """The ``index``-th demo client's consultation: cleared, waiting, decided or half-filled."""
    if index < len(CLEARED_AREAS):
        intake = _submit(client, _answers(client, CLEARED_AREAS[index], **CLEARED_EXTRAS.get(index, {})))
        _approve(intake, practitioner, index)
    elif index in (14, 15):
        _seed_waiting(index, client, practitioner, today)
    elif index in (16, 17, 18):
        _seed_decided(index, client, practitioner, today)
    else:  # half-way through the form
        _fill(client, _answers(client, ["face"]), steps=2)


def _seed_waiting(index: int, client, practitioner, today) -> None:
    """Clients 14 and 15: forms waiting for a practitioner's review."""
    if index == 14:  # waiting for review, with relative flags to acknowledge
        intake = _submit(
            client,
            _answers(
                client,
                ["face", "neck"],
                blood_thinners=True,
                botox_last=(today - timedelta(days=6)).isoformat(),
                condition_acne=["face"],
            ),
        )
        _backdate(intake, submitted_hours_ago=41)
    elif index == 15:  # asked a question, answered by amending: version 2 waits for review
        first = _submit(client, _answers(client, ["face"], isotretinoin=True, isotretinoin_current=True))
        services.intake_ask(
            intake=first,
            decided_by=practitioner,
            question="You said you still take isotretinoin: has your dermatologist planned when to stop?",
        )
        _submit(
            client,
            _answers(
                client,
                ["face"],
                isotretinoin=True,
                isotretinoin_stopped=(today - timedelta(days=45)).isoformat(),
            ),
            note="I stopped six weeks ago.",
        )
        _backdate(first, submitted_hours_ago=70, superseded_hours_ago=19)
        _backdate(Intake.objects.get(client=client, version=2), submitted_hours_ago=19)


def _seed_decided(index: int, client, practitioner, today) -> None:
    """Clients 16 to 18: declined, deferred, or asked a question, today, on a form sent in a day
    or two before (``DECIDED_TODAY_HOURS``)."""
    _seed_decision(index, client, practitioner, today)
    intake = Intake.objects.get(client=client, superseded_at__isnull=True)
    _dated(intake.pk, decided_at=intake.decided_at, hours=DECIDED_TODAY_HOURS[index])


def _seed_decision(index: int, client, practitioner, today) -> None:
    if index == 16:  # declined
        intake = _submit(client, _answers(client, ["face"], condition_skin_cancer=["face"]))
        services.intake_decline(
            intake=intake,
            decided_by=practitioner,
            reason="Micro-needling isn't safe on skin that is being checked for skin cancer. "
            "Please see your GP first; we'd be glad to see you again once you have the all-clear.",
        )
    elif index == 17:  # deferred: breastfeeding
        intake = _submit(client, _answers(client, ["face", "neck"], pregnant_or_breastfeeding=True))
        services.intake_defer(
            intake=intake,
            decided_by=practitioner,
            until=today + relativedelta(months=6),
            reason="We can look at treatment again after breastfeeding.",
        )
    elif index == 18:  # a question waiting for the client
        intake = _submit(client, _answers(client, ["decolletage"], bleeding_disorder=True))
        services.intake_ask(
            intake=intake,
            decided_by=practitioner,
            question="Which bleeding disorder do you have, and who looks after it?",
        )
