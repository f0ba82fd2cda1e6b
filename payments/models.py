"""The till without a card processor: the price list, course packages and their sales, the
client's ledger and its receipts.

Money is ``Decimal`` with two places in the clinic's one currency (``settings.CLINIC_CURRENCY``),
never a float. A client's balance is the sum of their ledger, never a stored number: charges
minus payments plus refunds (positive: the client owes the clinic). Ledger rows and receipts are
never updated or deleted; the database refuses both (migration 0002, as for signed consents). A
payment taken in error is reversed by a refund that points to it.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from bookings.models import Appointment, Treatment
from clinic.models import Location
from consultations.areas import area_labels

MONEY = {"max_digits": 10, "decimal_places": 2}


class Price(models.Model):
    """What one session of a treatment on a set of areas costs at one location, tax included,
    and the tax rate in it (shown on receipts)."""

    treatment = models.ForeignKey(Treatment, on_delete=models.PROTECT, related_name="prices")
    areas = models.JSONField(help_text='Area codes, sorted, e.g. ["face", "neck"].')
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="prices")
    amount = models.DecimalField(help_text="Tax included.", **MONEY)
    tax_rate = models.DecimalField("tax rate (%)", max_digits=5, decimal_places=2, default=20)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["location", "treatment", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="price_amount_positive"),
            models.CheckConstraint(condition=Q(tax_rate__gte=0, tax_rate__lt=100), name="price_tax_rate_valid"),
            models.UniqueConstraint(
                fields=["treatment", "areas", "location"],
                condition=Q(is_active=True),
                name="price_one_active_per_treatment_areas_location",
            ),
        ]

    def __str__(self):
        return f"{self.treatment} ({area_labels(self.areas)}) at {self.location}: {self.amount}"

    @property
    def area_labels(self) -> str:
        return area_labels(self.areas)


class Package(models.Model):
    """A course sold in advance: ``sessions`` sessions of a treatment on a set of areas, for one
    price, to be used within ``validity_months`` of the sale."""

    name = models.CharField(max_length=120)
    treatment = models.ForeignKey(Treatment, on_delete=models.PROTECT, related_name="packages")
    areas = models.JSONField(help_text="Area codes, sorted.")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="packages")
    sessions = models.PositiveSmallIntegerField(default=3)
    price = models.DecimalField(help_text="Tax included.", **MONEY)
    tax_rate = models.DecimalField("tax rate (%)", max_digits=5, decimal_places=2, default=20)
    validity_months = models.PositiveSmallIntegerField(default=12)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["location", "name", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="package_price_positive"),
            models.CheckConstraint(condition=Q(sessions__gte=1), name="package_sessions_positive"),
            models.CheckConstraint(condition=Q(validity_months__gte=1), name="package_validity_positive"),
            models.CheckConstraint(condition=Q(tax_rate__gte=0, tax_rate__lt=100), name="package_tax_rate_valid"),
        ]

    def __str__(self):
        return f"{self.name} ({self.sessions} sessions, {area_labels(self.areas)})"

    @property
    def area_labels(self) -> str:
        return area_labels(self.areas)


class PackageSale(models.Model):
    """A package sold to a client: what was sold is copied here (the package can change later).
    ``sessions_used`` counts the ``PackageUse`` rows; the database holds it within 0..sessions, and
    a use takes this row's lock, so two completions at once cannot use more than were sold."""

    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="package_sales")
    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="sales")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="package_sales")
    treatment = models.ForeignKey(Treatment, on_delete=models.PROTECT, related_name="+")
    areas = models.JSONField()
    sessions = models.PositiveSmallIntegerField()
    sessions_used = models.PositiveSmallIntegerField(default=0)
    price = models.DecimalField(**MONEY)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2)
    sold_at = models.DateTimeField(default=timezone.now)
    sold_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    expires_on = models.DateField(help_text="Last day a session can be used (location's date).")

    class Meta:
        ordering = ["-sold_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(sessions__gte=1), name="package_sale_sessions_positive"),
            models.CheckConstraint(condition=Q(sessions_used__lte=F("sessions")), name="package_sale_never_overused"),
            models.CheckConstraint(condition=Q(price__gt=0), name="package_sale_price_positive"),
        ]

    def __str__(self):
        return f"{self.package.name} for {self.client} ({self.sessions_used}/{self.sessions} used)"

    @property
    def sessions_left(self) -> int:
        return self.sessions - self.sessions_used

    @property
    def area_labels(self) -> str:
        return area_labels(self.areas)


