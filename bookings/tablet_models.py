"""The tablet check-in model (``bookings.tablet``), kept apart from ``bookings.models`` for size;
``bookings.models`` imports it so that it is registered with the app."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class TabletCheckIn(models.Model):
    """A one-time code the front desk makes so that today's client checks in on the clinic's
    tablet without logging in (``bookings.tablet``). It is for one appointment only; only an HMAC
    of the code is stored. The code must be entered before ``expires_at``; entering it moves
    ``expires_at`` to the end of the time the client has to finish. Used once: entered
    (``redeemed_at``), then finished (``completed_at``); a new code for the same appointment
    revokes the one before."""

    appointment = models.ForeignKey("bookings.Appointment", on_delete=models.CASCADE, related_name="tablet_check_ins")
    digest = models.CharField(max_length=64, unique=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    redeemed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")), name="tablet_check_in_expires_after_creation"
            ),
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True) | Q(redeemed_at__isnull=False),
                name="tablet_check_in_completed_after_redeemed",
            ),
            models.UniqueConstraint(
                fields=["appointment"],
                condition=Q(completed_at__isnull=True, revoked_at__isnull=True),
                name="tablet_check_in_one_open_per_appointment",
            ),
        ]

    def __str__(self):
        return f"Tablet check-in for appointment {self.appointment_id}"

    @property
    def expired(self) -> bool:
        return self.completed_at is None and self.expires_at <= timezone.now()
