"""The chain: a PostgreSQL database the size of a clinic chain, built once and kept between runs.

200 locations (most in Europe/London, some in Dublin, Paris and Berlin), 5 rooms at each (1,000),
10 practitioners based at each (2,000; three in ten of them also work Thursdays and Fridays at the
next location), 1,000 clients per location (200,000) and exactly 2,000,000 sessions over three
years: two years back to one year ahead, Monday to Saturday, two or three sessions per room and day
at fixed arrival times (09:00, 10:30, 13:30, 15:00, 16:30 local), each client coming back about
every three months. Past sessions are mostly completed (some cancelled, some no-shows), future
ones booked (some cancelled). Every exclusion constraint and index of the schema holds: they are
dropped for the load and built again after it, which checks the rows.

How it is built: ``migrate`` on an empty database, then ``COPY`` (psycopg 3 ``cursor.copy``) of
users, practitioners, rooms, working hours, courses and sessions in batches of 100,000 rows,
then the indexes and ``ANALYZE``. The database is built under a temporary name and renamed to
``clinic_chain`` when complete, so a half-built one is never used. It is built again only when it
is missing or its marker (``CHAIN_VERSION``, the generator's version) differs; migrations added
since are applied to it with ``migrate``.

Use from another bench (``make bench`` has already called ``django.setup()``)::

    from bench.chain import chain_database

    with chain_database() as chain:      # builds it first if needed (minutes, once)
        # Django's default connection now points at clinic_chain; the set-up cache is reset.
        location = Location.objects.get(pk=chain.location_id)
        ...
    # back on the database that was in use before

``chain`` (a ``Chain``) holds the ids worth measuring: a London location (``location_id``) and
its front-desk member (``front_desk_id``), a manager (``manager_id``), a client of that location
with ten sessions and a clearance (``client_id``), the treatment (``treatment_id``), and the
build time (``build_seconds``). ``python -m bench.chain`` builds it (``--rebuild`` to force) and
prints them. Set ``CHAIN_DATABASE`` to use another name.
"""

import io
import json
import os
import random
import sys
import time as clock
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

CHAIN_VERSION = "chain-1"
CHAIN_DATABASE = os.environ.get("CHAIN_DATABASE", "clinic_chain")

LOCATIONS = 200
ROOMS_PER_LOCATION = 5
PRACTITIONERS_PER_LOCATION = 10
CLIENTS_PER_LOCATION = 1_000
APPOINTMENTS = 2_000_000
DAYS_BACK, DAYS_AHEAD = 730, 365
BATCH = 100_000
ARRIVALS = (time(9), time(10, 30), time(13, 30), time(15), time(16, 30))
# Share of locations per zone (the first location, the one measured, is in London).
ZONES = (("Europe/London", 140), ("Europe/Dublin", 30), ("Europe/Paris", 20), ("Europe/Berlin", 10))
TWO_SITE_SLOTS = (7, 8, 9)  # practitioners n % 10 in these also work Thu and Fri at the next site
AWAY_DAYS = (3, 4)


@dataclass(frozen=True)
class Chain:
    database: str
    location_id: int
    front_desk_id: int
    manager_id: int
    client_id: int
    treatment_id: int
    appointments: int
    build_seconds: float
    built_at: str


def _admin_connection(settings_dict, dbname: str = "postgres"):
    import psycopg

    params = {"dbname": dbname, "autocommit": True}
    for key, name in (("HOST", "host"), ("PORT", "port"), ("USER", "user"), ("PASSWORD", "password")):
        if settings_dict.get(key):
            params[name] = settings_dict[key]
    return psycopg.connect(**params)


def _marker(settings_dict) -> dict | None:
    import psycopg

    try:
        with _admin_connection(settings_dict, CHAIN_DATABASE) as conn:
            row = conn.execute("SELECT data FROM chain_bench_marker LIMIT 1").fetchone()
    except psycopg.Error:
        return None
    return row[0] if row else None


