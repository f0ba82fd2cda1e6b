"""The core: people, the clinic itself, and the audit log."""

import copy
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class UserManager(DjangoUserManager):
    """Users log in with their e-mail address; there is no username."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        email = self.normalize_email(email).lower()
        user = self.model(email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """Anyone who logs in: a client, or a member of staff (front desk, practitioner, manager).

    The role is a group (see ``clinic.roles``); ``is_staff`` only opens the Django admin.
    """

    class ContactChannel(models.TextChoices):
        EMAIL = "email", "E-mail"
        SMS = "sms", "Text message (SMS)"

    email = models.EmailField("e-mail address", unique=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    preferred_channel = models.CharField(max_length=8, choices=ContactChannel.choices, default=ContactChannel.EMAIL)
    is_staff = models.BooleanField("admin access", default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # Staff only: where they usually work (the desk opens on it) and every location they work at.
    home_location = models.ForeignKey(
        "clinic.Location",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="home_staff",
        help_text="Staff: the location their schedule opens on.",
    )
    locations = models.ManyToManyField(
        "clinic.Location",
        blank=True,
        related_name="staff",
        help_text="Staff: the locations whose schedules they see (a manager sees all).",
    )

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["last_name", "first_name", "email"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(email=""), name="user_email_not_empty"),
        ]

    def __str__(self):
        return self.get_full_name() or self.email

    def get_full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self):
        return self.first_name or self.email

    def clean(self):
        super().clean()
        self.email = type(self).objects.normalize_email(self.email).lower()


def _validate_time_zone(value):
    if value not in available_timezones():
        raise ValidationError(f"“{value}” is not a time zone name such as Europe/London.")


class ClinicProfile(models.Model):
    """The clinic itself: one row. Read it with ``ClinicProfile.get()``."""

    class PaperSize(models.TextChoices):
        A4 = "A4", "A4"
        LETTER = "Letter", "US Letter"

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    name = models.CharField(max_length=120, default="Clinic")
    address = models.TextField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    email = models.EmailField(blank=True)
    time_zone = models.CharField(max_length=64, default="Europe/London", validators=[_validate_time_zone])
    late_cancellation_hours = models.PositiveSmallIntegerField(
        "late-cancellation window (hours)",
        default=48,
        help_text="A cancellation closer to the appointment than this counts as late.",
    )
    paper_size = models.CharField(max_length=8, choices=PaperSize.choices, default=PaperSize.A4)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "clinic profile"
        constraints = [
            models.CheckConstraint(condition=models.Q(singleton=True), name="clinic_profile_single_row"),
            models.CheckConstraint(
                condition=models.Q(late_cancellation_hours__lte=24 * 14),
                name="clinic_profile_late_cancellation_at_most_two_weeks",
            ),
        ]

    def __str__(self):
        return self.name

    @classmethod
    def get(cls) -> "ClinicProfile":
        """The clinic's profile (created on first use), from the per-process set-up cache: a copy,
        so a caller that changes and saves it changes nobody else's."""
        from .setup_cache import setup_cached

        return copy.copy(setup_cached("clinic_profile", cls._get_or_create))

    @classmethod
    def _get_or_create(cls) -> "ClinicProfile":
        profile, _ = cls.objects.get_or_create(
            singleton=True, defaults={"time_zone": settings.CLINIC_DEFAULT_TIME_ZONE}
        )
        return profile

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


