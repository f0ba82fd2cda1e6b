"""What payments holds about a client, for the export and the erasure (``clinic.client_data``).

Financial records are kept when a client is forgotten (``Erasure.KEEP``): the law asks a business
to keep its accounts for years (six in the UK), and the ledger holds no contact details or free
text about the person (its descriptions are made by the app: "Session: Face and neck"), only
amounts, methods and dates tied to the anonymised account. The database refuses to delete ledger
rows and receipts anyway. Everything is in the export."""

from clinic.client_data import ClientData, Erasure, client_data_exempt, client_data_register

from .models import LedgerEntry, PackageSale, PackageUse, Receipt


def payments_client_data_register() -> None:
    client_data_register(
        ClientData(
            model=PackageSale,
            client_lookup="client",
            section="package_sales",
            description="Course packages bought: sessions, price, expiry and how many were used.",
            erasure=Erasure.KEEP,
            exclude=("client",),
        )
    )
    client_data_register(
        ClientData(
            model=PackageUse,
            client_lookup="sale__client",
            section="package_uses",
            description="Each prepaid session used, by which appointment and why.",
            erasure=Erasure.KEEP,
        )
    )
    client_data_register(
        ClientData(
            model=LedgerEntry,
            client_lookup="client",
            section="account",
            description="The client's account: charges, payments and refunds, who recorded them and when.",
            erasure=Erasure.KEEP,
            exclude=("client", "idempotency_key"),
            order_by=("recorded_at", "pk"),
        )
    )
    client_data_register(
        ClientData(
            model=Receipt,
            client_lookup="client",
            section="receipts",
            description="Receipts issued for payments and refunds, with their numbers.",
            erasure=Erasure.KEEP,
            exclude=("client",),
        )
    )
    client_data_exempt("payments.price", "the price list: nothing about a client")
    client_data_exempt("payments.package", "the packages on sale: nothing about a client")
