"""Planning the messages of an appointment, and the content those messages need.

``appointment_messages_plan(appointment=..., event=...)`` is the one function the booking services
call inside their transaction when an appointment is booked, moved, cancelled or completed. It
writes, moves or cancels the appointment's outbox rows; the dispatcher (``clinic.dispatch``)
sends them when due. What it plans:

=================  =====================================================================
event              messages
=================  =====================================================================
booked             confirmation now (with .ics); reminder with pre-care 48 hours before;
                   health-update request at 09:00 three days before (now if that passed);
                   the client's pending "next window" messages of the same treatment are
                   cancelled (the next session is booked)
rescheduled        a move notice now (with the new .ics); reminder and health-update
                   request moved (a new version if the old one already went out)
cancelled          everything pending cancelled; a cancellation notice now (.ics CANCEL)
completed          pending reminders cancelled; aftercare now; if the course has sessions
                   left, "your next window opens" at 09:00 on day 28 and "the window closes
                   in 5 days" at 09:00 on day 37 (from the treatment's spacing), both
                   skipped at sending time if a session has been booked meanwhile
no_show            everything pending cancelled
=================  =====================================================================

"48 hours before" is 48 elapsed hours (UTC arithmetic), so a reminder across a clock change still
goes out two full days ahead; "09:00 on a day" is the clinic's wall clock on that date.

Idempotent: calling it twice for the same state changes nothing. Keys are
``appointment:<id>:<kind>:v<version>``; (appointment, kind, version) is unique in the database.

What the messages say when they are sent is ``bookings.message_content``'s.
"""

from datetime import UTC, datetime, time, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from clinic.clock import local_time_on
from clinic.models import ClinicProfile, OutboundMessage
from clinic.outbox import PlannedMessage, outbox_cancel_pending, outbox_enqueue_many, outbox_latest_by_kind

from ..messages import BookingKind
from ..models import Appointment

Kind = BookingKind
Status = OutboundMessage.Status

REMINDER_BEFORE = timedelta(hours=48)
HEALTH_UPDATE_DAYS_BEFORE = 3
CLOSING_NOTICE_DAYS = 5
MORNING = time(9, 0)
EVENTS = ("booked", "rescheduled", "cancelled", "completed", "no_show")
WINDOW_KINDS = (Kind.NEXT_WINDOW_OPENS, Kind.WINDOW_CLOSING)


def _key(appointment_id: int, kind: str, version: int) -> str:
    return f"appointment:{appointment_id}:{kind}:v{version}"


def message_planned_for(message: OutboundMessage) -> datetime | None:
    value = (message.context or {}).get("starts_at")
    return parse_datetime(value) if isinstance(value, str) else None


def _message(appointment, kind: str, due_at: datetime, *, version: int, essential: bool = True, context=None):
    return PlannedMessage(
        kind=kind,
        recipient=appointment.client,
        due_at=due_at,
        key=_key(appointment.pk, kind, version),
        appointment_id=appointment.pk,
        version=version,
        essential=essential,
        context={"starts_at": appointment.starts_at, **(context or {})},
    )


def _plan_before(appointment, kind: str, due_at: datetime, *, send_late: bool, latest: dict) -> list[PlannedMessage]:
    """Plan (or move) the message of ``kind`` due at ``due_at`` before the session. If that time
    has passed: send now when ``send_late``, else drop it."""
    now = timezone.now()
    last = latest.get(kind)
    if appointment.starts_at <= now or (due_at <= now and not send_late):
        if last is not None and last.status == Status.PENDING:
            outbox_cancel_pending(appointment_id=appointment.pk, kinds=[kind], note="Too close to the session.")
        return []
    due_at = max(due_at, now)
    if last is None:
        return [_message(appointment, kind, due_at, version=1)]
    if last.status == Status.PENDING:
        return [_message(appointment, kind, due_at, version=last.version)]
    if last.status == Status.CANCELLED or message_planned_for(last) != appointment.starts_at:
        # The last one went out (or was dropped) for another time: this time gets its own.
        return [_message(appointment, kind, due_at, version=last.version + 1)]
    return []


def _plan_reminders(appointment, clinic, latest: dict) -> list[PlannedMessage]:
    # In UTC: arithmetic on a datetime in a zone with DST is wall-clock arithmetic in Python, and
    # would make the reminder for the day after a clock change 47 or 49 hours early.
    reminder_at = appointment.starts_at.astimezone(UTC) - REMINDER_BEFORE
    session_day = timezone.localtime(appointment.starts_at, clinic.tz).date()
    request_at = local_time_on(session_day - timedelta(days=HEALTH_UPDATE_DAYS_BEFORE), MORNING, clinic.tz)
    return [
        *_plan_before(appointment, Kind.REMINDER, reminder_at, send_late=False, latest=latest),
        *_plan_before(appointment, Kind.HEALTH_UPDATE_REQUEST, request_at, send_late=True, latest=latest),
    ]


def _cancel_window_messages_of_client(appointment) -> None:
    earlier = Appointment.objects.filter(
        client_id=appointment.client_id, treatment_id=appointment.treatment_id
    ).exclude(pk=appointment.pk)
    OutboundMessage.objects.filter(
        appointment_id__in=earlier.values("pk"), kind__in=WINDOW_KINDS, status=Status.PENDING
    ).update(status=Status.CANCELLED, note="The next session is booked.", updated_at=timezone.now())