class Location(models.Model):
    """One of the clinic's sites: its address, phone, e-mail, time zone and late-cancellation
    window. Rooms, working hours and closures belong to a location (in ``bookings``); the clinic
    itself (the business: name, legal details) stays one, ``ClinicProfile``.

    A database from before locations has exactly one, made from the clinic profile by migration.
    ``Location.default()`` is the first active one (created from the profile on first use), the
    location of everything that does not say otherwise."""

    name = models.CharField(max_length=120, unique=True)
    address = models.TextField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    email = models.EmailField("e-mail", blank=True)
    time_zone = models.CharField(max_length=64, default="Europe/London", validators=[_validate_time_zone])
    late_cancellation_hours = models.PositiveSmallIntegerField(
        "late-cancellation window (hours)",
        default=48,
        help_text="A cancellation closer to the appointment than this counts as late.",
    )
    is_active = models.BooleanField(default=True, help_text="Inactive locations are offered to nobody.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(late_cancellation_hours__lte=24 * 14),
                name="location_late_cancellation_at_most_two_weeks",
            ),
            models.CheckConstraint(condition=~models.Q(name=""), name="location_name_not_empty"),
        ]

    def __str__(self):
        return self.name

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @classmethod
    def default(cls) -> "Location":
        """The first active location (by id), made from the clinic profile when there is none."""
        from .locations import all_locations

        found = all_locations()
        if found:
            return copy.copy(next((loc for loc in found if loc.is_active), found[0]))
        return cls.from_profile()

    @classmethod
    def from_profile(cls) -> "Location":
        """The location a one-site clinic had before locations: its profile's contact details."""
        profile = ClinicProfile.get()
        location, _ = cls.objects.get_or_create(
            name=profile.name or "Clinic",
            defaults={
                "address": profile.address,
                "phone": profile.phone,
                "email": profile.email,
                "time_zone": profile.time_zone,
                "late_cancellation_hours": profile.late_cancellation_hours,
            },
        )
        return location


def default_location_id() -> int:
    """The default for a room's or a working-hours block's location: the clinic's first one."""
    return Location.default().pk


