"""payments' rows about a client are in the export and are kept (not deleted) when the client is
forgotten: financial records are retained, and the database refuses to delete them anyway."""

from django.core import checks

from clinic.client_data import Erasure, client_data_entries, client_data_unsorted


def test_every_payments_model_about_a_client_is_registered_and_kept():
    entries = {e.model._meta.label_lower: e for e in client_data_entries()}
    for label in ("payments.ledgerentry", "payments.receipt", "payments.packagesale", "payments.packageuse"):
        assert entries[label].erasure == Erasure.KEEP
    assert not [label for label in client_data_unsorted() if label.startswith("payments.")]
    assert not [e for e in checks.run_checks() if e.id == "clinic.E120"]
