"""Reads of the aftercare app."""

from datetime import timedelta

from django.http import Http404
from django.utils import timezone

from clinic import roles

from . import plans
from .models import AftercarePlan, AftercareProtocol, CheckIn
from .protocols import skin_types_from


def protocol_for(*, treatment_slug: str) -> plans.Protocol | None:
    """The treatment's protocol as plain data for ``plans.build_plan`` (5 queries), or None."""
    protocol = (
        AftercareProtocol.objects.filter(treatment_slug=treatment_slug)
        .prefetch_related("rules", "timeline", "products", "warning_signs")
        .first()
    )
    if protocol is None:
        return None
    return plans.Protocol(
        name=protocol.name,
        introduction=protocol.introduction,
        results_from_months=protocol.results_from_months,
        results_to_months=protocol.results_to_months,
        results_text=protocol.results_text,
        rules=tuple(
            plans.Rule(
                scope=r.scope,
                instruction=r.instruction,
                duration_hours=r.duration_hours,
                topic=r.topic,
                detail=r.detail,
                area=r.area,
                depth_band=r.depth_band,
                skin_type=r.skin_type,
                order=r.order,
            )
            for r in protocol.rules.all()
        ),
        timeline=tuple(
            plans.Step(day_from=s.day_from, day_to=s.day_to, title=s.title, text=s.text, depth_band=s.depth_band)
            for s in protocol.timeline.all()
        ),
        products=tuple(
            plans.Product(kind=p.kind, name=p.name, how_to_use=p.how_to_use, from_day=p.from_day)
            for p in protocol.products.all()
        ),
        warning_signs=tuple(plans.Sign(text=w.text, urgent=w.urgent) for w in protocol.warning_signs.all()),
    )


def client_plans(*, client) -> list[AftercarePlan]:
    """The client's own plans, newest first, with their check-ins (2 queries)."""
    return list(
        AftercarePlan.objects.filter(client=client)
        .select_related("appointment__treatment")
        .prefetch_related("check_ins")
        .order_by("-session_on", "-pk")
    )


def client_plan(*, client, plan_id: int) -> AftercarePlan:
    """One of the client's own plans; another client's id is a 404 (never a 403: whether a plan
    exists is not the client's business)."""
    plan = (
        AftercarePlan.objects.filter(client=client, pk=plan_id)
        .select_related("client", "record__recorded_by", "appointment__treatment")
        .prefetch_related("check_ins")
        .first()
    )
    if plan is None:
        raise Http404("No such aftercare plan.")
    return plan


def staff_plan(*, viewer, plan_id: int) -> AftercarePlan:
    """A plan for staff who may read treatment details (practitioners, managers); the front desk
    is refused before any row is read."""
    roles.require(viewer, roles.Capability.VIEW_MEDICAL)
    plan = (
        AftercarePlan.objects.filter(pk=plan_id)
        .select_related("client", "record__recorded_by", "appointment__treatment")
        .prefetch_related("check_ins")
        .first()
    )
    if plan is None:
        raise Http404("No such aftercare plan.")
    return plan


def plan_id_for_appointment(*, viewer, appointment_id: int) -> int | None:
    """The id of a session's plan for a viewer who may open it (the client whose plan it is, or
    staff who may read treatment details; the front desk is refused), else None (one query)."""
    plans = AftercarePlan.objects.filter(appointment_id=appointment_id)
    if roles.is_staff_member(viewer):
        roles.require(viewer, roles.Capability.VIEW_MEDICAL)
    else:
        plans = plans.filter(client=viewer)
    return plans.values_list("pk", flat=True).first()


def plan_for_viewer(*, viewer, plan_id: int) -> AftercarePlan:
    if roles.is_staff_member(viewer):
        return staff_plan(viewer=viewer, plan_id=plan_id)
    return client_plan(client=viewer, plan_id=plan_id)


def client_check_in(*, client, check_in_id: int) -> CheckIn:
    check_in = CheckIn.objects.filter(pk=check_in_id, plan__client=client).select_related("plan").first()
    if check_in is None:
        raise Http404("No such check-in.")
    return check_in


def client_due_check_ins(*, client, now=None) -> list[CheckIn]:
    """Check-ins that are due and not answered yet (the last 14 days)."""
    now = now or timezone.now()
    return list(
        CheckIn.objects.filter(
            plan__client=client, answer="", due_at__lte=now, due_at__gte=now - timedelta(days=14)
        ).select_related("plan")
    )


def worried_check_ins(*, viewer) -> list[CheckIn]:
    """Worried answers nobody has marked seen yet, oldest first (2 queries at most)."""
    roles.require(viewer, roles.Capability.RECORD_SESSION)
    return list(
        CheckIn.objects.filter(answer=CheckIn.Answer.WORRIED, seen_at__isnull=True)
        .select_related("plan__client", "plan__record__recorded_by", "plan__appointment__treatment")
        .order_by("answered_at", "pk")
    )


def worried_check_ins_count() -> int:
    return CheckIn.objects.filter(answer=CheckIn.Answer.WORRIED, seen_at__isnull=True).count()


def appointment_to_record(*, viewer, appointment_id: int):
    """The appointment a practitioner is about to record, with what the form needs."""
    from bookings.models import Appointment

    roles.require(viewer, roles.Capability.RECORD_SESSION)
    appointment = (
        Appointment.objects.filter(pk=appointment_id)
        .select_related("client", "treatment", "practitioner__user", "room", "course")
        .first()
    )
    if appointment is None:
        raise Http404("No such appointment.")
    return appointment


def client_skin_types(*, client) -> tuple[str, str]:
    """(Fitzpatrick code, skin-type code) from the client's latest submitted intake, to prefill
    the session record; blanks when the intake does not say."""
    from consultations.models import Intake

    # Only the two skin-type keys leave the database: the medical answers beside them are read
    # (and audited) on the review page, never to prefill this form.
    row = (
        Intake.objects.filter(client=client, submitted_at__isnull=False)
        .order_by("-version")
        .values_list("answers__fitzpatrick", "answers__skin_type")
        .first()
    )
    fitzpatrick_answer, skin_type_answer = row or (None, None)
    codes = skin_types_from(fitzpatrick_answer, skin_type_answer)
    fitzpatrick = next((c for c in codes if c.startswith("fitzpatrick_")), "")
    skin = next((c for c in codes if not c.startswith("fitzpatrick_")), "")
    return fitzpatrick, skin
