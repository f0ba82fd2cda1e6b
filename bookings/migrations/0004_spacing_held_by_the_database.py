"""Spacing, held by the database (PostgreSQL only): a constraint trigger refuses an active session
(booked, checked in, in treatment, completed) of a client and treatment that shares an area with
another active session of theirs closer than the treatment's minimum days, counted in calendar
days in the clinic's time zone. ``Appointment(...).save()`` in a shell or a raw ``INSERT`` is
refused as a booking service would refuse it (the services check first, for a clear message).

Which time zone: ONE SQL function, ``bookings_session_time_zone(room_id)``, answers it. Today
it reads the clinic's one zone (the singleton ``clinic_clinicprofile.time_zone``; the model's
default, Europe/London, before that row exists). When zones move to locations, replace that
function's body (the zone of the room's location) in a new migration, and nothing else: every
day the trigger counts goes through ``bookings_session_day``, which asks it. The trigger already
fires when a session's room changes, and checks when the day it falls on changes.

When it checks: on INSERT of an active session, and on an UPDATE (of status, starts_at, areas,
client, treatment or room) after which the session counts and either did not count before
(cancelled, no-show) or now falls on another local day, has other areas, or belongs to another
client or treatment. Everything else is left alone: checking in, starting, completing,
cancelling a session, or moving it within its day, never fails because of its neighbours. That
matters when a manager raises a treatment's minimum or changes the clinic's zone: the sessions
that no longer fit stay as they are (the manager saw the list before saving) and can still be
checked in, completed or cancelled; only moving one to another day must fit the rules.

Locks: the trigger takes the client row lock the services take (``bookings/locks.py``: clients
first), ``SELECT ... FROM clinic_user WHERE id = client_id FOR UPDATE``, before it reads the
client's sessions, so two transactions adding sessions for one client serialise and the second
sees the first (READ COMMITTED, Django's default: each query in the function takes a fresh
snapshot after the wait). For the services it is a no-op, they hold it already. An INSERT holds
no lock on the client row before that (Django's foreign keys are DEFERRABLE INITIALLY DEFERRED,
their KEY SHARE check runs at commit), so concurrent inserts queue, not deadlock. A raw UPDATE
locks the session's row first and the client second, the reverse of the services' order: racing
a service on the same session, one of the two may be aborted as a deadlock (the rule holds);
scripts that update sessions should lock the client first, as ``appointment_lock`` does.

DEFERRABLE INITIALLY IMMEDIATE: checked at the end of each statement, so a refusal arrives on
the write that caused it (inside the service's savepoint, where ``_insert_or_explain`` turns it
into a message; in a shell, on the ``.save()`` line). A service that moves two sessions in
steps (a swap, shifting a course) can ``SET CONSTRAINTS appointment_spacing DEFERRED`` in its
transaction and be checked at commit on the final state: the check reads the row as it is then,
not as it was at the event. (INITIALLY DEFERRED would move every refusal to COMMIT, outside the
savepoint that explains it.)

The refusal: SQLSTATE 23S01 (class 23, integrity constraint violation, so Django raises
``IntegrityError``), constraint name ``appointment_spacing``.

PostgreSQL only, like 0002: on SQLite the booking services' check inside IMMEDIATE transactions
is the only guard (a shell ``.save()`` there is not checked).
"""

from django.db import migrations

ACTIVE = "('booked', 'checked_in', 'in_treatment', 'completed')"

# The one place that says which zone a session's calendar day is counted in.
TIME_ZONE_FUNCTION = """
CREATE OR REPLACE FUNCTION bookings_session_time_zone(room_id bigint) RETURNS text
LANGUAGE sql STABLE AS $$
    -- One zone for the whole clinic today; room_id is for zones per location.
    SELECT COALESCE((SELECT time_zone FROM clinic_clinicprofile WHERE singleton LIMIT 1), 'Europe/London')
$$;
"""

