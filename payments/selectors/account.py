"""A client's account: the balance (always a sum of the ledger, never stored), the entries, the
packages and the receipts."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, DecimalField, F, Sum, Value, When

from ..models import LedgerEntry, PackageSale, Receipt

Kind = LedgerEntry.Kind

SIGNED = Case(
    When(kind=Kind.PAYMENT, then=-F("amount")),
    default=F("amount"),
    output_field=DecimalField(max_digits=12, decimal_places=2),
)


def balance_of(*, client_id: int) -> Decimal:
    """Charges − payments + refunds: what the client owes (negative: in credit). One query."""
    total = LedgerEntry.objects.filter(client_id=client_id).aggregate(total=Sum(SIGNED, default=Value(Decimal(0))))
    return total["total"].quantize(Decimal("0.01"))


@dataclass
class Account:
    balance: Decimal
    entries: list[LedgerEntry]
    packages: list[PackageSale]
    receipts: dict[int, Receipt]  # by ledger entry id

    @property
    def refundable_payments(self) -> list[LedgerEntry]:
        refunded: dict[int, Decimal] = {}
        for entry in self.entries:
            if entry.kind == Kind.REFUND:
                refunded[entry.refund_of_id] = refunded.get(entry.refund_of_id, Decimal(0)) + entry.amount
        found = []
        for entry in self.entries:
            if entry.kind == Kind.PAYMENT and entry.amount > refunded.get(entry.pk, Decimal(0)):
                entry.refundable = entry.amount - refunded.get(entry.pk, Decimal(0))
                found.append(entry)
        return found


def client_account(*, client_id: int, limit: int = 200) -> Account:
    """The client's account in four queries whatever its length: the balance, the latest
    ``limit`` entries (with who recorded them), the packages, the receipts."""
    entries = list(
        LedgerEntry.objects.filter(client_id=client_id)
        .select_related("recorded_by", "location")
        .order_by("-recorded_at", "-pk")[:limit]
    )
    packages = list(PackageSale.objects.filter(client_id=client_id).select_related("package", "location", "treatment"))
    receipts = {r.entry_id: r for r in Receipt.objects.filter(client_id=client_id)}
    for entry in entries:
        entry.receipt_obj = receipts.get(entry.pk)
    return Account(balance=balance_of(client_id=client_id), entries=entries, packages=packages, receipts=receipts)
