"""The treatment catalogue, the people and rooms that give treatments, their hours, and the
appointments and courses that fill them.

Invariants the database can hold live here as constraints. The no-overlap rules are PostgreSQL
exclusion constraints installed by migration 0002 (PostgreSQL only: declared in ``Meta`` they
break SQLite, see DESIGN.md "No double booking"); services check the same rules first so that a
person gets a clear message.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from clinic.models import Location, default_location_id
from consultations.areas import Area, area_labels


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


# The floor of the minimum days between sessions of a treatment that needles the skin, held by
# the database (a check constraint). The TREATMENT_SPACING_MIN_FLOOR_DAYS setting may raise the
# floor the services enforce, never lower it below this (system check bookings.E001).
SPACING_FLOOR_DAYS_IN_DATABASE = 28

# No session lasts longer than this (the ``appointment_within_a_day`` constraint holds it), so a
# search for the sessions overlapping a period can bound ``starts_at`` from below and use the
# (room, starts_at) and (practitioner, starts_at) indexes instead of reading all history.
LONGEST_SESSION = timedelta(hours=24)


def overlapping(start, end) -> Q:
    """Sessions whose time (arrival to turnover) overlaps [start, end)."""
    return Q(starts_at__lt=end, starts_at__gt=start - LONGEST_SESSION, ends_at__gt=start)


class Treatment(models.Model):
    """A treatment the clinic sells (micro-needling), with its timing and spacing rules."""

    slug = models.SlugField(unique=True, help_text="Stable identity shared with consultations and aftercare.")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    numbing_minutes = models.PositiveSmallIntegerField(
        default=30, help_text="Numbing cream before needling: the room and the client are taken."
    )
    turnover_minutes = models.PositiveSmallIntegerField(default=15, help_text="Cleaning the room after the session.")
    max_needling_minutes = models.PositiveSmallIntegerField(
        default=60, help_text="Needling for several areas together never takes longer than this."
    )
    spacing_min_days = models.PositiveSmallIntegerField(
        "minimum days between sessions", default=28, help_text="Nobody can book sessions closer than this."
    )
    spacing_max_days = models.PositiveSmallIntegerField(
        "maximum days between sessions",
        default=42,
        help_text="A later session starts a new course.",
    )
    planned_sessions = models.PositiveSmallIntegerField("sessions in a course", default=3)
    needs_clearance = models.BooleanField(
        default=True, help_text="Sessions need a consultation a practitioner approved."
    )
    needles_skin = models.BooleanField(
        "micro-needling-type",
        default=True,
        help_text="It needles the skin: the minimum days between sessions cannot go below the clinic's floor. "
        "Set when the treatment is created.",
    )
    bookable_online = models.BooleanField(default=True, help_text="Clients can book it themselves.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(spacing_min_days__gte=1) & Q(spacing_max_days__gte=models.F("spacing_min_days")),
                name="treatment_spacing_window_valid",
            ),
            models.CheckConstraint(
                condition=Q(needles_skin=False) | Q(spacing_min_days__gte=SPACING_FLOOR_DAYS_IN_DATABASE),
                name="treatment_spacing_min_at_floor",
                violation_error_message=(
                    f"A micro-needling-type treatment needs at least {SPACING_FLOOR_DAYS_IN_DATABASE} days "
                    "between sessions."
                ),
            ),
            models.CheckConstraint(condition=Q(max_needling_minutes__gte=5), name="treatment_needling_at_least_5"),
            models.CheckConstraint(condition=Q(planned_sessions__gte=1), name="treatment_planned_sessions_positive"),
        ]

    def __str__(self):
        return self.name


class TreatmentArea(models.Model):
    """A body area a treatment covers, with the needling minutes it takes alone."""

    treatment = models.ForeignKey(Treatment, on_delete=models.CASCADE, related_name="areas")
    area = models.CharField(max_length=20, choices=Area.choices)
    needling_minutes = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["treatment", "area"]
        constraints = [
            models.UniqueConstraint(fields=["treatment", "area"], name="treatment_area_unique"),
            models.CheckConstraint(condition=Q(needling_minutes__gte=5), name="treatment_area_minutes_at_least_5"),
        ]

    def __str__(self):
        return f"{self.treatment}: {self.get_area_display()} ({self.needling_minutes} min)"


class Practitioner(models.Model):
    """The bookings side of a practitioner: the treatments they give and their hours."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="practitioner_profile")
    treatments = models.ManyToManyField(Treatment, related_name="practitioners", blank=True)
    is_active = models.BooleanField(default=True, help_text="Inactive practitioners are offered to nobody.")

    class Meta:
        ordering = ["user__first_name", "user__last_name"]

    def __str__(self):
        return str(self.user)


