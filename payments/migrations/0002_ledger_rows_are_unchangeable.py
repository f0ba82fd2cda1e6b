"""Ledger rows, receipts and package uses are never changed or deleted, whoever tries (admin,
shell, a bug): the database refuses UPDATE and DELETE on them, as it refuses changes to signed
consents (consultations 0003). A payment taken in error is reversed by a refund.

A flush of a test database uses TRUNCATE, which fires no row triggers, so DELETE can be refused
here too. On PostgreSQL a refund is also checked at insert: it points to a payment of the same
client and, with the refunds before it, does not exceed that payment (the services say so first,
with the figures; this is the last line)."""

from django.db import migrations

TABLES = ("payments_ledgerentry", "payments_receipt", "payments_packageuse")

POSTGRES_FUNCTIONS = """
CREATE OR REPLACE FUNCTION payments_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'Ledger entries, receipts and package uses cannot be changed or deleted (%%): record a refund instead.', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION payments_refund_within_payment() RETURNS trigger AS $$
DECLARE
    paid numeric;
    paid_kind text;
    paid_client bigint;
    refunded numeric;
BEGIN
    IF NEW.kind <> 'refund' THEN
        RETURN NEW;
    END IF;
    SELECT amount, kind, client_id INTO paid, paid_kind, paid_client
        FROM payments_ledgerentry WHERE id = NEW.refund_of_id;
    IF paid_kind IS DISTINCT FROM 'payment' OR paid_client <> NEW.client_id THEN
        RAISE EXCEPTION 'A refund must point to a payment of the same client.';
    END IF;
    SELECT COALESCE(SUM(amount), 0) INTO refunded FROM payments_ledgerentry WHERE refund_of_id = NEW.refund_of_id;
    IF refunded + NEW.amount > paid THEN
        RAISE EXCEPTION 'A refund cannot exceed what remains of its payment.';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTIONS)
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION payments_refuse_change();"
            )
        schema_editor.execute(
            "CREATE TRIGGER payments_ledgerentry_refund_check BEFORE INSERT ON payments_ledgerentry "
            "FOR EACH ROW EXECUTE FUNCTION payments_refund_within_payment();"
        )
    elif vendor == "sqlite":
        for table in TABLES:
            for event in ("UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                    "BEGIN SELECT RAISE(ABORT, 'Ledger entries, receipts and package uses cannot be changed "
                    "or deleted: record a refund instead.'); END;"
                )


def remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table};")
        schema_editor.execute("DROP TRIGGER IF EXISTS payments_ledgerentry_refund_check ON payments_ledgerentry;")
        schema_editor.execute("DROP FUNCTION IF EXISTS payments_refuse_change();")
        schema_editor.execute("DROP FUNCTION IF EXISTS payments_refund_within_payment();")
    elif vendor == "sqlite":
        for table in TABLES:
            for event in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{event};")


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_price_list_packages_ledger_receipts")]

    operations = [migrations.RunPython(install, remove)]