@contextmanager
def pointed_at(name: str) -> Iterator[None]:
    """Django's default connection on database ``name`` for the block; the set-up cache (keyed
    by a token in Redis) is reset on the way in and out, as each database has its own set-up."""
    from django.db import connections

    from clinic.setup_cache import _replace_token

    connection = connections["default"]
    old = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = name
    _replace_token()
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = old
        _replace_token()


def ensure_chain_database(*, rebuild: bool = False, out=sys.stdout) -> Chain:
    """The chain database, built if missing or out of date (an advisory lock keeps two
    processes from building it at once), with pending migrations applied."""
    from django.db import connections

    settings_dict = dict(connections["default"].settings_dict)
    with _admin_connection(settings_dict) as admin:
        admin.execute("SELECT pg_advisory_lock(hashtext('clinic chain bench build'))")
        try:
            marker = None if rebuild else _marker(settings_dict)
            if marker is None or marker.get("version") != CHAIN_VERSION:
                _build(admin, settings_dict, out)
                marker = _marker(settings_dict)
            else:
                with pointed_at(CHAIN_DATABASE):
                    _migrate_if_needed(out)
                    _facts_up_to_date(out)
        finally:
            admin.execute("SELECT pg_advisory_unlock(hashtext('clinic chain bench build'))")
    return Chain(database=CHAIN_DATABASE, **{k: v for k, v in marker.items() if k != "version"})


@contextmanager
def chain_database(*, rebuild: bool = False) -> Iterator[Chain]:
    """Django's default connection on the chain database (built first if needed) for the block."""
    chain = ensure_chain_database(rebuild=rebuild)
    with pointed_at(CHAIN_DATABASE):
        yield chain


def _migrate_if_needed(out) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        print("chain: applying new migrations", file=out, flush=True)
        call_command("migrate", verbosity=0, interactive=False)


def _facts_up_to_date(out, started: float | None = None) -> None:
    """The insights' session facts worked out for whatever the load or a migration queued (every
    fact after a build: minutes, once), so that no measured page pays for it."""
    from django.db import connection

    from insights.facts import facts_refresh

    began = clock.perf_counter()
    if facts_refresh():
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE insights_sessionfact")
        since = started if started is not None else began
        print(f"chain: session facts worked out at {clock.perf_counter() - since:.0f} s", file=out, flush=True)


def _build(admin, settings_dict, out) -> None:
    building = f"{CHAIN_DATABASE}_building"
    started = clock.perf_counter()
    print(f"chain: building {CHAIN_DATABASE} (2,000,000 sessions; a few minutes, once)", file=out, flush=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{building}"')
    admin.execute(f'CREATE DATABASE "{building}"')
    with pointed_at(building):
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        print(f"chain: migrated in {clock.perf_counter() - started:.0f} s", file=out, flush=True)
        ids = _load(out, started)
        _facts_up_to_date(out, started)
    admin.execute(f'DROP DATABASE IF EXISTS "{CHAIN_DATABASE}" WITH (FORCE)')
    admin.execute(f'ALTER DATABASE "{building}" RENAME TO "{CHAIN_DATABASE}"')
    seconds = round(clock.perf_counter() - started, 1)
    marker = {"version": CHAIN_VERSION, **ids, "build_seconds": seconds, "built_at": datetime.now(UTC).isoformat()}
    with _admin_connection(settings_dict, CHAIN_DATABASE) as conn:
        conn.execute("CREATE TABLE chain_bench_marker (data jsonb NOT NULL)")
        conn.execute("INSERT INTO chain_bench_marker (data) VALUES (%s)", [json.dumps(marker)])
    print(f"chain: built in {seconds:.0f} s", file=out, flush=True)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S+00")


def _copy(cursor, table: str, columns: str, lines: Iterator[str]) -> int:
    """COPY ``lines`` (tab-separated, one row each) into ``table`` in batches of ``BATCH``."""
    count = 0
    buffer = io.StringIO()
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for line in lines:
            buffer.write(line)
            buffer.write("\n")
            count += 1
            if count % BATCH == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())
    return count


