"""Aftercare: the protocols a manager edits, what the practitioner records at a session, the
plan each client takes home (and its PDF), and the follow-up check-ins."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from clinic.dates import date_label
from consultations.areas import Area

from .protocols import MAX_NEEDLE_DEPTH_MM, MIN_NEEDLE_DEPTH_MM, DepthBand, SkinType

# --- Protocols (data a manager edits in the admin) ---------------------------------------------


class AftercareProtocol(models.Model):
    """The aftercare of one treatment: its rules, timeline, products and warning signs."""

    treatment_slug = models.SlugField(
        unique=True, help_text="The treatment this protocol belongs to, e.g. “microneedling”."
    )
    name = models.CharField(max_length=120)
    introduction = models.TextField(blank=True, help_text="A short paragraph at the top of every plan.")
    results_from_months = models.PositiveSmallIntegerField(default=3)
    results_to_months = models.PositiveSmallIntegerField(default=6)
    results_text = models.TextField(
        blank=True, help_text="What the client will see as collagen rebuilds (shown with dates)."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(results_from_months__gte=1) & Q(results_to_months__gte=models.F("results_from_months")),
                name="aftercare_protocol_results_window_valid",
            ),
        ]

    def __str__(self):
        return self.name


class ProtocolRule(models.Model):
    """One instruction with its duration, for everyone or only for an area, a depth band or a
    skin type. Rules that share a topic are merged in a plan: the longest duration wins, so a
    deeper session makes the same rule stricter instead of repeating it."""

    class Scope(models.TextChoices):
        GENERAL = "general", "Everyone"
        AREA = "area", "An area"
        DEPTH = "depth", "A depth band"
        SKIN_TYPE = "skin_type", "A skin type"

    protocol = models.ForeignKey(AftercareProtocol, on_delete=models.CASCADE, related_name="rules")
    scope = models.CharField(max_length=12, choices=Scope.choices, default=Scope.GENERAL)
    area = models.CharField(max_length=20, choices=Area.choices, blank=True)
    depth_band = models.CharField(max_length=12, choices=DepthBand.choices, blank=True)
    skin_type = models.CharField(max_length=20, choices=SkinType.choices, blank=True)
    topic = models.SlugField(
        max_length=40,
        blank=True,
        help_text="Rules with the same topic (e.g. “sun”, “actives”) are merged: the longest one wins. "
        "Leave empty for a note that always shows on its own.",
    )
    instruction = models.CharField(max_length=200, help_text="E.g. “No retinoids, acids or vitamin C serums”.")
    detail = models.CharField(max_length=300, blank=True, help_text="Why, in a few plain words.")
    duration_hours = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="How long it applies after the session, in hours (24 = a day, 168 = a week). "
        "Empty: an ongoing note without an end date.",
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(scope="general", area="", depth_band="", skin_type="")
                    | (Q(scope="area", depth_band="", skin_type="") & ~Q(area=""))
                    | (Q(scope="depth", area="", skin_type="") & ~Q(depth_band=""))
                    | (Q(scope="skin_type", area="", depth_band="") & ~Q(skin_type=""))
                ),
                name="aftercare_rule_scope_matches_target",
            ),
            models.CheckConstraint(
                condition=Q(duration_hours__isnull=True) | Q(duration_hours__gte=1, duration_hours__lte=24 * 90),
                name="aftercare_rule_duration_at_most_90_days",
            ),
        ]

    def __str__(self):
        return self.instruction


class TimelineStep(models.Model):
    """What the skin does on days ``day_from``..``day_to`` after the session (day 0 = the session)."""

    protocol = models.ForeignKey(AftercareProtocol, on_delete=models.CASCADE, related_name="timeline")
    day_from = models.PositiveSmallIntegerField()
    day_to = models.PositiveSmallIntegerField()
    depth_band = models.CharField(
        max_length=12, choices=DepthBand.choices, blank=True, help_text="Empty: for every depth."
    )
    title = models.CharField(max_length=80, help_text="E.g. “Redness like a mild sunburn”.")
    text = models.CharField(max_length=400)

    class Meta:
        ordering = ["day_from", "day_to", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(day_to__gte=models.F("day_from")) & Q(day_to__lte=365),
                name="aftercare_timeline_days_ordered",
            ),
        ]

    def __str__(self):
        return f"Day {self.day_from}–{self.day_to}: {self.title}"


class ProtocolProduct(models.Model):
    """A product the clinic recommends for the days after a session."""

    class Kind(models.TextChoices):
        SERUM = "serum", "Serum"
        CLEANSER = "cleanser", "Cleanser"
        MOISTURISER = "moisturiser", "Moisturiser"
        SUNSCREEN = "sunscreen", "Sunscreen"
        OTHER = "other", "Other"

    protocol = models.ForeignKey(AftercareProtocol, on_delete=models.CASCADE, related_name="products")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    name = models.CharField(max_length=120)
    how_to_use = models.CharField(max_length=300, blank=True)
    from_day = models.PositiveSmallIntegerField(default=0, help_text="Start using it this many days after.")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self):
        return self.name


class WarningSign(models.Model):
    """A sign that needs a call to the clinic."""

    protocol = models.ForeignKey(AftercareProtocol, on_delete=models.CASCADE, related_name="warning_signs")
    text = models.CharField(max_length=200)
    urgent = models.BooleanField(default=False, help_text="Seek urgent medical care (not only call the clinic).")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self):
        return self.text


# --- Sessions, plans and check-ins --------------------------------------------------------------


class SessionRecord(models.Model):
    """What the practitioner did in one session. Written by ``services.session_complete``, which
    completes the appointment in the same transaction: no record, no completion."""

    class Reaction(models.TextChoices):
        NONE = "none", "None"
        EXPECTED_REDNESS = "expected_redness", "Expected redness"
        UNEXPECTED = "unexpected", "Unexpected (describe it)"

    appointment = models.OneToOneField("bookings.Appointment", on_delete=models.PROTECT, related_name="session_record")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    device = models.CharField(max_length=120)
    cartridge_lot = models.CharField("cartridge lot number", max_length=60)
    passes = models.PositiveSmallIntegerField()
    products_applied = models.CharField(max_length=300, blank=True)
    serum = models.CharField("serum applied", max_length=200, blank=True)
    skin_type = models.CharField(max_length=20, choices=SkinType.choices[6:], blank=True)
    fitzpatrick = models.CharField("Fitzpatrick type", max_length=20, choices=SkinType.choices[:6], blank=True)
    reaction = models.CharField("skin's reaction", max_length=20, choices=Reaction.choices)
    reaction_notes = models.TextField(blank=True, max_length=2000)
    client_note = models.TextField(
        "note for the client", blank=True, max_length=2000, help_text="Printed on the client's aftercare plan."
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(passes__gte=1, passes__lte=10), name="session_record_passes_1_to_10"),
            models.CheckConstraint(
                condition=~Q(reaction="unexpected") | ~Q(reaction_notes=""),
                name="session_record_unexpected_reaction_described",
            ),
        ]

    def __str__(self):
        return f"Session record for appointment {self.appointment_id}"


class AreaDepth(models.Model):
    """The needle depth used on one area of a session, in millimetres."""

    record = models.ForeignKey(SessionRecord, on_delete=models.CASCADE, related_name="depths")
    area = models.CharField(max_length=20, choices=Area.choices)
    needle_depth_mm = models.DecimalField(max_digits=3, decimal_places=2)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["record", "area"], name="area_depth_one_per_area"),
            models.CheckConstraint(
                condition=Q(needle_depth_mm__gte=MIN_NEEDLE_DEPTH_MM, needle_depth_mm__lte=MAX_NEEDLE_DEPTH_MM),
                name="area_depth_within_device_range",
            ),
        ]

    def __str__(self):
        return f"{self.get_area_display()}: {self.needle_depth_mm} mm"


class AftercarePlan(models.Model):
    """The plan a client takes home from one session: the protocol applied and frozen as
    ``content`` (see ``aftercare.plans``), and its PDF in private storage."""

    record = models.OneToOneField(SessionRecord, on_delete=models.PROTECT, related_name="plan")
    appointment = models.OneToOneField("bookings.Appointment", on_delete=models.PROTECT, related_name="aftercare_plan")
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="aftercare_plans")
    session_on = models.DateField(help_text="The session's day in the clinic's time zone.")
    content = models.JSONField()
    course_finished = models.BooleanField(default=False)
    review_on = models.DateField(null=True, blank=True, help_text="The proposed review after the last session.")
    # A name in the private storage, never a URL: the PDF is served only through an access check.
    pdf_name = models.CharField(max_length=200, blank=True)
    pdf_rendered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-session_on", "-pk"]
        indexes = [models.Index(fields=["client", "-session_on"], name="aftercare_plan_client_recent")]

    def __str__(self):
        return f"Aftercare plan of {date_label(self.session_on)} for {self.client}"


class CheckIn(models.Model):
    """ "How is your skin?" on day 1 and day 3 after a session. A worried answer flags the
    practitioner until one of them marks it seen."""

    DAYS = (1, 3)

    class Answer(models.TextChoices):
        FINE = "fine", "My skin is fine"
        WORRIED = "worried", "I'm worried about my skin"

    plan = models.ForeignKey(AftercarePlan, on_delete=models.CASCADE, related_name="check_ins")
    day = models.PositiveSmallIntegerField()
    due_at = models.DateTimeField()
    answer = models.CharField(max_length=8, choices=Answer.choices, blank=True)
    comment = models.TextField(blank=True, max_length=2000)
    answered_at = models.DateTimeField(null=True, blank=True)
    seen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "day"], name="check_in_one_per_day"),
            models.CheckConstraint(
                condition=Q(answer="", answered_at__isnull=True) | (~Q(answer="") & Q(answered_at__isnull=False)),
                name="check_in_answer_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(answer="worried") | ~Q(comment=""), name="check_in_worried_has_comment"
            ),
        ]
        indexes = [models.Index(fields=["answer", "seen_at"], name="check_in_worried_queue")]

    def __str__(self):
        return f"Day {self.day} check-in for plan {self.plan_id}"

    @property
    def needs_attention(self) -> bool:
        return self.answer == self.Answer.WORRIED and self.seen_at is None


# --- Before-and-after photos and their consents (aftercare.photos) ------------------------------

from .photos.models import Angle, PhotoConsent, PhotoUse, SessionPhoto, Stage  # noqa: E402

__all__ = [
    "AftercarePlan",
    "AftercareProtocol",
    "Angle",
    "AreaDepth",
    "CheckIn",
    "PhotoConsent",
    "PhotoUse",
    "ProtocolProduct",
    "ProtocolRule",
    "SessionPhoto",
    "SessionRecord",
    "Stage",
    "TimelineStep",
    "WarningSign",
]
