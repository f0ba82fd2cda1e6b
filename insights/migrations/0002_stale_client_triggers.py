"""The triggers that queue the clients whose session facts are out of date (PostgreSQL only: the
SQLite demo works every fact out on each refresh), the facts' extended statistics, and a first
row asking for every fact."""

from django.db import migrations

FUNCTIONS = """
CREATE OR REPLACE FUNCTION insights_stale_new_clients() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO insights_staleclient (client_id, queued_at) SELECT DISTINCT client_id, now() FROM new_rows;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION insights_stale_old_clients() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO insights_staleclient (client_id, queued_at) SELECT DISTINCT client_id, now() FROM old_rows;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION insights_stale_both_clients() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO insights_staleclient (client_id, queued_at)
    SELECT client_id, now() FROM new_rows UNION SELECT client_id, now() FROM old_rows;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION insights_stale_course_client() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO insights_staleclient (client_id, queued_at) VALUES (NEW.client_id, now());
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION insights_stale_everything() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO insights_staleclient (client_id, queued_at) VALUES (NULL, now());
    RETURN NULL;
END $$;
"""

TRIGGERS = """
CREATE TRIGGER insights_stale_insert AFTER INSERT ON bookings_appointment
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION insights_stale_new_clients();
CREATE TRIGGER insights_stale_update AFTER UPDATE ON bookings_appointment
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION insights_stale_both_clients();
CREATE TRIGGER insights_stale_delete AFTER DELETE ON bookings_appointment
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION insights_stale_old_clients();
CREATE TRIGGER insights_stale_truncate AFTER TRUNCATE ON bookings_appointment
    FOR EACH STATEMENT EXECUTE FUNCTION insights_stale_everything();
CREATE TRIGGER insights_stale_course AFTER UPDATE OF status, planned_sessions ON bookings_course
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.planned_sessions IS DISTINCT FROM NEW.planned_sessions)
    EXECUTE FUNCTION insights_stale_course_client();
CREATE TRIGGER insights_stale_room AFTER UPDATE OF location_id ON bookings_room
    FOR EACH ROW WHEN (OLD.location_id IS DISTINCT FROM NEW.location_id)
    EXECUTE FUNCTION insights_stale_everything();
CREATE TRIGGER insights_stale_treatment_window AFTER UPDATE OF spacing_min_days, spacing_max_days
    ON bookings_treatment FOR EACH ROW
    WHEN (OLD.spacing_min_days IS DISTINCT FROM NEW.spacing_min_days
          OR OLD.spacing_max_days IS DISTINCT FROM NEW.spacing_max_days)
    EXECUTE FUNCTION insights_stale_everything();
CREATE TRIGGER insights_stale_location_zone AFTER UPDATE OF time_zone ON clinic_location
    FOR EACH ROW WHEN (OLD.time_zone IS DISTINCT FROM NEW.time_zone)
    EXECUTE FUNCTION insights_stale_everything();
CREATE TRIGGER insights_stale_locations AFTER INSERT OR DELETE ON clinic_location
    FOR EACH STATEMENT EXECUTE FUNCTION insights_stale_everything();
CREATE TRIGGER insights_stale_clinic_zone AFTER UPDATE OF time_zone ON clinic_clinicprofile
    FOR EACH ROW WHEN (OLD.time_zone IS DISTINCT FROM NEW.time_zone)
    EXECUTE FUNCTION insights_stale_everything();
"""

# The reports group a year of facts by several columns at once; without these the planner takes
# the columns as independent, expects a group per row and gives up on parallel hash aggregation.
STATISTICS = """
CREATE STATISTICS IF NOT EXISTS fact_practitioner_room (ndistinct)
    ON practitioner_id, room_id FROM insights_sessionfact;
CREATE STATISTICS IF NOT EXISTS fact_groups (ndistinct)
    ON iso_weekday, local_hour, channel, lead_band, outcome, gap_days FROM insights_sessionfact;
"""

UNDO = """
DROP STATISTICS IF EXISTS fact_practitioner_room;
DROP STATISTICS IF EXISTS fact_groups;
DROP TRIGGER IF EXISTS insights_stale_insert ON bookings_appointment;
DROP TRIGGER IF EXISTS insights_stale_update ON bookings_appointment;
DROP TRIGGER IF EXISTS insights_stale_delete ON bookings_appointment;
DROP TRIGGER IF EXISTS insights_stale_truncate ON bookings_appointment;
DROP TRIGGER IF EXISTS insights_stale_course ON bookings_course;
DROP TRIGGER IF EXISTS insights_stale_room ON bookings_room;
DROP TRIGGER IF EXISTS insights_stale_treatment_window ON bookings_treatment;
DROP TRIGGER IF EXISTS insights_stale_location_zone ON clinic_location;
DROP TRIGGER IF EXISTS insights_stale_locations ON clinic_location;
DROP TRIGGER IF EXISTS insights_stale_clinic_zone ON clinic_clinicprofile;
DROP FUNCTION IF EXISTS insights_stale_new_clients();
DROP FUNCTION IF EXISTS insights_stale_old_clients();
DROP FUNCTION IF EXISTS insights_stale_both_clients();
DROP FUNCTION IF EXISTS insights_stale_course_client();
DROP FUNCTION IF EXISTS insights_stale_everything();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTIONS)
        schema_editor.execute(TRIGGERS)
        schema_editor.execute(STATISTICS)
    # Every fact to be worked out (by the first refresh, with the code of that day).
    apps.get_model("insights", "StaleClient").objects.create(client_id=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNDO)


class Migration(migrations.Migration):
    dependencies = [("insights", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
