"""aftercare's message kinds, registered with clinic's registry in ``AftercareConfig.ready()``."""

from django.db import models

from clinic.message_kinds import message_content_register, message_kind_register


class AftercareKind(models.TextChoices):
    AFTERCARE_CHECKIN = "aftercare_checkin", "Aftercare check-in"
    COURSE_REVIEW = "course_review", "Course review proposal"


def messages_register() -> None:
    from bookings.messages import BookingKind

    from .message_content import aftercare_message_content, check_in_message_content

    message_kind_register(
        AftercareKind.AFTERCARE_CHECKIN,
        AftercareKind.AFTERCARE_CHECKIN.label,
        builders=[check_in_message_content],
        clinical=True,
    )
    message_kind_register(
        AftercareKind.COURSE_REVIEW, AftercareKind.COURSE_REVIEW.label, context_only=True, marketing=True
    )
    # The aftercare e-mail is planned by bookings at completion; its plan and PDF are aftercare's.
    message_content_register(BookingKind.AFTERCARE, aftercare_message_content)
