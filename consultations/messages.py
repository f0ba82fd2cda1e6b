"""consultations' message kinds, registered with clinic's registry in ``ConsultationsConfig.ready()``."""

from django.db import models

from clinic.message_kinds import message_kind_register


class ConsultationKind(models.TextChoices):
    CLEARANCE_EXPIRING = "clearance_expiring", "Clearance expiring"
    HEALTH_CHANGE_ALERT = "health_change_alert", "Client reported a health change (to practitioner)"
    INTAKE_DECISION = "intake_decision", "Consultation decision"


def messages_register() -> None:
    from .message_content import health_change_alert_content

    message_kind_register(
        ConsultationKind.CLEARANCE_EXPIRING, ConsultationKind.CLEARANCE_EXPIRING.label, context_only=True
    )
    message_kind_register(
        ConsultationKind.HEALTH_CHANGE_ALERT,
        ConsultationKind.HEALTH_CHANGE_ALERT.label,
        builders=[health_change_alert_content],
    )
    message_kind_register(
        ConsultationKind.INTAKE_DECISION, ConsultationKind.INTAKE_DECISION.label, context_only=True, clinical=True
    )
