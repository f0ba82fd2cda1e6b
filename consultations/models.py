"""Consultations: the client's intake (versioned), its screening flags, the signed consent, the
practitioner's decision, the clearance that bookings asks about, and pre-session health updates.

Writes go through ``consultations.services``; reads that matter through ``consultations.selectors``.
Medical answers live only on ``Intake.answers`` and ``HealthUpdate.details``: querysets for
people without the medical capability never load those columns (see ``selectors``).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

DEFAULT_TREATMENT_SLUG = "microneedling"


class IntakeStatus(models.TextChoices):
    DRAFT = "draft", "Being filled in"
    PENDING = "pending", "Waiting for a practitioner"
    QUESTION = "question", "Practitioner asked a question"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    DEFERRED = "deferred", "Deferred"


class Severity(models.TextChoices):
    ABSOLUTE = "absolute", "Absolute"
    RELATIVE = "relative", "Relative"


class Intake(models.Model):
    """One version of a client's intake form. A client amends by starting a new version (a
    draft copied from the last one); submitting it supersedes the old version, which is kept so
    that the practitioner can see what changed."""

    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="intakes")
    version = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=IntakeStatus.choices, default=IntakeStatus.DRAFT)
    answers = models.JSONField(default=dict, blank=True)
    steps_done = models.JSONField(default=list, blank=True, help_text="Codes of the steps saved so far.")
    client_note = models.TextField("client's reply", blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)
    # The decision, in words the client reads (reason, question) and the facts bookings needs.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True, help_text="Decline reason or question, shown to the client.")
    deferred_until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["client_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["client", "version"], name="intake_one_row_per_version"),
            models.UniqueConstraint(fields=["client"], condition=Q(status="draft"), name="intake_one_draft_per_client"),
            models.UniqueConstraint(
                fields=["client"],
                condition=Q(superseded_at__isnull=True) & ~Q(status="draft"),
                name="intake_one_current_per_client",
            ),
            models.CheckConstraint(
                condition=~Q(status="deferred") | Q(deferred_until__isnull=False),
                name="intake_deferred_has_date",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False),
                name="intake_submitted_has_time",
            ),
        ]
        indexes = [models.Index(fields=["status", "submitted_at"], name="intake_queue")]

    def __str__(self):
        return f"Intake v{self.version} of client {self.client_id}"

    @property
    def requested_areas(self) -> list[str]:
        return list(self.answers.get("areas", []))


class IntakeFlag(models.Model):
    """A screening rule that fired for an intake, with why; stored when the intake is submitted."""

    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="flags")
    rule_code = models.CharField(max_length=40)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    title = models.CharField(max_length=120)
    reason = models.TextField()
    areas = models.JSONField(default=list, blank=True, help_text="Empty: every area.")
    defer_until = models.DateField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["intake_id", "severity", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["intake", "rule_code"], name="intake_flag_once_per_rule"),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | Q(severity="relative"),
                name="intake_flag_only_relative_acknowledged",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.severity})"

    @property
    def all_areas(self) -> bool:
        return not self.areas


class ConsentText(models.Model):
    """A version of the informed-consent text. Never edited: a change is a new version."""

    version = models.PositiveIntegerField(unique=True)
    title = models.CharField(max_length=200, default="Informed consent for micro-needling")
    body = models.TextField()
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-version"]
        verbose_name = "consent text"

    def __str__(self):
        return f"{self.title} (version {self.version})"


class ConsentSignature(models.Model):
    """The client's signature on one consent version for one intake: never edited."""

    intake = models.OneToOneField(Intake, on_delete=models.PROTECT, related_name="consent")
    consent_text = models.ForeignKey(ConsentText, on_delete=models.PROTECT, related_name="signatures")
    full_name = models.CharField(max_length=200)
    signed_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    text_sha256 = models.CharField(max_length=64, help_text="Hash of the exact text signed.")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(full_name=""), name="consent_signature_has_name"),
        ]

    def __str__(self):
        return f"Consent v{self.consent_text.version if self.consent_text_id else '?'} signed by {self.full_name}"


