"""A practitioner is at one location at a time, held by the database: an exclusion constraint
(btree_gist) refuses two working-hours blocks of the same practitioner on the same weekday at
different locations whose wall-clock times overlap. Blocks at the same location may touch or
overlap (they only widen the day there).

PostgreSQL only, as the appointment constraints of 0002 (see DESIGN.md "No double booking")."""

from django.db import migrations

NAME = "working_hours_one_location_at_a_time"

SQL = f"""
    ALTER TABLE bookings_workinghours ADD CONSTRAINT {NAME}
    EXCLUDE USING gist (
        practitioner_id WITH =,
        weekday WITH =,
        location_id WITH <>,
        tsrange(DATE '2000-01-03' + start_time, DATE '2000-01-03' + end_time, '[)') WITH &&
    )"""


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SQL)


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE bookings_workinghours DROP CONSTRAINT IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("bookings", "0007_rooms_hours_closures_at_locations")]

    operations = [migrations.RunPython(add_constraint, drop_constraint, elidable=False)]
