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

The ``*_message_content`` functions are the content builders that ``settings.OUTBOX_CONTENT_BUILDERS``
names for these kinds: clinic calls them by name when it composes a message.
"""

from datetime import UTC, datetime, time, timedelta

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from clinic.clock import local_time_on
from clinic.composing import Attachment
from clinic.models import ClinicProfile, OutboundMessage
from clinic.outbox import outbox_cancel_pending, outbox_enqueue, outbox_latest, outbox_next_version

from .calendar import appointment_ics
from .models import Appointment

Kind = OutboundMessage.Kind
Status = OutboundMessage.Status

REMINDER_BEFORE = timedelta(hours=48)
HEALTH_UPDATE_DAYS_BEFORE = 3
CLOSING_NOTICE_DAYS = 5
MORNING = time(9, 0)
EVENTS = ("booked", "rescheduled", "cancelled", "completed", "no_show")
WINDOW_KINDS = (Kind.NEXT_WINDOW_OPENS, Kind.WINDOW_CLOSING)


def _key(appointment_id: int, kind: str, version: int) -> str:
    return f"appointment:{appointment_id}:{kind}:v{version}"


def _planned_for(message: OutboundMessage) -> datetime | None:
    value = (message.context or {}).get("starts_at")
    return parse_datetime(value) if isinstance(value, str) else None


def _enqueue(appointment, kind: str, due_at: datetime, *, version: int, essential: bool = True, context=None):
    return outbox_enqueue(
        kind=kind,
        recipient=appointment.client,
        due_at=due_at,
        key=_key(appointment.pk, kind, version),
        appointment_id=appointment.pk,
        version=version,
        essential=essential,
        context={"starts_at": appointment.starts_at, **(context or {})},
    )


def _plan_before(appointment, kind: str, due_at: datetime, *, send_late: bool) -> None:
    """Plan (or move) the message of ``kind`` due at ``due_at`` before the session. If that time
    has passed: send now when ``send_late``, else drop it."""
    now = timezone.now()
    latest = outbox_latest(appointment_id=appointment.pk, kind=kind)
    if appointment.starts_at <= now or (due_at <= now and not send_late):
        if latest is not None and latest.status == Status.PENDING:
            outbox_cancel_pending(appointment_id=appointment.pk, kinds=[kind], note="Too close to the session.")
        return
    due_at = max(due_at, now)
    if latest is None:
        _enqueue(appointment, kind, due_at, version=1)
    elif latest.status == Status.PENDING:
        _enqueue(appointment, kind, due_at, version=latest.version)
    elif latest.status == Status.CANCELLED or _planned_for(latest) != appointment.starts_at:
        # The last one went out (or was dropped) for another time: this time gets its own.
        _enqueue(appointment, kind, due_at, version=latest.version + 1)


def _plan_reminders(appointment, clinic) -> None:
    # In UTC: arithmetic on a datetime in a zone with DST is wall-clock arithmetic in Python, and
    # would make the reminder for the day after a clock change 47 or 49 hours early.
    _plan_before(appointment, Kind.REMINDER, appointment.starts_at.astimezone(UTC) - REMINDER_BEFORE, send_late=False)
    session_day = timezone.localtime(appointment.starts_at, clinic.tz).date()
    _plan_before(
        appointment,
        Kind.HEALTH_UPDATE_REQUEST,
        local_time_on(session_day - timedelta(days=HEALTH_UPDATE_DAYS_BEFORE), MORNING, clinic.tz),
        send_late=True,
    )


def _cancel_window_messages_of_client(appointment) -> None:
    earlier = Appointment.objects.filter(
        client_id=appointment.client_id, treatment_id=appointment.treatment_id
    ).exclude(pk=appointment.pk)
    OutboundMessage.objects.filter(
        appointment_id__in=earlier.values("pk"), kind__in=WINDOW_KINDS, status=Status.PENDING
    ).update(status=Status.CANCELLED, note="The next session is booked.", updated_at=timezone.now())


def _plan_windows(appointment, clinic) -> None:
    course = appointment.course
    done = course.appointments.filter(status=Appointment.Status.COMPLETED).count()
    if done >= course.planned_sessions:
        return
    treatment = appointment.treatment
    session_day = timezone.localtime(appointment.starts_at, clinic.tz).date()
    opens_on = session_day + timedelta(days=treatment.spacing_min_days)
    closes_on = session_day + timedelta(days=treatment.spacing_max_days)
    window = {"window_opens_on": opens_on, "window_closes_on": closes_on, "last_session_at": appointment.starts_at}
    for kind, day in (
        (Kind.NEXT_WINDOW_OPENS, opens_on),
        (Kind.WINDOW_CLOSING, closes_on - timedelta(days=CLOSING_NOTICE_DAYS)),
    ):
        if outbox_latest(appointment_id=appointment.pk, kind=kind) is None:
            _enqueue(
                appointment, kind, local_time_on(day, MORNING, clinic.tz), version=1, essential=False, context=window
            )


def appointment_messages_plan(*, appointment, event: str) -> None:
    """Write, move or cancel the appointment's outbox rows for ``event`` (see the module's
    table). Call it inside the transaction of the change. Raises ValueError for an unknown
    event."""
    if event not in EVENTS:
        raise ValueError(f"Unknown appointment event {event!r}")
    clinic = ClinicProfile.get()
    now = timezone.now()
    if event == "booked":
        _enqueue(appointment, Kind.BOOKING_CONFIRMATION, now, version=1)
        _plan_reminders(appointment, clinic)
        _cancel_window_messages_of_client(appointment)
    elif event == "rescheduled":
        previous = None
        for kind in (Kind.APPOINTMENT_RESCHEDULED, Kind.BOOKING_CONFIRMATION):
            latest = outbox_latest(appointment_id=appointment.pk, kind=kind)
            if latest is not None:
                previous = _planned_for(latest)
                break
        if previous != appointment.starts_at:
            version = outbox_next_version(appointment_id=appointment.pk, kind=Kind.APPOINTMENT_RESCHEDULED)
            _enqueue(
                appointment,
                Kind.APPOINTMENT_RESCHEDULED,
                now,
                version=version,
                context={"previous_starts_at": previous},
            )
        _plan_reminders(appointment, clinic)
    elif event == "cancelled":
        outbox_cancel_pending(appointment_id=appointment.pk, note="The appointment was cancelled.")
        _enqueue(appointment, Kind.APPOINTMENT_CANCELLED, now, version=1)
    elif event == "completed":
        outbox_cancel_pending(
            appointment_id=appointment.pk,
            kinds=[Kind.REMINDER, Kind.HEALTH_UPDATE_REQUEST, Kind.BOOKING_CONFIRMATION, Kind.APPOINTMENT_RESCHEDULED],
            note="The session has taken place.",
        )
        _enqueue(appointment, Kind.AFTERCARE, now, version=1)
        _plan_windows(appointment, clinic)
    elif event == "no_show":
        outbox_cancel_pending(appointment_id=appointment.pk, note="The client did not come.")


# --- Content builders (called by clinic.composing, by name) ----------------------------------------


def _link(*candidates) -> str:
    """The first url that exists among ``candidates`` (url names, or (name, args) pairs), else
    the dashboard. A path; clinic.composing makes it absolute."""
    for candidate in candidates:
        name, args = candidate if isinstance(candidate, tuple) else (candidate, None)
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return reverse("dashboard")


# Message kinds that only make sense while the session is still ahead and booked.
_BEFORE_KINDS = (Kind.REMINDER, Kind.HEALTH_UPDATE_REQUEST, Kind.BOOKING_CONFIRMATION, Kind.APPOINTMENT_RESCHEDULED)


def appointment_message_content(message: OutboundMessage) -> dict:
    """Template context (and the .ics) for a message about one appointment, read when it is sent
    so that it shows the appointment as it is then. Says "skip" when the message no longer
    applies (the appointment is gone, cancelled, or moved since this reminder was planned)."""
    appointment = (
        Appointment.objects.select_related("treatment", "practitioner__user", "client", "course")
        .filter(pk=message.appointment_id)
        .first()
    )
    if appointment is None:
        return {"skip": "The appointment no longer exists."}
    if message.kind in _BEFORE_KINDS and appointment.status != Appointment.Status.BOOKED:
        return {"skip": f"The appointment is {appointment.get_status_display().lower()}."}
    if message.kind in (Kind.REMINDER, Kind.HEALTH_UPDATE_REQUEST) and _planned_for(message) != appointment.starts_at:
        return {"skip": "The appointment was moved; a new message is planned for the new time."}
    clinic = ClinicProfile.get()
    session_day = timezone.localtime(appointment.starts_at, clinic.tz).date()
    treatment = appointment.treatment
    context = {
        "appointment": appointment,
        "starts_at": appointment.starts_at,
        "needling_starts_at": appointment.needling_starts_at,
        "ends_at": appointment.needling_ends_at,
        "numbing_minutes": treatment.numbing_minutes,
        "treatment_name": treatment.name,
        "areas": [label.strip() for label in appointment.area_labels.split(",") if label.strip()],
        "practitioner_name": appointment.practitioner.user.get_full_name() or str(appointment.practitioner.user),
        "manage_url": _link(("my_appointment", [appointment.pk]), "my_appointments"),
        "book_url": _link(("book_areas", [treatment.slug]), "book_start"),
        "health_update_url": _link(("consultations:health_update", [appointment.pk])),
    }
    if message.kind == Kind.AFTERCARE:
        context["next_window_opens_on"] = session_day + timedelta(days=treatment.spacing_min_days)
        context["next_window_closes_on"] = session_day + timedelta(days=treatment.spacing_max_days)
    ics_method = {
        Kind.BOOKING_CONFIRMATION: "REQUEST",
        Kind.APPOINTMENT_RESCHEDULED: "REQUEST",
        Kind.REMINDER: "REQUEST",
        Kind.APPOINTMENT_CANCELLED: "CANCEL",
    }.get(message.kind)
    if ics_method:
        context["attachments"] = [
            Attachment(
                filename="cancelled-appointment.ics" if ics_method == "CANCEL" else "appointment.ics",
                content=appointment_ics(appointment=appointment, method=ics_method, clinic=clinic),
                mimetype=f"text/calendar; method={ics_method}",
            )
        ]
    return context


def next_window_message_content(message: OutboundMessage) -> dict:
    """Context for "your next window opens" / "closes in 5 days"; skipped when a later session
    of the same treatment sharing an area is already booked, or the course is finished."""
    appointment = Appointment.objects.select_related("treatment", "course").filter(pk=message.appointment_id).first()
    if appointment is None:
        return {"skip": "The appointment no longer exists."}
    later = Appointment.objects.filter(
        client_id=appointment.client_id,
        treatment_id=appointment.treatment_id,
        starts_at__gt=appointment.starts_at,
        status__in=Appointment.ACTIVE_STATUSES,
    ).values_list("course_id", "areas")
    # Areas are a JSON list (SQLite has no JSON containment lookup): compare them here.
    if any(course_id == appointment.course_id or set(areas) & set(appointment.areas) for course_id, areas in later):
        return {"skip": "The next session is already booked."}
    if appointment.course.status != appointment.course.Status.OPEN:
        return {"skip": "The course is finished."}
    return {
        "treatment_name": appointment.treatment.name,
        "book_url": _link(("book_areas", [appointment.treatment.slug]), "book_start"),
    }


def health_change_alert_content(message: OutboundMessage) -> dict:
    """For the practitioner's alert (enqueued by consultations): the session's time and the link
    to the health update to review. No medical detail: that stays in the app."""
    context = {}
    appointment = Appointment.objects.filter(pk=message.appointment_id).only("starts_at").first()
    if appointment is not None:
        context["session_starts_at"] = appointment.starts_at
    update_id = (message.context or {}).get("health_update_id")
    if update_id:
        context["review_url"] = _link(("consultations:health_update_detail", [update_id]))
    return context