def _load(out, started: float) -> dict:
    """The rows, by COPY, on the database Django's connection points at (freshly migrated)."""
    from django.contrib.auth.models import Group
    from django.db import connection

    from bookings.tests.factories import TreatmentFactory
    from clinic.models import ClinicProfile, Location
    from clinic.roles import Role

    now = datetime.now(UTC)
    profile = ClinicProfile.get()
    ClinicProfile.objects.filter(pk=profile.pk).update(name="Chain bench", time_zone="Europe/London")
    treatment = TreatmentFactory(needs_clearance=True)
    client_group = Group.objects.get(name=Role.CLIENT).pk
    practitioner_group = Group.objects.get(name=Role.PRACTITIONER).pk
    Location.objects.all().delete()  # none yet, or the profile's (no rooms): the chain's own follow

    zones = [zone for zone, share in ZONES for _ in range(share * LOCATIONS // 200)]
    rng = random.Random(12)
    raw = connection.connection  # psycopg 3
    with raw.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # no FK or spacing triggers during the load
        cursor.execute("SET maintenance_work_mem = '256MB'")
        # Indexes and exclusion constraints of the session table: dropped, loaded, built again.
        cursor.execute(
            """SELECT c.conname, 'ALTER TABLE bookings_appointment ADD CONSTRAINT ' || quote_ident(c.conname)
                      || ' ' || pg_get_constraintdef(c.oid)
                 FROM pg_constraint c WHERE c.conrelid = 'bookings_appointment'::regclass AND c.contype = 'x'"""
        )
        exclusions = cursor.fetchall()
        cursor.execute(
            """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
                WHERE i.indrelid = 'bookings_appointment'::regclass AND NOT i.indisprimary
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"""
        )
        indexes = cursor.fetchall()
        for name, _ in exclusions:
            cursor.execute(f"ALTER TABLE bookings_appointment DROP CONSTRAINT {name}")
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")

        _copy(
            cursor,
            "clinic_location",
            "id, name, address, phone, email, time_zone, late_cancellation_hours, is_active, created_at",
            (
                f"{n + 1}\tChain {n + 1:03d}\t{n + 1} High Street\\nTown {n + 1:03d}\t0117 000 {n:04d}\t"
                f"site{n + 1}@chain.example\t{zones[n]}\t48\tt\t{_stamp(now)}"
                for n in range(LOCATIONS)
            ),
        )
        # Users: practitioners 1..2000, clients after them.
        practitioners = LOCATIONS * PRACTITIONERS_PER_LOCATION
        clients = LOCATIONS * CLIENTS_PER_LOCATION
        user_columns = (
            "id, password, is_superuser, email, first_name, last_name, phone, preferred_channel,"
            " is_staff, is_active, date_joined, home_location_id"
        )
        _copy(
            cursor,
            "clinic_user",
            user_columns,
            (
                f"{n + 1}\t!\tf\tchain-practitioner-{n + 1}@example.com\tPractitioner\tNo {n + 1}\t\temail\tf\tt\t"
                f"{_stamp(now)}\t{n // PRACTITIONERS_PER_LOCATION + 1}"
                for n in range(practitioners)
            ),
        )
        first_client = practitioners + 1
        _copy(
            cursor,
            "clinic_user",
            user_columns,
            (
                f"{first_client + n}\t!\tf\tchain-client-{n + 1}@example.com\tClient\tNo {n + 1}\t"
                f"07700 {n:06d}\temail\tf\tt\t{_stamp(now)}\t\\N"
                for n in range(clients)
            ),
        )
        _copy(
            cursor,
            "clinic_user_groups",
            "user_id, group_id",
            (
                f"{u}\t{practitioner_group if u < first_client else client_group}"
                for u in range(1, first_client + clients)
            ),
        )
        _copy(
            cursor,
            "bookings_practitioner",
            "id, is_active, user_id",
            (f"{n + 1}\tt\t{n + 1}" for n in range(practitioners)),
        )
        _copy(
            cursor,
            "bookings_practitioner_treatments",
            "practitioner_id, treatment_id",
            (f"{n + 1}\t{treatment.pk}" for n in range(practitioners)),
        )
        rooms = LOCATIONS * ROOMS_PER_LOCATION
        _copy(
            cursor,
            "bookings_room",
            "id, name, is_active, location_id",
            (f"{n + 1}\tRoom {n % ROOMS_PER_LOCATION + 1}\tt\t{n // ROOMS_PER_LOCATION + 1}" for n in range(rooms)),
        )
        _copy(
            cursor,
            "bookings_room_treatments",
            "room_id, treatment_id",
            (f"{n + 1}\t{treatment.pk}" for n in range(rooms)),
        )

        # Who works where on which weekday: {(location index, weekday): [practitioner ids]}.
        at: dict[tuple[int, int], list[int]] = {}
        hours = []
        for n in range(practitioners):
            home = n // PRACTITIONERS_PER_LOCATION
            two_sites = n % PRACTITIONERS_PER_LOCATION in TWO_SITE_SLOTS
            for weekday in range(6):
                location = (home + 1) % LOCATIONS if two_sites and weekday in AWAY_DAYS else home
                at.setdefault((location, weekday), []).append(n + 1)
                for start, end in (("09:00", "13:00"), ("13:30", "18:00")):
                    hours.append(f"{n + 1}\t{location + 1}\t{weekday}\t{start}\t{end}")
        _copy(
            cursor, "bookings_workinghours", "practitioner_id, location_id, weekday, start_time, end_time", iter(hours)
        )
        if two_sites_staff := [n + 1 for n in range(practitioners) if n % 10 in TWO_SITE_SLOTS]:
            _copy(
                cursor,
                "clinic_user_locations",
                "user_id, location_id",
                (f"{u}\t{((u - 1) // PRACTITIONERS_PER_LOCATION + 1) % LOCATIONS + 1}" for u in two_sites_staff),
            )

        today = now.astimezone(ZoneInfo("Europe/London")).date()
        days = [
            today + timedelta(days=d)
            for d in range(-DAYS_BACK, DAYS_AHEAD)
            if (today + timedelta(days=d)).weekday() != 6
        ]
        room_days = len(days) * rooms
        offsets = {
            (zone, day): datetime.combine(day, time(12), tzinfo=ZoneInfo(zone)).utcoffset()
            for zone in {z for z, _ in ZONES}
            for day in days
        }
        next_client = [0] * LOCATIONS
        course_of: dict[int, list[int]] = {}  # client id -> [course id, sessions in it]
        courses: list[str] = []
        count = [0]

        def sessions() -> Iterator[str]:
            index = 0
            for day in days:
                weekday = day.weekday()
                past, is_today = day < today, day == today
                for location in range(LOCATIONS):
                    zone = zones[location]
                    offset = offsets[(zone, day)]
                    working = at[(location, weekday)]
                    for r in range(ROOMS_PER_LOCATION):
                        room = location * ROOMS_PER_LOCATION + r + 1
                        # Two or three sessions in each room and day, exactly APPOINTMENTS in all.
                        n = (index + 1) * APPOINTMENTS // room_days - index * APPOINTMENTS // room_days
                        index += 1
                        for slot in sorted(rng.sample(range(len(ARRIVALS)), n)):
                            practitioner = working[(r + slot + day.toordinal()) % len(working)]
                            client = first_client + location * CLIENTS_PER_LOCATION + next_client[location]
                            next_client[location] = (next_client[location] + 1) % CLIENTS_PER_LOCATION
                            course = course_of.get(client)
                            if course is None or course[1] == 3:
                                course = course_of[client] = [len(courses) + 1, 0]
                                courses.append(
                                    f'{course[0]}\t["face", "neck"]\t3\t{"finished" if past else "open"}\t'
                                    f"{_stamp(datetime.combine(day, time(8), tzinfo=UTC))}\t{client}\t{treatment.pk}"
                                )
                            course[1] += 1
                            starts = datetime.combine(day, ARRIVALS[slot]) - offset
                            roll = rng.random()
                            if past:
                                status = "completed" if roll < 0.86 else "cancelled" if roll < 0.94 else "no_show"
                            elif is_today:
                                status = "checked_in" if roll < 0.3 else "booked" if roll < 0.95 else "cancelled"
                            else:
                                status = "booked" if roll < 0.92 else "cancelled"
                            booked = starts - timedelta(days=20 + int(roll * 40))
                            cancelled = (
                                f"{_stamp(starts - timedelta(days=2 + int(roll * 5)))}\tclient"
                                if status == "cancelled"
                                else "\\N\t"
                            )
                            count[0] += 1
                            yield (
                                f'{count[0]}\t["face", "neck"]\t{status}\t{_stamp(starts)}\t'
                                f"{_stamp(starts + timedelta(minutes=30))}\t{_stamp(starts + timedelta(minutes=75))}\t"
                                f"{_stamp(starts + timedelta(minutes=90))}\t{'online' if roll < 0.6 else 'staff'}\t\t"
                                f"f\t{cancelled}\tf\t\t{_stamp(booked)}\t{_stamp(booked)}\t\\N\t\\N\t"
                                f"{client}\t{course[0]}\t{practitioner}\t{room}\t{treatment.pk}"
                            )

        _copy(
            cursor,
            "bookings_appointment",
            "id, areas, status, starts_at, needling_starts_at, needling_ends_at, ends_at, channel,"
            " late_booking_reason, starts_new_course, cancelled_at, cancelled_by_party, cancellation_late,"
            " cancellation_reason, created_at, updated_at, booked_by_id, cancelled_by_id, client_id, course_id,"
            " practitioner_id, room_id, treatment_id",
            sessions(),
        )
        print(f"chain: {count[0]:,} sessions copied at {clock.perf_counter() - started:.0f} s", file=out, flush=True)
        _copy(
            cursor,
            "bookings_course",
            "id, areas, planned_sessions, status, created_at, client_id, treatment_id",
            iter(courses),
        )
        for table in (
            "clinic_location",
            "clinic_user",
            "clinic_user_groups",
            "clinic_user_locations",
            "bookings_practitioner",
            "bookings_practitioner_treatments",
            "bookings_room",
            "bookings_room_treatments",
            "bookings_workinghours",
            "bookings_course",
            "bookings_appointment",
        ):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 1) FROM {table}))"
            )
        cursor.execute("SET session_replication_role = DEFAULT")
        for _, sql in indexes:
            cursor.execute(sql)
        print(f"chain: indexes built at {clock.perf_counter() - started:.0f} s", file=out, flush=True)
        for _, sql in exclusions:
            cursor.execute(sql)
        print(f"chain: exclusion constraints checked at {clock.perf_counter() - started:.0f} s", file=out, flush=True)

    ids = _people(first_client, treatment)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {**ids, "treatment_id": treatment.pk, "appointments": count[0]}


def _people(first_client: int, treatment) -> dict:
    """The few people a bench logs in as, made the ordinary way (factories: TOTP, clearance)."""
    from clinic.locations import all_locations  # noqa: F401 (set-up cache warmed after the load)
    from clinic.models import Location, User
    from clinic.setup_cache import _replace_token
    from clinic.tests.factories import FrontDeskFactory, ManagerFactory
    from consultations.tests.factories import ClearanceFactory

    _replace_token()
    location = Location.objects.get(pk=1)
    desk = FrontDeskFactory(email="chain-desk-1@example.com", home_location=location)
    manager = ManagerFactory(email="chain-manager@example.com")
    client = User.objects.get(pk=first_client)
    ClearanceFactory(client=client, areas=["face", "neck"], treatment_slug=treatment.slug)
    return {"location_id": location.pk, "front_desk_id": desk.pk, "manager_id": manager.pk, "client_id": client.pk}


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings.test")
    import django

    django.setup()
    chain = ensure_chain_database(rebuild="--rebuild" in sys.argv)
    print(chain)
