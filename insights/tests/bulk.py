"""Many sessions at once (bulk_create), for the query-count tests and the insights bench: one
client and course each, one after another in one room with one practitioner (two hours apart, so
no exclusion constraint or spacing rule is touched), statuses and channels in turn."""

from datetime import UTC, datetime, timedelta

from bookings.models import Appointment, Course
from clinic.models import User

STATUSES = (
    Appointment.Status.COMPLETED,
    Appointment.Status.COMPLETED,
    Appointment.Status.CANCELLED,
    Appointment.Status.NO_SHOW,
    Appointment.Status.BOOKED,
)


def bulk_sessions(n: int, *, treatment, practitioner, room, start=datetime(2026, 1, 5, 9, 0, tzinfo=UTC), tag="bulk"):
    clients = User.objects.bulk_create(
        [User(email=f"{tag}-{i}@clients.example", first_name="Bulk", last_name=str(i)) for i in range(n)],
        batch_size=2000,
    )
    courses = Course.objects.bulk_create(
        [Course(client=client, treatment=treatment, areas=["face"], planned_sessions=3) for client in clients],
        batch_size=2000,
    )
    sessions = []
    for i, (client, course) in enumerate(zip(clients, courses, strict=True)):
        starts_at = start + timedelta(hours=2 * i)
        status = STATUSES[i % len(STATUSES)]
        sessions.append(
            Appointment(
                client=client,
                treatment=treatment,
                areas=["face"],
                practitioner=practitioner,
                room=room,
                course=course,
                status=status,
                starts_at=starts_at,
                needling_starts_at=starts_at + timedelta(minutes=30),
                needling_ends_at=starts_at + timedelta(minutes=75),
                ends_at=starts_at + timedelta(minutes=90),
                channel=Appointment.Channel.ONLINE if i % 2 else Appointment.Channel.STAFF,
                cancelled_at=starts_at - timedelta(days=1) if status == Appointment.Status.CANCELLED else None,
                cancellation_late=bool(i % 3 == 0),
                created_at=starts_at - timedelta(days=i % 40),
            )
        )
    Appointment.objects.bulk_create(sessions, batch_size=2000)
    return sessions


def bulk_money(sessions: list[Appointment], *, tag: str = "bulk") -> None:
    """For the Money tab: each completed session paid for by card an hour after it started, each
    no-show charged a fee (half of them paid in cash), at the session's location."""
    from decimal import Decimal

    from payments.models import LedgerEntry

    Kind, done = LedgerEntry.Kind, Appointment.Status
    entries = []
    for i, session in enumerate(sessions):
        row = {"client_id": session.client_id, "location_id": session.room.location_id, "appointment_id": session.pk}
        paid_at = session.starts_at + timedelta(hours=1)
        if session.status == done.COMPLETED:
            entries.append(
                LedgerEntry(
                    **row,
                    kind=Kind.PAYMENT,
                    amount=Decimal("180"),
                    method="card_terminal",
                    idempotency_key=f"{tag}-pay-{i}",
                    recorded_at=paid_at,
                )
            )
        elif session.status == done.NO_SHOW:
            entries.append(
                LedgerEntry(
                    **row,
                    kind=Kind.CHARGE,
                    amount=Decimal("30"),
                    charge_for="fee",
                    idempotency_key=f"{tag}-fee-{i}",
                    recorded_at=paid_at,
                )
            )
            if i % 2:
                entries.append(
                    LedgerEntry(
                        **row,
                        kind=Kind.PAYMENT,
                        amount=Decimal("30"),
                        method="cash",
                        idempotency_key=f"{tag}-fee-paid-{i}",
                        recorded_at=paid_at,
                    )
                )
    LedgerEntry.objects.bulk_create(entries, batch_size=2000)
