"""No double booking, held by the database: PostgreSQL exclusion constraints (btree_gist,
tstzrange) on practitioner time (the needling), room time (numbing to turnover) and client time
(numbing to needling end), for appointments that hold time.

PostgreSQL only: an ExclusionConstraint in a model's Meta breaks SQLite (the migration fails near
EXCLUDE and model validation queries it). On SQLite the services' checks inside IMMEDIATE
transactions keep the same rules.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

ACTIVE = "status IN ('booked', 'checked_in', 'in_treatment', 'completed')"

CONSTRAINTS = {
    "appointment_practitioner_no_overlap": f"""
        ALTER TABLE bookings_appointment ADD CONSTRAINT appointment_practitioner_no_overlap
        EXCLUDE USING gist (practitioner_id WITH =, tstzrange(needling_starts_at, needling_ends_at, '[)') WITH &&)
        WHERE ({ACTIVE})""",
    "appointment_room_no_overlap": f"""
        ALTER TABLE bookings_appointment ADD CONSTRAINT appointment_room_no_overlap
        EXCLUDE USING gist (room_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
        WHERE ({ACTIVE})""",
    "appointment_client_no_overlap": f"""
        ALTER TABLE bookings_appointment ADD CONSTRAINT appointment_client_no_overlap
        EXCLUDE USING gist (client_id WITH =, tstzrange(starts_at, needling_ends_at, '[)') WITH &&)
        WHERE ({ACTIVE})""",
}


class BtreeGistOnPostgreSQL(BtreeGistExtension):
    """Django's CreateExtension skips other databases going forwards but not backwards."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def add_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in CONSTRAINTS.values():
        schema_editor.execute(sql)


def drop_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in CONSTRAINTS:
        schema_editor.execute(f"ALTER TABLE bookings_appointment DROP CONSTRAINT IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("bookings", "0001_initial")]

    operations = [
        BtreeGistOnPostgreSQL(),
        migrations.RunPython(add_constraints, drop_constraints, elidable=False),
    ]