class AuditEntry(models.Model):
    """Who did what to which object, when, from where. Never edited; deleted only when older than
    ``RECORDS_AUDIT_DAYS`` (``records.retention``)."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=100)
    target_id = models.CharField(max_length=64)
    target_repr = models.CharField(max_length=200, blank=True)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The client whose record was touched, where there is one.",
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target_repr}"


# The kinds the appointment planner (bookings.reminders) writes: one row per appointment, kind and
# version. Other kinds may mention an appointment several times (an alert to each practitioner).
APPOINTMENT_PLANNED_KINDS = (
    "booking_confirmation",
    "appointment_rescheduled",
    "appointment_cancelled",
    "reminder",
    "health_update_request",
    "aftercare",
    "next_window_opens",
    "window_closing",
)


class OutboundMessage(models.Model):
    """One message to one person: the outbox. Written in the same transaction as the change that
    causes it (``clinic.outbox.outbox_enqueue``); sent by the dispatcher when due
    (``clinic.dispatch``).

    Life of a row: pending -> sending (claimed under a lease) -> sent; a failed attempt goes back
    to pending with ``next_attempt_at`` pushed out, and after ``MAX_ATTEMPTS`` to failed. A row in
    sending whose lease ran out belonged to a worker that died: the next dispatcher takes it over.
    Pending rows of a cancelled or moved appointment are cancelled or moved by the planner.

    Two ways of not being sent, both with a ``note`` saying why: *cancelled* when a change
    withdrew it (the appointment was cancelled or moved, the person opted out or closed their
    account); *skipped* when, at its time, it no longer applied: it went stale (a reminder whose
    moment passed while the workers were down, ``clinic.dispatch``) or its content builder found it
    moot (the next session is already booked, the appointment was checked in).
    """

    MAX_ATTEMPTS = 5

    class Channel(models.TextChoices):
        EMAIL = "email", "E-mail"
        SMS = "sms", "SMS"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        SKIPPED = "skipped", "Skipped"

    # Registered by the apps that send messages (clinic.message_kinds), so clinic lists none of them.
    kind = models.CharField(max_length=40)
    channel = models.CharField(
        max_length=8,
        choices=Channel.choices,
        blank=True,
        default="",
        help_text="The channel asked for; blank follows the recipient's preference when it is sent.",
    )
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="messages")
    # Plain ids, not foreign keys: clinic sits below bookings and aftercare.
    appointment_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    version = models.PositiveIntegerField(
        default=1, help_text="Counts the messages of one kind for one appointment (a second move, a new reminder)."
    )
    # Dates and times go in as ISO strings; keys ending in "_at" come back as datetimes when the
    # message is composed (clinic.composing).
    context = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    essential = models.BooleanField(
        default=True, help_text="Must reach the person: goes by e-mail when texts keep failing."
    )
    idempotency_key = models.CharField(max_length=200, unique=True)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    note = models.CharField(max_length=200, blank=True, help_text="Why it was cancelled or skipped, or where it went.")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_via = models.CharField(max_length=8, choices=Channel.choices, blank=True)
    address = models.CharField(max_length=254, blank=True, help_text="The e-mail address or phone it went to.")
    subject = models.CharField(max_length=200, blank=True)
    body_text = models.TextField(blank=True, help_text="What was sent, as plain text.")
    resend_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="resends")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="outbox_status_due"),
            models.Index(fields=["recipient", "-created_at"], name="outbox_recipient_recent"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(attempts__lte=50), name="outbox_attempts_bounded"),
            models.UniqueConstraint(
                fields=["appointment_id", "kind", "version"],
                condition=models.Q(
                    appointment_id__isnull=False, resend_of__isnull=True, kind__in=APPOINTMENT_PLANNED_KINDS
                ),
                name="outbox_one_per_appointment_kind_version",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="outbox_sent_has_sent_at",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="sending") | models.Q(lease_expires_at__isnull=False),
                name="outbox_sending_has_lease",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "sending", "sent", "failed", "cancelled", "skipped"]),
                name="outbox_status_known",
            ),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="outbox_version_positive"),
            # "Send again" clicked 25 times sends one copy: one copy of a message on its way at a time.
            models.UniqueConstraint(
                fields=["resend_of"],
                condition=models.Q(resend_of__isnull=False, status__in=["pending", "sending"]),
                name="outbox_one_resend_on_its_way",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.recipient_id} at {self.due_at:%Y-%m-%d %H:%M}"

    def get_kind_display(self) -> str:
        from .message_kinds import message_kind_label

        return message_kind_label(self.kind)


class MarketingConsent(models.Model):
    """A person's opt-in to marketing on one channel (the course-window nudges, the review
    request): when and how it was given, and when and how it was withdrawn. Rows are history: a
    new opt-in after a withdrawal is a new row, and at most one is in force per person and
    channel. Written by ``clinic.consent``; the dispatcher sends a marketing message only while
    one is in force for the channel it goes by."""

    class Via(models.TextChoices):
        PORTAL = "portal", "The client's own messages page"
        STAFF = "staff", "Recorded by staff"
        UNSUBSCRIBE_LINK = "unsubscribe_link", "The unsubscribe link in a message"
        IMPORT = "import", "Imported from the previous system"
        PREVIOUS_SETTING = "previous_setting", "The earlier “essential messages only” setting"

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="marketing_consents")
    channel = models.CharField(max_length=8, choices=OutboundMessage.Channel.choices)
    given_at = models.DateTimeField(default=timezone.now)
    given_via = models.CharField(max_length=20, choices=Via.choices)
    given_ip = models.GenericIPAddressField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_via = models.CharField(max_length=20, choices=Via.choices, blank=True)

    class Meta:
        ordering = ["person_id", "channel", "given_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "channel"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="marketing_consent_one_in_force",
            ),
            models.CheckConstraint(condition=models.Q(channel__in=["email", "sms"]), name="marketing_consent_channel"),
            models.CheckConstraint(
                condition=models.Q(withdrawn_at__isnull=True, withdrawn_via="")
                | models.Q(withdrawn_at__isnull=False, withdrawn_at__gte=models.F("given_at")),
                name="marketing_consent_withdrawal_complete",
            ),
        ]

    def __str__(self):
        state = f"withdrawn {self.withdrawn_at:%Y-%m-%d}" if self.withdrawn_at else "in force"
        return f"Marketing by {self.get_channel_display()} for {self.person_id} ({state})"