class PackageUse(models.Model):
    """One prepaid session used: by a completed session, or by a no-show or late cancellation when
    the clinic's policy says so. One use per appointment; ``number`` is 1..sessions."""

    class Reason(models.TextChoices):
        COMPLETED = "completed", "Session completed"
        NO_SHOW = "no_show", "No-show"
        LATE_CANCELLATION = "late_cancellation", "Late cancellation"

    sale = models.ForeignKey(PackageSale, on_delete=models.PROTECT, related_name="uses")
    appointment = models.OneToOneField(Appointment, on_delete=models.PROTECT, related_name="package_use")
    number = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=20, choices=Reason.choices)
    used_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["sale", "number"]
        constraints = [
            models.UniqueConstraint(fields=["sale", "number"], name="package_use_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="package_use_number_positive"),
        ]

    def __str__(self):
        return f"Session {self.number} of {self.sale_id} ({self.get_reason_display()})"


class LedgerEntry(models.Model):
    """One line of a client's account. Never updated or deleted (database triggers).

    A charge (a session, a package, a fee) raises what the client owes; a payment lowers it; a
    refund gives money back and points to the payment it reverses. Every amount is positive: the
    kind says which way it counts."""

    class Kind(models.TextChoices):
        CHARGE = "charge", "Charge"
        PAYMENT = "payment", "Payment"
        REFUND = "refund", "Refund"

    class Method(models.TextChoices):
        CARD_TERMINAL = "card_terminal", "Card (terminal)"
        CASH = "cash", "Cash"
        BANK_TRANSFER = "bank_transfer", "Bank transfer"
        VOUCHER = "voucher", "Voucher"

    class ChargeFor(models.TextChoices):
        SESSION = "session", "Session"
        PACKAGE = "package", "Course package"
        FEE = "fee", "Missed-session fee"

    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ledger_entries")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="ledger_entries")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    amount = models.DecimalField(**MONEY)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    method = models.CharField(max_length=16, choices=Method.choices, blank=True)
    charge_for = models.CharField(max_length=8, choices=ChargeFor.choices, blank=True)
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    package_sale = models.ForeignKey(
        PackageSale, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    refund_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="refunds")
    description = models.CharField(max_length=200, blank=True)
    idempotency_key = models.CharField(max_length=100, unique=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["recorded_at", "pk"]
        verbose_name_plural = "ledger entries"
        indexes = [models.Index(fields=["client", "recorded_at"], name="ledger_client_time")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="ledger_amount_positive",
                violation_error_message="An amount must be more than zero.",
            ),
            models.CheckConstraint(condition=Q(tax_rate__gte=0, tax_rate__lt=100), name="ledger_tax_rate_valid"),
            models.CheckConstraint(
                condition=(Q(kind="charge", method="") & ~Q(charge_for=""))
                | (Q(kind__in=["payment", "refund"], charge_for="") & ~Q(method="")),
                name="ledger_charge_has_reason_money_has_method",
            ),
            models.CheckConstraint(
                condition=(Q(kind="refund") & Q(refund_of__isnull=False))
                | (~Q(kind="refund") & Q(refund_of__isnull=True)),
                name="ledger_refund_points_to_payment",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount} ({self.client_id})"

    @property
    def signed_amount(self):
        """What it adds to the balance (what the client owes)."""
        return -self.amount if self.kind == self.Kind.PAYMENT else self.amount


class ReceiptCounter(models.Model):
    """The last receipt number of a location. Issuing a receipt locks this row (FOR UPDATE) in the
    transaction that records the money, so numbers have no gaps: a transaction that rolls back
    gives its number back."""

    location = models.OneToOneField(Location, on_delete=models.PROTECT, related_name="receipt_counter")
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.location}: {self.last_number}"


class Receipt(models.Model):
    """The receipt of one payment or refund, numbered 1, 2, 3... per location. Never changed."""

    entry = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, related_name="receipt")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="receipts")
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="receipts")
    number = models.PositiveIntegerField()
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["location", "number"]
        constraints = [
            models.UniqueConstraint(fields=["location", "number"], name="receipt_number_unique_per_location"),
            models.CheckConstraint(condition=Q(number__gte=1), name="receipt_number_positive"),
        ]

    def __str__(self):
        return f"Receipt {self.label}"

    @property
    def label(self) -> str:
        return f"{self.location_id}-{self.number:06d}"
