"""A photo consent row is history: once written, the database refuses every change to it except
its one withdrawal (``withdrawn_at`` and ``withdrawn_by`` set, from empty, and nothing else
touched), whoever tries (admin, shell, a bug). Giving consent again is a new row. A DELETE
trigger is left out: removing a photo (the practitioner's retake on the day) takes its consent
rows with it, and test databases must still be flushed."""

from django.db import migrations

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION aftercare_photo_consent_only_withdrawn() RETURNS trigger AS $$
BEGIN
    IF OLD.withdrawn_at IS NOT NULL
        OR NEW.withdrawn_at IS NULL
        OR NEW.id IS DISTINCT FROM OLD.id
        OR NEW.photo_id IS DISTINCT FROM OLD.photo_id
        OR NEW.use IS DISTINCT FROM OLD.use
        OR NEW.given_at IS DISTINCT FROM OLD.given_at
        OR NEW.given_by_id IS DISTINCT FROM OLD.given_by_id
    THEN
        RAISE EXCEPTION 'A photo consent is history: it can only be withdrawn, once. Give it again as a new consent.';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""
TRIGGER = "aftercare_photo_consent_history"
TABLE = "aftercare_photoconsent"


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTION)
        schema_editor.execute(
            f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION aftercare_photo_consent_only_withdrawn();"
        )
    elif vendor == "sqlite":
        schema_editor.execute(
            f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE ON {TABLE} FOR EACH ROW "
            "WHEN OLD.withdrawn_at IS NOT NULL OR NEW.withdrawn_at IS NULL OR NEW.id IS NOT OLD.id "
            "OR NEW.photo_id IS NOT OLD.photo_id OR NEW.use IS NOT OLD.use OR NEW.given_at IS NOT OLD.given_at "
            "OR NEW.given_by_id IS NOT OLD.given_by_id "
            "BEGIN SELECT RAISE(ABORT, 'A photo consent is history: it can only be withdrawn, once.'); END;"
        )


def remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {TABLE};")
        schema_editor.execute("DROP FUNCTION IF EXISTS aftercare_photo_consent_only_withdrawn();")
    elif vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER};")


class Migration(migrations.Migration):
    dependencies = [("aftercare", "0004_session_photos_and_consents")]

    operations = [migrations.RunPython(install, remove)]