class ConsentRenewal(models.Model):
    """The client's signature on a newer consent version than the one signed with their intake
    (a text published since), given before a session, on the clinic's tablet or online. Never
    edited, like ``ConsentSignature``; one per client and version."""

    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consent_renewals")
    intake = models.ForeignKey(Intake, on_delete=models.PROTECT, related_name="consent_renewals")
    consent_text = models.ForeignKey(ConsentText, on_delete=models.PROTECT, related_name="renewals")
    appointment_id = models.BigIntegerField(null=True, blank=True, help_text="The session it was signed before.")
    full_name = models.CharField(max_length=200)
    signed_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    text_sha256 = models.CharField(max_length=64, help_text="Hash of the exact text signed.")

    class Meta:
        ordering = ["-signed_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(full_name=""), name="consent_renewal_has_name"),
            models.UniqueConstraint(fields=["client", "consent_text"], name="consent_renewal_once_per_version"),
        ]

    def __str__(self):
        return f"Consent v{self.consent_text.version if self.consent_text_id else '?'} signed again by {self.full_name}"


class Clearance(models.Model):
    """A practitioner's approval: this client may have this treatment on these areas, at most
    this needle depth, between these dates. ``revoked_at`` ends it early (a new intake version
    or a health change that needs a new review)."""

    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="clearances")
    intake = models.ForeignKey(Intake, on_delete=models.PROTECT, related_name="clearances")
    treatment_slug = models.SlugField(max_length=60, default=DEFAULT_TREATMENT_SLUG)
    areas = models.JSONField(default=list)
    max_needle_depth_mm = models.DecimalField(max_digits=3, decimal_places=2)
    planned_sessions = models.PositiveSmallIntegerField(default=3)
    valid_from = models.DateField()
    valid_until = models.DateField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["client_id", "-decided_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["intake", "treatment_slug"], name="clearance_one_per_intake_treatment"),
            models.CheckConstraint(condition=Q(valid_until__gt=models.F("valid_from")), name="clearance_valid_range"),
            models.CheckConstraint(
                condition=Q(max_needle_depth_mm__gte=Decimal("0.10")) & Q(max_needle_depth_mm__lte=Decimal("3.00")),
                name="clearance_needle_depth_range",
            ),
            models.CheckConstraint(
                condition=Q(planned_sessions__gte=1) & Q(planned_sessions__lte=12),
                name="clearance_planned_sessions_range",
            ),
        ]
        indexes = [models.Index(fields=["client", "treatment_slug"], name="clearance_client_treatment")]

    def __str__(self):
        return f"Clearance {self.pk} for client {self.client_id} until {self.valid_until}"


class HealthUpdate(models.Model):
    """The client's "has anything changed?" answer before one appointment (a plain id:
    consultations never imports bookings)."""

    class Outcome(models.TextChoices):
        NONE = "", "Not reviewed"
        STILL_CLEARED = "still_cleared", "Still cleared"
        REVIEW_AGAIN = "review_again", "Needs a new review"

    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="health_updates")
    appointment_id = models.BigIntegerField()
    session_date = models.DateField()
    anything_changed = models.BooleanField()
    details = models.TextField(blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    review_outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True, default="")
    review_note = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    cleared_again_at = models.DateTimeField(
        null=True, blank=True, help_text="When a new review cleared the client again after this change."
    )

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["client", "appointment_id"], name="health_update_one_per_appointment"),
            models.CheckConstraint(
                condition=Q(anything_changed=False) | ~Q(details=""), name="health_update_change_has_details"
            ),
            models.CheckConstraint(
                condition=Q(review_outcome="") | Q(anything_changed=True), name="health_update_review_only_changes"
            ),
        ]

    def __str__(self):
        return f"Health update for appointment {self.appointment_id}"

    @property
    def needs_review(self) -> bool:
        """A reported change stands in the way until a practitioner says the client is still
        cleared, or a new review (after "needs a new review") cleared them again."""
        if not self.anything_changed or self.review_outcome == self.Outcome.STILL_CLEARED:
            return False
        return self.cleared_again_at is None
