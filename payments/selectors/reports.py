"""The money reports: takings by day, method, practitioner and location; prepaid sessions not yet
used and their value (what the clinic owes: a liability); missed-session fees charged and
collected. Read-only, a fixed number of queries whatever the number of rows; figures as Decimal.

Takings are payments less refunds, on the day (in the location's time zone) they were recorded.
A payment is a practitioner's when it was taken for one of their appointments; money taken on
account (a package, a balance) shows as "On account". Cut to one location, every figure is that
location's: the money taken there, the fees charged there, the packages sold there."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Case, Count, DateField, F, Q, Sum, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from clinic.locations import all_locations, location_tz

from ..models import LedgerEntry, PackageSale

ZERO = Decimal("0.00")
ON_ACCOUNT = "On account"


@dataclass
class MoneyReports:
    start: date
    end: date
    total: Decimal = ZERO
    by_day: list[tuple[date, Decimal]] = field(default_factory=list)
    by_method: list[tuple[str, Decimal]] = field(default_factory=list)
    by_practitioner: list[tuple[str, Decimal]] = field(default_factory=list)
    by_location: list[tuple[str, Decimal]] = field(default_factory=list)
    prepaid_sessions_left: int = 0
    prepaid_value: Decimal = ZERO
    prepaid_by_location: list[tuple[str, int, Decimal]] = field(default_factory=list)
    fees_charged: Decimal = ZERO
    fees_collected: Decimal = ZERO
    fees_count: int = 0


def _sorted(totals: dict) -> list[tuple]:
    return sorted(totals.items(), key=lambda item: (-item[1], str(item[0])))


def _local_day():
    """The day an entry was recorded on its location's clock, as SQL: a CASE of ``TruncDate`` in
    each zone the clinic's locations keep (one zone: no CASE at all), so the days are grouped in
    the database whatever the number of entries."""
    locations = all_locations()
    if len(locations) <= 1:
        return TruncDate("recorded_at", tzinfo=location_tz(None))
    # Each location's own zone off the rows in hand (location_tz per location would read the
    # set-up cache's token once per location).
    by_zone: dict[str, list[int]] = defaultdict(list)
    for loc in locations:
        by_zone[loc.time_zone].append(loc.pk)
    return Case(
        *[When(location_id__in=ids, then=TruncDate("recorded_at", tzinfo=ZoneInfo(z))) for z, ids in by_zone.items()],
        default=TruncDate("recorded_at", tzinfo=location_tz(None)),
        output_field=DateField(),
    )


def money_reports(
    *, start: date | None = None, end: date | None = None, location_id: int | None = None
) -> MoneyReports:
    """The reports for the days ``start``..``end`` (default: the last 30 days to today), each
    entry on the day of its location's clock, at every location or at ``location_id`` only.
    Four queries, summed in the database."""
    today = timezone.localdate()
    end = end or today
    start = start or end - timedelta(days=29)
    report = MoneyReports(start=start, end=end)
    # A day's margin either side keeps the time index in use; the exact day is the local one.
    since = datetime.combine(start - timedelta(days=1), time.min, tzinfo=timezone.get_current_timezone())
    until = datetime.combine(end + timedelta(days=2), time.min, tzinfo=timezone.get_current_timezone())
    here = Q() if location_id is None else Q(location_id=location_id)
    in_period = {"recorded_at__gte": since, "recorded_at__lt": until, "day__gte": start, "day__lte": end}
    signed = Case(When(kind=LedgerEntry.Kind.REFUND, then=-F("amount")), default=F("amount"))
    money = (
        LedgerEntry.objects.filter(here, kind__in=[LedgerEntry.Kind.PAYMENT, LedgerEntry.Kind.REFUND])
        .annotate(day=_local_day())
        .filter(**in_period)
        .values(
            "day",
            "method",
            "location__name",
            "appointment__practitioner_id",
            "appointment__practitioner__user__first_name",
            "appointment__practitioner__user__last_name",
        )
        .annotate(total=Sum(signed))
        .order_by()
    )
    by_day, by_method, by_practitioner, by_location = (defaultdict(lambda: ZERO) for _ in range(4))
    methods = dict(LedgerEntry.Method.choices)
    for row in money:
        amount = row["total"]
        report.total += amount
        by_day[row["day"]] += amount
        by_method[methods.get(row["method"], row["method"])] += amount
        if row["appointment__practitioner_id"] is None:
            name = ON_ACCOUNT
        else:  # as User.get_full_name() says it
            first, last = (row[f"appointment__practitioner__user__{part}_name"] for part in ("first", "last"))
            name = f"{first} {last}".strip()
        by_practitioner[name] += amount
        by_location[row["location__name"]] += amount
    report.by_day = sorted(by_day.items())
    report.by_method = _sorted(by_method)
    report.by_practitioner = _sorted(by_practitioner)
    report.by_location = _sorted(by_location)
    _prepaid(report, today, here)
    _fees(report, in_period, here)
    return report


def _prepaid(report: MoneyReports, today: date, here: Q) -> None:
    """Sessions sold and not used of packages still valid, valued at the package's price per
    session."""
    by_location: dict[str, list] = defaultdict(lambda: [0, ZERO])
    sales = PackageSale.objects.filter(here, sessions_used__lt=F("sessions"), expires_on__gte=today).select_related(
        "location"
    )
    for sale in sales:
        left = sale.sessions - sale.sessions_used
        value = (sale.price * left / sale.sessions).quantize(Decimal("0.01"))
        report.prepaid_sessions_left += left
        report.prepaid_value += value
        by_location[sale.location.name][0] += left
        by_location[sale.location.name][1] += value
    report.prepaid_by_location = sorted((name, n, v) for name, (n, v) in by_location.items())


def _fees(report: MoneyReports, in_period: dict, here: Q) -> None:
    """Fees charged in the period (on the day of their location's clock), and how much of each
    was paid: payments less refunds taken for the same appointment, wherever, up to the fee. Two
    queries, each summed in the database."""
    fees = (
        LedgerEntry.objects.filter(here, kind=LedgerEntry.Kind.CHARGE, charge_for=LedgerEntry.ChargeFor.FEE)
        .annotate(day=_local_day())
        .filter(**in_period)
    )
    charged = {
        row["appointment_id"]: (row["fee"], row["n"])
        for row in fees.values("appointment_id").annotate(fee=Sum("amount"), n=Count("pk")).order_by()
    }
    signed = Case(When(kind=LedgerEntry.Kind.REFUND, then=-F("amount")), default=F("amount"))
    paid = dict(
        LedgerEntry.objects.filter(
            appointment_id__in=fees.values("appointment_id"),
            kind__in=[LedgerEntry.Kind.PAYMENT, LedgerEntry.Kind.REFUND],
        )
        .values("appointment_id")
        .annotate(paid=Sum(signed))
        .values_list("appointment_id", "paid")
    )
    for appointment_id, (fee, n) in charged.items():
        report.fees_count += n
        report.fees_charged += fee
        if appointment_id is not None:
            report.fees_collected += max(ZERO, min(fee, paid.get(appointment_id, ZERO)))