DAY_FUNCTION = """
CREATE OR REPLACE FUNCTION bookings_session_day(starts_at timestamptz, room_id bigint) RETURNS date
LANGUAGE sql STABLE AS $$
    SELECT (starts_at AT TIME ZONE bookings_session_time_zone(room_id))::date
$$;
"""

# After this write, does the session need checking against its neighbours?
NEEDS_CHECK = f"""(
    NEW.status IN {ACTIVE} AND (
        TG_OP = 'INSERT'
        OR OLD.status NOT IN {ACTIVE}
        OR OLD.client_id <> NEW.client_id
        OR OLD.treatment_id <> NEW.treatment_id
        OR OLD.areas IS DISTINCT FROM NEW.areas
        OR bookings_session_day(OLD.starts_at, OLD.room_id) <> bookings_session_day(NEW.starts_at, NEW.room_id)
    )
)"""

CHECK_FUNCTION = f"""
CREATE OR REPLACE FUNCTION bookings_appointment_spacing_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    this bookings_appointment%ROWTYPE;
    min_days integer;
    session_day date;
    clash record;
BEGIN
    IF NOT {NEEDS_CHECK} THEN
        RETURN NULL;
    END IF;
    -- The row as it is now: when deferred, it may have changed (or gone) since this event.
    SELECT * INTO this FROM bookings_appointment WHERE id = NEW.id;
    IF NOT FOUND OR this.status NOT IN {ACTIVE} THEN
        RETURN NULL;
    END IF;
    IF jsonb_typeof(this.areas) <> 'array' THEN
        RAISE EXCEPTION 'appointment_spacing: the areas of session % must be a JSON list of area codes', this.id
            USING ERRCODE = '23S01', CONSTRAINT = 'appointment_spacing';
    END IF;
    PERFORM 1 FROM clinic_user WHERE id = this.client_id FOR UPDATE;
    SELECT spacing_min_days INTO min_days FROM bookings_treatment WHERE id = this.treatment_id;
    session_day := bookings_session_day(this.starts_at, this.room_id);
    SELECT other.id, bookings_session_day(other.starts_at, other.room_id) AS other_day INTO clash
      FROM bookings_appointment other
     WHERE other.client_id = this.client_id
       AND other.treatment_id = this.treatment_id
       AND other.id <> this.id
       AND other.status IN {ACTIVE}
       AND other.areas ?| ARRAY(SELECT jsonb_array_elements_text(this.areas))
       AND abs(bookings_session_day(other.starts_at, other.room_id) - session_day) < min_days
     ORDER BY abs(bookings_session_day(other.starts_at, other.room_id) - session_day), other.id
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'appointment_spacing: session % on % is % days from session % on %, on the same area',
                this.id, session_day, abs(clash.other_day - session_day), clash.id, clash.other_day
            USING ERRCODE = '23S01',
                  CONSTRAINT = 'appointment_spacing',
                  DETAIL = format('The treatment''s minimum is %s days between sessions on the same area.', min_days);
    END IF;
    RETURN NULL;
END
$$;
"""

COLUMNS = "status, starts_at, areas, client_id, treatment_id, room_id"

TRIGGER = f"""
CREATE CONSTRAINT TRIGGER appointment_spacing
    AFTER INSERT OR UPDATE OF {COLUMNS} ON bookings_appointment
    DEFERRABLE INITIALLY IMMEDIATE
    FOR EACH ROW EXECUTE FUNCTION bookings_appointment_spacing_check();
"""

DROP = """
DROP TRIGGER IF EXISTS appointment_spacing ON bookings_appointment;
DROP FUNCTION IF EXISTS bookings_appointment_spacing_check();
DROP FUNCTION IF EXISTS bookings_session_day(timestamptz, bigint);
DROP FUNCTION IF EXISTS bookings_session_time_zone(bigint);
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in (TIME_ZONE_FUNCTION, DAY_FUNCTION, CHECK_FUNCTION, TRIGGER):
        schema_editor.execute(sql, params=None)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0003_waitlist_calendar_feed"),
        ("clinic", "0001_initial"),
    ]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
