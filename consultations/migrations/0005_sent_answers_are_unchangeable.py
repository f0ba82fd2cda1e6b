"""The answers of a sent consultation form (and whose form and which version it is) can never be
changed, whoever tries (admin, shell, a bug): the client amends by sending a new version, and the
old one is the record of what the practitioner reviewed and the client signed. The database
refuses such an UPDATE; the status, the decision and ``superseded_at`` still change as before."""

from django.db import migrations

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION consultations_refuse_sent_answers_change() RETURNS trigger AS $$
BEGIN
    IF OLD.status <> 'draft' AND (
        NEW.answers IS DISTINCT FROM OLD.answers
        OR NEW.client_id IS DISTINCT FROM OLD.client_id
        OR NEW.version IS DISTINCT FROM OLD.version
    ) THEN
        RAISE EXCEPTION 'The answers of a sent consultation form cannot be changed: the client sends a new version.';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""
TRIGGER = "consultations_intake_sent_answers_unchangeable"


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTION)
        schema_editor.execute(
            f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE ON consultations_intake "
            "FOR EACH ROW EXECUTE FUNCTION consultations_refuse_sent_answers_change();"
        )
    elif vendor == "sqlite":
        schema_editor.execute(
            f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE ON consultations_intake FOR EACH ROW "
            "WHEN OLD.status <> 'draft' AND (NEW.answers IS NOT OLD.answers OR NEW.client_id IS NOT OLD.client_id "
            "OR NEW.version IS NOT OLD.version) "
            "BEGIN SELECT RAISE(ABORT, 'The answers of a sent consultation form cannot be changed.'); END;"
        )


def remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON consultations_intake;")
        schema_editor.execute("DROP FUNCTION IF EXISTS consultations_refuse_sent_answers_change();")
    elif vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER};")


class Migration(migrations.Migration):
    dependencies = [("consultations", "0004_health_update_cleared_again")]

    operations = [migrations.RunPython(install, remove)]
