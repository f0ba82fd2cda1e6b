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

from django.db.models import F, Q
from django.utils import timezone

from clinic.locations import location_tz

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


class _LocalDays:
    """The local day of an instant at a location, each location's zone asked for once (asking
    ``location_tz`` per row reads the set-up cache's token per row)."""

    def __init__(self):
        self.zones: dict[int, ZoneInfo] = {}

    def __call__(self, instant: datetime, location_id: int) -> date:
        if location_id not in self.zones:
            self.zones[location_id] = location_tz(location_id)
        return timezone.localtime(instant, self.zones[location_id]).date()


def money_reports(
    *, start: date | None = None, end: date | None = None, location_id: int | None = None
) -> MoneyReports:
    """The reports for the days ``start``..``end`` (default: the last 30 days to today), each
    instant on the day of its location's clock, at every location or at ``location_id`` only.
    Four queries."""
    today = timezone.localdate()
    end = end or today
    start = start or end - timedelta(days=29)
    report = MoneyReports(start=start, end=end)
    # A day's margin either side: the exact day is decided in each location's own zone below.
    since = datetime.combine(start - timedelta(days=1), time.min, tzinfo=timezone.get_current_timezone())
    until = datetime.combine(end + timedelta(days=2), time.min, tzinfo=timezone.get_current_timezone())
    here = Q() if location_id is None else Q(location_id=location_id)
    local_day = _LocalDays()
    money = LedgerEntry.objects.filter(
        here,
        kind__in=[LedgerEntry.Kind.PAYMENT, LedgerEntry.Kind.REFUND],
        recorded_at__gte=since,
        recorded_at__lt=until,
    ).select_related("location", "appointment__practitioner__user")
    by_day, by_method, by_practitioner, by_location = (defaultdict(lambda: ZERO) for _ in range(4))
    methods = dict(LedgerEntry.Method.choices)
    for entry in money:
        day = local_day(entry.recorded_at, entry.location_id)
        if not start <= day <= end:
            continue
        signed = entry.amount if entry.kind == LedgerEntry.Kind.PAYMENT else -entry.amount
        report.total += signed
        by_day[day] += signed
        by_method[methods.get(entry.method, entry.method)] += signed
        practitioner = entry.appointment.practitioner.user.get_full_name() if entry.appointment_id else ON_ACCOUNT
        by_practitioner[practitioner] += signed
        by_location[entry.location.name] += signed
    report.by_day = sorted(by_day.items())
    report.by_method = _sorted(by_method)
    report.by_practitioner = _sorted(by_practitioner)
    report.by_location = _sorted(by_location)
    _prepaid(report, today, here)
    _fees(report, since, until, here, local_day)
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


def _fees(report: MoneyReports, since, until, here: Q, local_day: _LocalDays) -> None:
    """Fees charged in the period (on the day of their location's clock), and how much of each
    was paid: payments less refunds taken for the same appointment, wherever, up to the fee."""
    fees = [
        fee
        for fee in LedgerEntry.objects.filter(
            here,
            kind=LedgerEntry.Kind.CHARGE,
            charge_for=LedgerEntry.ChargeFor.FEE,
            recorded_at__gte=since,
            recorded_at__lt=until,
        ).values("appointment_id", "amount", "recorded_at", "location_id")
        if report.start <= local_day(fee["recorded_at"], fee["location_id"]) <= report.end
    ]
    paid: dict[int, Decimal] = defaultdict(lambda: ZERO)
    appointment_ids = [f["appointment_id"] for f in fees if f["appointment_id"]]
    for row in LedgerEntry.objects.filter(
        appointment_id__in=appointment_ids, kind__in=[LedgerEntry.Kind.PAYMENT, LedgerEntry.Kind.REFUND]
    ).values("appointment_id", "kind", "amount"):
        paid[row["appointment_id"]] += row["amount"] if row["kind"] == LedgerEntry.Kind.PAYMENT else -row["amount"]
    for fee in fees:
        report.fees_count += 1
        report.fees_charged += fee["amount"]
        report.fees_collected += max(ZERO, min(fee["amount"], paid.get(fee["appointment_id"], ZERO)))