def _cancel_window_messages_of_clients(appointments) -> None:
    """``_cancel_window_messages_of_client`` for many new appointments: two queries."""
    pairs = {(a.client_id, a.treatment_id) for a in appointments}
    new_ids = {a.pk for a in appointments}
    earlier = Appointment.objects.filter(client_id__in={client_id for client_id, _ in pairs}).values_list(
        "pk", "client_id", "treatment_id"
    )
    ids = [pk for pk, client_id, treatment_id in earlier if (client_id, treatment_id) in pairs and pk not in new_ids]
    if ids:
        OutboundMessage.objects.filter(appointment_id__in=ids, kind__in=WINDOW_KINDS, status=Status.PENDING).update(
            status=Status.CANCELLED, note="The next session is booked.", updated_at=timezone.now()
        )


def appointments_booked_messages_plan(*, appointments, chunk: int = 2000) -> None:
    """``appointment_messages_plan(event="booked")`` for many appointments just inserted (an
    import's batch booking): the same messages, planned by the same functions, in a few queries
    per thousand. The appointments are new, so none has outbox rows yet."""
    clinic = ClinicProfile.get()
    now = timezone.now()
    planned: list[PlannedMessage] = []
    for appointment in appointments:
        planned.append(_message(appointment, Kind.BOOKING_CONFIRMATION, now, version=1))
        planned += _plan_reminders(appointment, clinic, {})
    _cancel_window_messages_of_clients(appointments)
    for start in range(0, len(planned), chunk):
        outbox_enqueue_many(planned[start : start + chunk], known=())


def _plan_windows(appointment, clinic, latest: dict) -> list[PlannedMessage]:
    course = appointment.course
    done = course.appointments.filter(status=Appointment.Status.COMPLETED).count()
    if done >= course.planned_sessions:
        return []
    treatment = appointment.treatment
    session_day = timezone.localtime(appointment.starts_at, clinic.tz).date()
    opens_on = session_day + timedelta(days=treatment.spacing_min_days)
    closes_on = session_day + timedelta(days=treatment.spacing_max_days)
    window = {"window_opens_on": opens_on, "window_closes_on": closes_on, "last_session_at": appointment.starts_at}
    return [
        _message(appointment, kind, local_time_on(day, MORNING, clinic.tz), version=1, essential=False, context=window)
        for kind, day in (
            (Kind.NEXT_WINDOW_OPENS, opens_on),
            (Kind.WINDOW_CLOSING, closes_on - timedelta(days=CLOSING_NOTICE_DAYS)),
        )
        if kind not in latest
    ]


def appointment_messages_plan(*, appointment, event: str) -> None:
    """Write, move or cancel the appointment's outbox rows for ``event`` (see the module's
    table). Call it inside the transaction of the change. Raises ValueError for an unknown
    event."""
    if event not in EVENTS:
        raise ValueError(f"Unknown appointment event {event!r}")
    clinic = ClinicProfile.get()
    now = timezone.now()
    latest = outbox_latest_by_kind(appointment_id=appointment.pk)
    planned: list[PlannedMessage] = []
    if event == "booked":
        planned.append(_message(appointment, Kind.BOOKING_CONFIRMATION, now, version=1))
        planned += _plan_reminders(appointment, clinic, latest)
        _cancel_window_messages_of_client(appointment)
    elif event == "rescheduled":
        planned += _move_notice(appointment, now, latest)
        planned += _plan_reminders(appointment, clinic, latest)
    elif event == "cancelled":
        outbox_cancel_pending(appointment_id=appointment.pk, note="The appointment was cancelled.")
        planned.append(_message(appointment, Kind.APPOINTMENT_CANCELLED, now, version=1))
    elif event == "completed":
        outbox_cancel_pending(
            appointment_id=appointment.pk,
            kinds=[Kind.REMINDER, Kind.HEALTH_UPDATE_REQUEST, Kind.BOOKING_CONFIRMATION, Kind.APPOINTMENT_RESCHEDULED],
            note="The session has taken place.",
        )
        planned.append(_message(appointment, Kind.AFTERCARE, now, version=1))
        planned += _plan_windows(appointment, clinic, latest)
    elif event == "no_show":
        outbox_cancel_pending(appointment_id=appointment.pk, note="The client did not come.")
    if planned:
        # Keys are per appointment, kind and version: the latest rows read above are the only
        # ones a planned key can match.
        outbox_enqueue_many(planned, known=latest.values())


def _move_notice(appointment, now, latest: dict) -> list[PlannedMessage]:
    """The move notice, unless the last notice already names this time."""
    previous = None
    for kind in (Kind.APPOINTMENT_RESCHEDULED, Kind.BOOKING_CONFIRMATION):
        if kind in latest:
            previous = message_planned_for(latest[kind])
            break
    if previous == appointment.starts_at:
        return []
    version = latest[Kind.APPOINTMENT_RESCHEDULED].version + 1 if Kind.APPOINTMENT_RESCHEDULED in latest else 1
    return [
        _message(
            appointment, Kind.APPOINTMENT_RESCHEDULED, now, version=version, context={"previous_starts_at": previous}
        )
    ]