class Room(models.Model):
    """A treatment room at one location."""

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="rooms", default=default_location_id)
    name = models.CharField(max_length=60)
    treatments = models.ManyToManyField(
        Treatment, related_name="rooms", blank=True, help_text="The treatments it is equipped for."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["location", "name"], name="room_name_unique_per_location"),
        ]

    def __str__(self):
        return self.name


class WorkingHours(models.Model):
    """One block of a practitioner's week at one location, in that location's local time; several
    blocks a day make breaks (09:00-13:00 and 14:00-18:00). A location's opening hours are the
    blocks of the practitioners who work there."""

    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="working_hours")
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="working_hours", default=default_location_id
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField(help_text="Local time.")
    end_time = models.TimeField(help_text="Local time.")

    class Meta:
        ordering = ["practitioner", "weekday", "start_time"]
        verbose_name_plural = "working hours"
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")), name="working_hours_end_after_start"
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="working_hours_weekday_valid"),
        ]

    def __str__(self):
        return f"{self.practitioner} {self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class TimeOff(models.Model):
    """Time a practitioner or a room cannot be booked (leave, training, maintenance). With neither
    set it closes the whole clinic: see ``ClinicClosure``."""

    practitioner = models.ForeignKey(
        Practitioner, null=True, blank=True, on_delete=models.CASCADE, related_name="time_off"
    )
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.CASCADE, related_name="time_off")
    location = models.ForeignKey(
        Location,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="closures",
        help_text="A closure of one location; blank closes every location.",
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name_plural = "time off"
        indexes = [models.Index(fields=["starts_at", "ends_at"], name="time_off_interval")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="time_off_ends_after_start"),
            models.CheckConstraint(
                condition=Q(practitioner__isnull=True) | Q(room__isnull=True),
                name="time_off_practitioner_or_room",
            ),
        ]

    def __str__(self):
        who = self.practitioner or self.room or "Clinic"
        return f"{who} off {self.starts_at:%Y-%m-%d %H:%M}-{self.ends_at:%Y-%m-%d %H:%M}"


class ClinicClosureManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(practitioner__isnull=True, room__isnull=True)


class ClinicClosure(TimeOff):
    """The whole clinic closed (bank holiday, refurbishment): time off of nobody in particular.

    One table with ``TimeOff`` so that availability reads both in one query."""

    objects = ClinicClosureManager()

    class Meta:
        proxy = True
        verbose_name = "clinic closure"

    def __str__(self):
        return f"Clinic closed {self.starts_at:%Y-%m-%d %H:%M}-{self.ends_at:%Y-%m-%d %H:%M}"


