"""Clinical flow: consultations waiting for review and how long a decision takes, deferrals and
declines by reason, worried check-ins; and the messages: sent, failed, skipped and delayed by kind
and channel."""

from datetime import timedelta

from django.conf import settings
from django.db.models import BooleanField, Count, ExpressionWrapper, F, FilteredRelation, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from aftercare.models import CheckIn
from bookings.models import Appointment
from clinic.message_kinds import message_kind_label
from clinic.models import OutboundMessage
from consultations.models import Intake, IntakeStatus, Severity

from .scope import LocalDate, Median, Scope, Seconds, location_zone

NO_ABSOLUTE_FLAG = "The practitioner's judgement (no absolute contraindication)"


def _clinic_day(field: str):
    from clinic.locations import location_tz

    return LocalDate(F(field), Value(str(location_tz(None))))


def clinical_flow(scope: Scope) -> dict:
    """Three queries: the review queue and decision times, the reasons, the check-ins."""
    start, end = scope.coarse_bounds()
    decided = Q(decided_day__gte=scope.first_day, decided_day__lte=scope.last_day, submitted_at__isnull=False)
    queue = (
        Intake.objects.filter(superseded_at__isnull=True)
        .annotate(decided_day=_clinic_day("decided_at"))
        .aggregate(
            waiting=Count("pk", filter=Q(status=IntakeStatus.PENDING)),
            decided=Count("pk", filter=decided),
            median_seconds=Median(Seconds(F("decided_at"), F("submitted_at")), filter=decided),
        )
    )
    seconds = queue.pop("median_seconds")
    queue["median_hours"] = round(seconds / 3600, 1) if seconds is not None else None
    reasons = (
        Intake.objects.filter(
            status__in=[IntakeStatus.DEFERRED, IntakeStatus.DECLINED], decided_at__gte=start, decided_at__lt=end
        )
        .annotate(decided_day=_clinic_day("decided_at"))
        .filter(decided_day__gte=scope.first_day, decided_day__lte=scope.last_day)
        .annotate(absolute=FilteredRelation("flags", condition=Q(flags__severity=Severity.ABSOLUTE)))
        .values("status", "absolute__title")
        .annotate(n=Count("pk", distinct=True))
        .order_by("status", "absolute__title")
    )
    by_reason = [
        {
            "decision": IntakeStatus(row["status"]).label,
            "reason": row["absolute__title"] or NO_ABSOLUTE_FLAG,
            "intakes": row["n"],
        }
        for row in reasons
    ]
    check_ins = CheckIn.objects.filter(answer=CheckIn.Answer.WORRIED, answered_at__gte=start, answered_at__lt=end)
    check_ins = check_ins.filter(scope.appointment_filter("plan__appointment__")).annotate(
        answered_day=LocalDate(F("answered_at"), location_zone("plan__appointment__room__location_id"))
    )
    worried = check_ins.filter(answered_day__gte=scope.first_day, answered_day__lte=scope.last_day).aggregate(
        worried=Count("pk"), not_seen=Count("pk", filter=Q(seen_at__isnull=True))
    )
    return {"queue": queue, "reasons": by_reason, "worried": worried}


def messages_report(scope: Scope) -> list[dict]:
    """Messages due in the period, by kind and channel (the one used, or the one asked for, or the
    recipient's preference): sent, failed, skipped, waiting (not sent yet), and delayed (sent, or
    still waiting, more than the alert's minutes after they were due). One query.

    With a location, practitioner or room chosen, the messages about its sessions, and beside them
    the messages about no session (consultations, weekly summaries, the desk's reminders): those
    belong to no location, practitioner or room, so they stay in, as the whole clinic's rows
    (``whole_clinic``), after the chosen ones. With no cut every row is the clinic's
    (``whole_clinic`` False: there is nothing to tell apart)."""
    start, end = scope.coarse_bounds()
    late = timedelta(minutes=settings.OUTBOX_DELAY_ALERT_MINUTES)
    now = timezone.now()
    S = OutboundMessage.Status
    rows = OutboundMessage.objects.filter(due_at__gte=start, due_at__lt=end).annotate(day=_clinic_day("due_at"))
    rows = rows.filter(day__gte=scope.first_day, day__lte=scope.last_day)
    if scope.appointment_filter():
        in_scope = Appointment.objects.filter(scope.appointment_filter()).values("pk")
        rows = rows.filter(Q(appointment_id__in=in_scope) | Q(appointment_id__isnull=True)).annotate(
            whole_clinic=ExpressionWrapper(Q(appointment_id__isnull=True), output_field=BooleanField())
        )
    else:
        rows = rows.annotate(whole_clinic=Value(False))
    rows = (
        rows.annotate(via=Coalesce(NullIf("sent_via", Value("")), NullIf("channel", Value("")), Value("preferred")))
        .values("whole_clinic", "kind", "via")
        .annotate(
            sent=Count("pk", filter=Q(status=S.SENT)),
            failed=Count("pk", filter=Q(status=S.FAILED)),
            skipped=Count("pk", filter=Q(status=S.SKIPPED)),
            waiting=Count("pk", filter=Q(status__in=[S.PENDING, S.SENDING])),
            delayed=Count(
                "pk",
                filter=Q(status=S.SENT, sent_at__gt=F("due_at") + late)
                | Q(status__in=[S.PENDING, S.SENDING], due_at__lt=now - late),
            ),
        )
        .order_by("whole_clinic", "kind", "via")
    )
    labels = {"email": "E-mail", "sms": "SMS", "preferred": "Their preference"}
    return [
        {**row, "kind_label": message_kind_label(row["kind"]), "channel_label": labels.get(row["via"], row["via"])}
        for row in rows
    ]
