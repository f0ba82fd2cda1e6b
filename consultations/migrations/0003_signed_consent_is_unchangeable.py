"""A signed consent and the text versions people signed can never be changed, whoever tries
(admin, shell, a bug): the database refuses UPDATE on both tables. Deletion is already blocked
by PROTECT foreign keys; a DELETE trigger is left out so test databases can still be flushed."""

from django.db import migrations

TABLES = ("consultations_consentsignature", "consultations_consenttext")

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION consultations_refuse_update() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'A signed consent and its text cannot be changed (%%).', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTION)
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION consultations_refuse_update();"
            )
    elif vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'A signed consent and its text cannot be changed.'); END;"
            )


def remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update ON {table};")
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update;")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS consultations_refuse_update();")


class Migration(migrations.Migration):
    dependencies = [("consultations", "0002_first_consent_text")]

    operations = [migrations.RunPython(install, remove)]
