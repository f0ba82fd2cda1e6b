"""Before-and-after photos of a session, and the client's consent to each use of each photo.

These models belong to the aftercare app (``aftercare.models`` imports them). The files live in
the ``photos`` storage (``settings.STORAGES``), private: a row holds storage names, never a URL.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from consultations.areas import Area


class Angle(models.TextChoices):
    FRONT = "front", "Front"
    LEFT = "left", "Left"
    RIGHT = "right", "Right"
    LEFT_45 = "left_45", "45° left"
    RIGHT_45 = "right_45", "45° right"


class Stage(models.TextChoices):
    BEFORE = "before", "Before needling"
    AFTER = "after", "After needling"


class PhotoUse(models.TextChoices):
    """What a photo may be used for. The clinical record is the use a photo is taken for: no
    photo is kept without it."""

    CLINICAL = "clinical", "Clinical record"
    EDUCATION = "education", "Anonymised education"
    MARKETING = "marketing", "Marketing (website, social media)"


class SessionPhoto(models.Model):
    """One photo of one area from one angle, before or after needling, at one session. Written
    by ``aftercare.photos.services.photo_add`` with its consents in the same transaction."""

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    appointment = models.ForeignKey("bookings.Appointment", on_delete=models.PROTECT, related_name="photos")
    # The appointment's client, kept on the row so that "this client's photos" and the access
    # check are one indexed filter; the service writes it from the appointment.
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="session_photos")
    area = models.CharField(max_length=20, choices=Area.choices)
    angle = models.CharField(max_length=10, choices=Angle.choices)
    stage = models.CharField(max_length=6, choices=Stage.choices)
    session_on = models.DateField(help_text="The session's day in the clinic's time zone.")
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    taken_at = models.DateTimeField(default=timezone.now)
    # Names in the photos storage, never URLs: the files are served only through an access check.
    image_name = models.CharField(max_length=200, unique=True)
    thumb_name = models.CharField(max_length=200, unique=True)
    crop_name = models.CharField(max_length=200, unique=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    thumb_width = models.PositiveIntegerField()
    thumb_height = models.PositiveIntegerField()

    class Meta:
        ordering = ["session_on", "area", "angle", "stage", "taken_at", "pk"]
        indexes = [
            models.Index(fields=["client", "session_on"], name="session_photo_client_day"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(area__in=Area.values), name="session_photo_area_known"),
            models.CheckConstraint(condition=Q(angle__in=Angle.values), name="session_photo_angle_known"),
            models.CheckConstraint(condition=Q(stage__in=Stage.values), name="session_photo_stage_known"),
            models.CheckConstraint(
                condition=Q(width__gte=1, height__gte=1, thumb_width__gte=1, thumb_height__gte=1),
                name="session_photo_has_pixels",
            ),
        ]

    def __str__(self):
        return f"Photo {self.pk}: {self.get_area_display()}, {self.get_angle_display()}, {self.get_stage_display()}"

    @property
    def label(self) -> str:
        return f"{self.get_area_display()} · {self.get_angle_display()}"


class PhotoConsent(models.Model):
    """The client's consent to one use of one photo: given at ``given_at`` (recorded by
    ``given_by``, the practitioner at the session), withdrawn at ``withdrawn_at`` or still in
    force. Rows are history: the database refuses any change but the one withdrawal, and at
    most one consent per photo and use is in force. Giving it again after a withdrawal is a new
    row. The clinical-record use cannot be withdrawn (the photo is part of the medical record)."""

    photo = models.ForeignKey(SessionPhoto, on_delete=models.CASCADE, related_name="consents")
    use = models.CharField(max_length=10, choices=PhotoUse.choices)
    given_at = models.DateTimeField(default=timezone.now)
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["given_at", "pk"]
        indexes = [
            # "Photos with consent for use X in force" (the gallery) reads this index alone.
            models.Index(
                fields=["use", "photo"], condition=Q(withdrawn_at__isnull=True), name="photo_consent_in_force"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["photo", "use"], condition=Q(withdrawn_at__isnull=True), name="photo_consent_one_in_force"
            ),
            models.CheckConstraint(condition=Q(use__in=PhotoUse.values), name="photo_consent_use_known"),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True, withdrawn_by__isnull=True)
                | Q(withdrawn_at__isnull=False, withdrawn_by__isnull=False, withdrawn_at__gte=models.F("given_at")),
                name="photo_consent_withdrawal_complete",
            ),
            models.CheckConstraint(
                condition=~Q(use="clinical") | Q(withdrawn_at__isnull=True),
                name="photo_consent_clinical_not_withdrawn",
            ),
        ]

    def __str__(self):
        state = f"withdrawn {self.withdrawn_at:%Y-%m-%d}" if self.withdrawn_at else "in force"
        return f"{self.get_use_display()} consent for photo {self.photo_id} ({state})"

    @property
    def in_force(self) -> bool:
        return self.withdrawn_at is None
