"""The booking screens' models: the waitlist and the practitioners' calendar feeds, kept apart
from ``bookings.models`` for size; ``bookings.models`` imports them so that they are registered
with the app."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from consultations.areas import area_labels


class WaitlistEntry(models.Model):
    """A client who would take a session on any day from ``first_day`` to ``last_day`` if a time
    frees up. The front desk offers a freed slot to them (an outbox message); the client books it
    through the ordinary booking rules, so an offer holds no time."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        OFFERED = "offered", "Offered a slot"
        BOOKED = "booked", "Booked"
        WITHDRAWN = "withdrawn", "Withdrawn"

    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="waitlist_entries")
    treatment = models.ForeignKey("bookings.Treatment", on_delete=models.PROTECT, related_name="waitlist_entries")
    areas = models.JSONField(default=list, help_text="Area codes.")
    practitioner = models.ForeignKey(
        "bookings.Practitioner",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Blank: anyone.",
    )
    location = models.ForeignKey(
        "clinic.Location",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="waitlist_entries",
        help_text="Where the client waits for a time. Blank: any location.",
    )
    first_day = models.DateField(help_text="Local date.")
    last_day = models.DateField(help_text="Local date.")
    note = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    created_at = models.DateTimeField(default=timezone.now)
    offered_at = models.DateTimeField(null=True, blank=True)
    offered_starts_at = models.DateTimeField(null=True, blank=True, help_text="The time last offered.")
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "waitlist entries"
        indexes = [models.Index(fields=["status", "first_day", "last_day"], name="waitlist_open_range")]
        constraints = [
            models.CheckConstraint(condition=Q(last_day__gte=models.F("first_day")), name="waitlist_range_valid"),
        ]

    def __str__(self):
        return f"{self.client} waiting {self.first_day}-{self.last_day} ({area_labels(self.areas)})"

    @property
    def area_labels(self) -> str:
        return area_labels(self.areas)


class CalendarFeedToken(models.Model):
    """The secret in a practitioner's calendar subscription address. Only its SHA-256 digest is
    stored (the address is shown once, when it is made); revoking one makes the address dead."""

    practitioner = models.ForeignKey(
        "bookings.Practitioner", on_delete=models.CASCADE, related_name="calendar_feed_tokens"
    )
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["practitioner"], condition=Q(revoked_at__isnull=True), name="calendar_feed_one_live_token"
            ),
        ]

    def __str__(self):
        state = "revoked" if self.revoked_at else "live"
        return f"Calendar feed of {self.practitioner} ({state})"
