"""Booking throughput with 8 parallel clients on the busy clinic of bench_availability: each
thread books sessions for its own clients through ``appointment_book`` (online), all threads
aiming at the same pool of times so that they collide as real clients do. Reports successful
bookings per second, booking latency, and how many attempts found their time just taken."""

import random
import statistics
import threading
import time as clock
from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import connections
from django.utils import timezone

THREADS = 8
CLIENTS_PER_THREAD = 25


def run() -> list[dict]:
    from bench.bench_availability import busy_clinic
    from bookings.models import Appointment
    from bookings.services.appointments import appointment_book
    from clinic.tests.factories import ClientFactory
    from consultations.tests.factories import ClearanceFactory

    treatment, tz, first_free = busy_clinic()
    clients = [[ClientFactory() for _ in range(CLIENTS_PER_THREAD)] for _ in range(THREADS)]
    for group in clients:
        for client in group:
            ClearanceFactory(client=client, areas=["face"])
    # A pool of candidate times on the two weeks after the existing appointments, within the
    # online horizon: every thread walks the same pool from its own random place.
    days = [first_free + timedelta(days=n) for n in range(14)]
    days = [d for d in days if d.weekday() != 6 and d <= timezone.now().astimezone(tz).date() + timedelta(days=89)]
    pool = [datetime.combine(day, time(9), tzinfo=tz) + timedelta(minutes=15 * k) for day in days for k in range(32)]
    latencies: list[float] = []
    taken = 0
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS + 1)

    def worker(index: int) -> None:
        nonlocal taken
        rng = random.Random(index)
        try:
            barrier.wait()
            for client in clients[index]:
                for starts_at in rng.sample(pool, 40):
                    started = clock.perf_counter()
                    try:
                        appointment_book(
                            client=client, treatment=treatment, areas=["face"], starts_at=starts_at, booked_by=client
                        )
                    except ValidationError:
                        with lock:
                            taken += 1
                        continue
                    finally:
                        elapsed = (clock.perf_counter() - started) * 1000
                        with lock:
                            latencies.append(elapsed)
                    break
        finally:
            connections.close_all()

    before = Appointment.objects.count()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = clock.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = clock.perf_counter() - started
    booked = Appointment.objects.count() - before
    latencies.sort()
    return [
        {"name": f"booking: {THREADS} parallel clients, bookings made", "value": booked, "unit": "bookings"},
        {"name": "booking: throughput", "value": booked / elapsed, "unit": "bookings/s"},
        {"name": "booking: attempts refused (time taken, spacing)", "value": taken, "unit": "attempts"},
        {"name": "booking: attempt latency p50", "value": statistics.median(latencies), "unit": "ms"},
        {"name": "booking: attempt latency p95", "value": latencies[int(0.95 * (len(latencies) - 1))], "unit": "ms"},
    ]
