"""CSV import (records.csv_import): 10,000 clients then 5,000 future appointments, through the
same services as a booking, and the same two files imported again (which must create nothing).
Target (issue 16): both imports together under 2 minutes."""

import os
import time
from datetime import timedelta

from django.db import connection
from django.utils import timezone

CLIENTS = int(os.environ.get("BENCH_IMPORT_CLIENTS", 10_000))
APPOINTMENTS = int(os.environ.get("BENCH_IMPORT_APPOINTMENTS", 5_000))
PRACTITIONERS = 12


def _files(clinic, staff):
    """A clients file and an appointments file as another system would export them."""
    tz = clinic.tz
    clients = ["Email,First Name,Last Name,Mobile,Email Marketing"]
    for n in range(CLIENTS):
        clients.append(f"bench{n}@example.com,Client,Number{n},+44 7700 {n:06d},{'yes' if n % 3 == 0 else 'no'}")
    appointments = ["Client Email,Date,Start Time,Service,Areas,Therapist,Room"]
    # 5,000 sessions over the coming weeks, each client once: at each start time one per
    # practitioner (45 minutes of needling each), in one of the practitioner's two rooms (a room
    # is held for numbing, needling and turnover: 90 minutes), as another system exports them.
    starts = ("09:00", "09:45", "10:30", "11:15", "14:00", "14:45", "15:30", "16:15")
    n, day = 0, timezone.localdate(timezone.now(), tz) + timedelta(days=2)
    while n < APPOINTMENTS:
        if day.weekday() < 6:
            for slot, start in enumerate(starts):
                for who, rooms in staff:
                    if n < APPOINTMENTS:
                        room = rooms[slot % 2]
                        appointments.append(
                            f"bench{n}@example.com,{day:%d/%m/%Y},{start},bench-needling,face,{who},{room}"
                        )
                        n += 1
        day += timedelta(days=1)
    return "\n".join(clients).encode(), "\n".join(appointments).encode()


def run() -> list[dict]:
    import conftest
    from bookings.tests.factories import TreatmentFactory, bookable_clinic
    from clinic.models import ClinicProfile
    from clinic.tests.factories import ManagerFactory
    from records.csv_import import csv_import

    conftest.reference_data_install()
    treatment = TreatmentFactory(slug="bench-needling", name="Bench needling", needs_clearance=False)
    setup = bookable_clinic(practitioners=PRACTITIONERS, rooms=PRACTITIONERS * 2, treatment=treatment)
    staff = [
        (p.user.email, (setup.rooms[2 * i].name, setup.rooms[2 * i + 1].name))
        for i, p in enumerate(setup.practitioners)
    ]
    manager = ManagerFactory()
    clients_csv, appointments_csv = _files(ClinicProfile.get(), staff)
    rows = []
    timings = {}
    for label in ("first", "second"):
        queries = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(1)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            started, started_cpu = time.perf_counter(), time.process_time()
            clients = csv_import(kind="clients", content=clients_csv, imported_by=manager, dry_run=False)
            middle = time.perf_counter()
            appointments = csv_import(kind="appointments", content=appointments_csv, imported_by=manager, dry_run=False)
            ended, cpu = time.perf_counter(), time.process_time() - started_cpu
        timings[label] = ended - started
        rows += [
            {"name": f"{label} run: clients", "value": round(middle - started, 1), "unit": "s"},
            {"name": f"{label} run: appointments", "value": round(ended - middle, 1), "unit": "s"},
            {
                "name": f"{label} run: total",
                "value": round(ended - started, 1),
                "unit": "s",
                "target": "< 120",
                "ok": ended - started < 120,
            },
            {"name": f"{label} run: queries", "value": len(queries), "unit": "queries"},
            {"name": f"{label} run: CPU time of this process", "value": round(cpu, 1), "unit": "s"},
            {"name": f"{label} run: load average after", "value": round(os.getloadavg()[0], 1), "unit": ""},
        ]
        counts_c, counts_a = clients.counts, appointments.counts
        if label == "first":
            ok = counts_c["created"] == CLIENTS and counts_a["created"] == APPOINTMENTS
            rows.append({"name": "first run: all created", "value": f"{counts_c} / {counts_a}", "unit": "", "ok": ok})
        else:
            ok = counts_c["created"] == 0 and counts_a["created"] == 0
            rows.append(
                {"name": "second run: nothing created", "value": f"{counts_c} / {counts_a}", "unit": "", "ok": ok}
            )
    return rows
