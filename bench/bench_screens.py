"""The booking screens on the demo data: server time of each page (p50 and max of 5 requests,
after one warm-up) and its number of SQL queries. Target: no page over 300 ms."""

import statistics
import time
from datetime import timedelta

from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clinic.tests.factories import log_in

TARGET_MS = 300
RUNS = 5


def _measure(client: Client, url: str) -> tuple[float, float, int]:
    client.get(url)
    timings = []
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
    return statistics.median(timings), max(timings), len(queries)


def _only_the_demo_schedule() -> None:
    """`make bench` runs every bench on one throwaway database, and the availability and booking
    benches leave ten thousand appointments with their own practitioners and rooms behind (the
    demo then adds no week of its own, and their practitioners have no MFA). The screens are
    measured on the demo, so the schedule is cleared first."""
    from django.db import transaction

    from bookings.models import Appointment, Course, Practitioner, Room, TimeOff, WaitlistEntry

    with transaction.atomic():
        for model in (Appointment, Course, WaitlistEntry, TimeOff, Practitioner, Room):
            model.objects.all().delete()


def run() -> list[dict]:
    from bookings.models import Appointment, Practitioner
    from clinic import roles
    from clinic.models import ClinicProfile, User

    _only_the_demo_schedule()
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 (closed with the process)
    tz = ClinicProfile.get().tz
    today = timezone.localdate(timezone=tz)
    busiest = (
        Appointment.objects.filter(starts_at__gte=timezone.now() - timedelta(days=7))
        .values_list("starts_at", flat=True)
        .order_by("starts_at")
    )
    days = {}
    for moment in busiest:
        day = timezone.localtime(moment, tz).date()
        days[day] = days.get(day, 0) + 1
    busy_day = max(days, key=days.get) if days else today

    desk = User.objects.filter(groups__name=roles.Role.FRONT_DESK).first()
    practitioner = Practitioner.objects.select_related("user").order_by("pk").first()
    client_user = (
        User.objects.filter(groups__name=roles.Role.CLIENT, appointments__status=Appointment.Status.BOOKED)
        .distinct()
        .first()
    )
    appointment = Appointment.objects.filter(client=client_user).order_by("-starts_at").first()
    pages = {
        "client": (
            client_user,
            [
                ("my appointments", reverse("my_appointments")),
                ("my course", reverse("my_course")),
                ("booking areas", reverse("book_areas", kwargs={"slug": appointment.treatment.slug})),
                (
                    "booking calendar (month)",
                    reverse("book_calendar", kwargs={"slug": appointment.treatment.slug})
                    + "?"
                    + "&".join(f"areas={a}" for a in appointment.areas),
                ),
                ("my appointment", reverse("my_appointment", kwargs={"appointment_id": appointment.pk})),
            ],
        ),
        "desk": (
            desk,
            [
                (f"day view ({days.get(busy_day, 0)} sessions)", reverse("desk_day") + f"?day={busy_day}"),
                ("day view by room", reverse("desk_day") + f"?day={busy_day}&by=rooms"),
                ("day sheet", reverse("desk_day_sheet") + f"?day={busy_day}"),
                ("week view", reverse("desk_week") + f"?practitioner={practitioner.pk}&week={busy_day}"),
                ("client search", reverse("desk_clients") + "?q=a"),
                ("appointment", reverse("desk_appointment", kwargs={"appointment_id": appointment.pk})),
                ("waitlist", reverse("desk_waitlist")),
                (
                    "book for a client: calendar",
                    reverse(
                        "desk_book_calendar", kwargs={"client_id": client_user.pk, "slug": appointment.treatment.slug}
                    )
                    + "?"
                    + "&".join(f"areas={a}" for a in appointment.areas),
                ),
            ],
        ),
        "practitioner": (
            practitioner.user,
            [
                ("my day", reverse("practice_day") + f"?day={busy_day}"),
                ("my week", reverse("practice_week") + f"?week={busy_day}"),
            ],
        ),
    }
    rows = []
    for who, (user, urls) in pages.items():
        client = Client()
        log_in(client, user)
        for label, url in urls:
            p50, worst, queries = _measure(client, url)
            rows.append(
                {
                    "name": f"{who}: {label} p50",
                    "value": round(p50, 1),
                    "unit": "ms",
                    "target": f"<= {TARGET_MS}",
                    "ok": worst <= TARGET_MS,
                }
            )
            rows.append({"name": f"{who}: {label} max", "value": round(worst, 1), "unit": "ms"})
            rows.append({"name": f"{who}: {label} queries", "value": queries, "unit": "queries"})
    return rows
