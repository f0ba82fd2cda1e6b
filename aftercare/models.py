"""Aftercare: the protocols a manager edits, what the practitioner records at a session, the
plan each client takes home (and its PDF), and the follow-up check-ins."""

from django.db import models
from django.db.models import Q

from consultations.areas import Area

from .protocols import DepthBand, SkinType

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