class Course(models.Model):
    """A series of sessions of one treatment for one client, 28 to 42 days apart.

    A course whose sessions were all cancelled or moved into another course stays (its
    cancelled sessions point to it) but counts for nothing: spacing reads the sessions, never
    the courses, the client's course page leaves it out and ``course_plan`` proposes nothing
    for it. Moving a course's only session keeps it in its course instead of emptying it."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        FINISHED = "finished", "Finished"

    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="courses")
    treatment = models.ForeignKey(Treatment, on_delete=models.PROTECT, related_name="courses")
    areas = models.JSONField(default=list, help_text="Area codes of the course's first session.")
    planned_sessions = models.PositiveSmallIntegerField(default=3)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(planned_sessions__gte=1), name="course_planned_sessions_positive"),
        ]

    def __str__(self):
        return f"{self.treatment} course for {self.client} ({area_labels(self.areas)})"


class Appointment(models.Model):
    """One session: the client arrives at ``starts_at`` for numbing (room and client taken), the
    practitioner needles from ``needling_starts_at`` to ``needling_ends_at``, and the room is free
    again at ``ends_at`` after turnover."""

    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        CHECKED_IN = "checked_in", "Checked in"
        IN_TREATMENT = "in_treatment", "In treatment"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        NO_SHOW = "no_show", "No-show"

    # Statuses that hold time and count for spacing; cancelled sessions and no-shows do not.
    ACTIVE_STATUSES = (Status.BOOKED, Status.CHECKED_IN, Status.IN_TREATMENT, Status.COMPLETED)

    class Channel(models.TextChoices):
        ONLINE = "online", "Online (client)"
        STAFF = "staff", "By staff"

    class CancelledBy(models.TextChoices):
        CLIENT = "client", "Client"
        CLINIC = "clinic", "Clinic"

    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments")
    treatment = models.ForeignKey(Treatment, on_delete=models.PROTECT, related_name="appointments")
    areas = models.JSONField(default=list, help_text='Area codes, e.g. ["face", "neck"].')
    practitioner = models.ForeignKey(Practitioner, on_delete=models.PROTECT, related_name="appointments")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="appointments")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="appointments")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.BOOKED)
    starts_at = models.DateTimeField(help_text="Arrival: numbing starts.")
    needling_starts_at = models.DateTimeField()
    needling_ends_at = models.DateTimeField()
    ends_at = models.DateTimeField(help_text="The room is free again (after turnover).")
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    late_booking_reason = models.TextField(blank=True, help_text="Why staff booked it later than the course's window.")
    starts_new_course = models.BooleanField(
        default=False, help_text="Booked after the previous session's window had passed."
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_by_party = models.CharField(max_length=8, choices=CancelledBy.choices, blank=True)
    cancellation_late = models.BooleanField(default=False)
    cancellation_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["starts_at", "ends_at"], name="appointment_interval"),
            models.Index(fields=["client", "treatment"], name="appointment_client_treatment"),
            models.Index(fields=["practitioner", "starts_at"], name="appointment_practitioner_day"),
            # A location's sessions of a day or of 60 days (desk day, availability): by its rooms.
            models.Index(fields=["room", "starts_at"], name="appointment_room_day"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(needling_starts_at__gte=models.F("starts_at")),
                name="appointment_needling_after_arrival",
            ),
            models.CheckConstraint(
                condition=Q(needling_ends_at__gt=models.F("needling_starts_at")),
                name="appointment_needling_has_length",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gte=models.F("needling_ends_at")), name="appointment_ends_after_needling"
            ),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="appointment_ends_after_start"),
            models.CheckConstraint(
                condition=Q(ends_at__lte=models.F("starts_at") + LONGEST_SESSION), name="appointment_within_a_day"
            ),
            models.CheckConstraint(
                condition=Q(status="cancelled", cancelled_at__isnull=False)
                | (~Q(status="cancelled") & Q(cancelled_at__isnull=True)),
                name="appointment_cancelled_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.treatment} for {self.client} at {self.starts_at:%Y-%m-%d %H:%M} UTC"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def area_labels(self) -> str:
        return area_labels(self.areas)


class AppointmentStatusChange(models.Model):
    """Every status change of an appointment: who, when, from what to what."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=16, choices=Appointment.Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Appointment.Status.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self):
        return (
            f"{self.appointment_id}: {self.from_status or '-'} → {self.to_status} at {self.changed_at:%Y-%m-%d %H:%M}"
        )


# --- Booking screens: the waitlist and the practitioners' calendar feeds ------------------------


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
    treatment = models.ForeignKey(Treatment, on_delete=models.PROTECT, related_name="waitlist_entries")
    areas = models.JSONField(default=list, help_text="Area codes.")
    practitioner = models.ForeignKey(
        Practitioner, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", help_text="Blank: anyone."
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

    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="calendar_feed_tokens")
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


# Defined in its own module (size); imported here so that Django registers it with the app.
from .tablet_models import TabletCheckIn  # noqa: E402, F401
