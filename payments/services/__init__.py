"""Every write of payments: one function per change, each in one transaction with its audit
entry. Split by sub-domain: the ledger (payments, refunds, charges), packages, sessions (what a
completed or missed session uses or costs) and the price list."""

from .catalogue import package_save, price_save
from .ledger import charge_record, payment_take, refund_make
from .packages import package_sell
from .sessions import on_session_completed, on_session_missed

__all__ = [
    "charge_record",
    "on_session_completed",
    "on_session_missed",
    "package_save",
    "package_sell",
    "payment_take",
    "price_save",
    "refund_make",
]
