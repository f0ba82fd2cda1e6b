"""Reads: the clearance question bookings asks, health-update status, the review queue, and the
medical views of an intake (which only people with the medical capability reach).

The clearance decision itself is one pure function (``_clearance_from_rows``) so that the single
and the bulk selector cannot disagree.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import Http404
from django.utils import timezone

from clinic import roles
from clinic.compiled_queries import compiled_list
from clinic.dates import date_label

from .areas import area_labels
from .models import (
    DEFAULT_TREATMENT_SLUG,
    Clearance,
    ConsentRenewal,
    ConsentText,
    HealthUpdate,
    Intake,
    IntakeFlag,
    IntakeStatus,
)

HEALTH_UPDATE_DAYS_BEFORE = 7


@dataclass(frozen=True)
class ClearanceCheck:
    ok: bool
    code: str  # cleared, no_intake, pending, declined, deferred, expired, area_not_cleared, health_review
    message: str  # plain words a client may read: never a medical detail
    available_from: date | None = None
    valid_until: date | None = None
    cleared_areas: frozenset[str] = frozenset()
    max_needle_depth_mm: Decimal | None = None
    planned_sessions: int | None = None
    clearance_id: int | None = None


@dataclass(frozen=True)
class HealthUpdateStatus:
    code: str  # not_due, missing, ok, needs_review
    message: str
    health_update_id: int | None = None


# --- Clearance ---------------------------------------------------------------------------------

_CLEARANCE_FIELDS = (
    "id",
    "client_id",
    "treatment_slug",
    "areas",
    "max_needle_depth_mm",
    "planned_sessions",
    "valid_from",
    "valid_until",
    "decided_at",
)
# Status fields only: the answers (medical) are never loaded to answer the clearance question.
_INTAKE_STATUS_FIELDS = ("id", "client_id", "status", "deferred_until", "version")


def _clearance_from_rows(
    *,
    intake: Intake | None,
    clearances: list[Clearance],
    health_pending: bool,
    areas: frozenset[str] | None,
    on: date,
) -> ClearanceCheck:
    """The answer from the client's current intake, their unrevoked clearances for the
    treatment (newest first) and whether a reported health change awaits review."""
    if clearances:
        return _from_clearance(clearances, health_pending=health_pending, areas=areas, on=on)
    return _from_intake(intake)


def _from_clearance(
    clearances: list[Clearance], *, health_pending: bool, areas: frozenset[str] | None, on: date
) -> ClearanceCheck:
    """The answer when the client holds a clearance: the one valid on ``on`` (else the newest)."""
    clearance = next((c for c in clearances if c.valid_from <= on <= c.valid_until), clearances[0])
    facts = {
        "valid_until": clearance.valid_until,
        "cleared_areas": frozenset(clearance.areas),
        "max_needle_depth_mm": clearance.max_needle_depth_mm,
        "planned_sessions": clearance.planned_sessions,
        "clearance_id": clearance.pk,
    }
    if on > clearance.valid_until:
        return ClearanceCheck(
            False,
            "expired",
            f"Your clearance ended on {date_label(clearance.valid_until)}. "
            "Please update your consultation form so that a practitioner can review it again.",
            **facts,
        )
    if on < clearance.valid_from:
        return ClearanceCheck(
            False,
            "pending",
            f"Your clearance starts on {date_label(clearance.valid_from)}.",
            available_from=clearance.valid_from,
            **facts,
        )
    if health_pending:
        return ClearanceCheck(
            False,
            "health_review",
            "You told us something about your health has changed. "
            "A practitioner will look at it before your next session.",
            **facts,
        )
    missing = (areas or frozenset()) - facts["cleared_areas"]
    if missing:
        return ClearanceCheck(
            False,
            "area_not_cleared",
            f"Your clearance covers {area_labels(clearance.areas).lower()}, "
            f"not {area_labels(missing).lower()}. Ask the clinic for a review to add an area.",
            **facts,
        )
    return ClearanceCheck(
        True,
        "cleared",
        f"You are cleared for treatment until {date_label(clearance.valid_until)}.",
        **facts,
    )


def _from_intake(intake: Intake | None) -> ClearanceCheck:
    """The answer when the client holds no clearance: where their consultation form stands."""
    if intake is None:
        return ClearanceCheck(
            False,
            "no_intake",
            "Please fill in your consultation form first: a practitioner reviews it before your first session.",
        )
    if intake.status == IntakeStatus.PENDING:
        return ClearanceCheck(False, "pending", "A practitioner will review your answers.")
    if intake.status == IntakeStatus.QUESTION:
        return ClearanceCheck(
            False, "pending", "A practitioner has a question for you: please see your consultation page."
        )
    if intake.status == IntakeStatus.DECLINED:
        return ClearanceCheck(
            False,
            "declined",
            "A practitioner could not clear you for this treatment. Your consultation page explains why.",
        )
    if intake.status == IntakeStatus.DEFERRED:
        return ClearanceCheck(
            False,
            "deferred",
            f"Treatment can be considered again from {date_label(intake.deferred_until)}.",
            available_from=intake.deferred_until,
        )
    # Approved, but not for this treatment (or its clearance was withdrawn).
    return ClearanceCheck(
        False,
        "no_intake",
        "You are not cleared for this treatment yet: please ask the clinic for a consultation.",
    )


def _intakes_query(*, client_ids):  # this and the reads below: compiled once (clinic.compiled_queries)
    rows = Intake.objects.filter(client_id__in=client_ids, superseded_at__isnull=True)
    return rows.exclude(status=IntakeStatus.DRAFT).only(*_INTAKE_STATUS_FIELDS)


def _current_intakes(client_ids) -> dict[int, Intake]:
    return {row.client_id: row for row in compiled_list(_intakes_query, client_ids=list(client_ids))}


def _clearances_query(*, client_ids, treatment_slug):
    # Each row says whether its client has a reported health change awaiting review: it matters
    # only with a clearance, and asking here saves a query.
    pending = HealthUpdate.objects.filter(client_id=OuterRef("client_id"), anything_changed=True)
    pending = pending.filter(cleared_again_at__isnull=True).exclude(review_outcome=HealthUpdate.Outcome.STILL_CLEARED)
    return (
        Clearance.objects.filter(client_id__in=client_ids, treatment_slug=treatment_slug, revoked_at__isnull=True)
        .only(*_CLEARANCE_FIELDS)
        .annotate(health_pending=Exists(pending))
        .order_by("client_id", "-decided_at", "-pk")
    )


def _active_clearances(client_ids, treatment_slug) -> dict[int, list[Clearance]]:
    """client id -> unrevoked clearances, newest first, each with ``health_pending``. One query."""
    found: dict[int, list[Clearance]] = {}
    for row in compiled_list(_clearances_query, client_ids=list(client_ids), treatment_slug=treatment_slug):
        found.setdefault(row.client_id, []).append(row)
    return found


def clearance_check(*, client, treatment_slug: str = DEFAULT_TREATMENT_SLUG, areas, on: date) -> ClearanceCheck:
    """Is ``client`` cleared for ``treatment_slug`` on ``areas`` on date ``on``; if not, why and
    from when. At most two queries; reads no medical answers."""
    client_id = client.pk if hasattr(client, "pk") else int(client)
    clearances = _active_clearances([client_id], treatment_slug).get(client_id, [])
    # The intake matters only without a clearance, a pending health change only with one.
    return _clearance_from_rows(
        intake=None if clearances else _current_intakes([client_id]).get(client_id),
        clearances=clearances,
        health_pending=bool(clearances and clearances[0].health_pending),
        areas=frozenset(areas or ()),
        on=on,
    )


def clearance_statuses(
    *, client_ids, treatment_slug: str = DEFAULT_TREATMENT_SLUG, on: date
) -> dict[int, ClearanceCheck]:
    """``clearance_check`` for many clients at once, without an area filter: at most two
    queries whatever the number of clients (for schedules and lists)."""
    client_ids = list(dict.fromkeys(int(pk) for pk in client_ids))
    if not client_ids:
        return {}
    clearances = _active_clearances(client_ids, treatment_slug)
    # The intake matters only without a clearance, a pending health change only with one: a
    # day of cleared clients reads no intakes.
    without = [pk for pk in client_ids if pk not in clearances]
    intakes = _current_intakes(without) if without else {}
    return {
        client_id: _clearance_from_rows(
            intake=intakes.get(client_id),
            clearances=clearances.get(client_id, []),
            health_pending=bool(clearances.get(client_id)) and clearances[client_id][0].health_pending,
            areas=None,
            on=on,
        )
        for client_id in client_ids
    }


# --- Health updates ----------------------------------------------------------------------------

_HEALTH_STATUS_FIELDS = ("id", "client_id", "appointment_id", "anything_changed", "review_outcome", "cleared_again_at")


def _health_status(update: HealthUpdate | None, starts_at: datetime, now: datetime) -> HealthUpdateStatus:
    if update is not None:
        if update.needs_review:
            return HealthUpdateStatus(
                "needs_review",
                "A change in health was reported: a practitioner must review it before the session.",
                update.pk,
            )
        return HealthUpdateStatus("ok", "Health update received: nothing stands in the way.", update.pk)
    if starts_at - now > timedelta(days=HEALTH_UPDATE_DAYS_BEFORE):
        return HealthUpdateStatus("not_due", "We will ask whether anything has changed in the week before the session.")
    return HealthUpdateStatus(
        "missing", "Please tell us whether anything about your health has changed since your last visit."
    )


def health_update_status(*, client, appointment_id: int, starts_at: datetime) -> HealthUpdateStatus:
    """Where the health update for one appointment stands (one query)."""
    update = (
        HealthUpdate.objects.filter(client=client, appointment_id=appointment_id).only(*_HEALTH_STATUS_FIELDS).first()
    )
    return _health_status(update, starts_at, timezone.now())


def _health_updates_query(*, appointment_ids):
    return HealthUpdate.objects.filter(appointment_id__in=appointment_ids).only(*_HEALTH_STATUS_FIELDS)


def health_update_statuses(*, appointments: list[tuple[int, int, datetime]]) -> dict[int, HealthUpdateStatus]:
    """Statuses for many ``(client_id, appointment_id, starts_at)`` at once, keyed by
    appointment id: one query."""
    if not appointments:
        return {}
    now = timezone.now()
    wanted = {(int(client_id), int(appointment_id)) for client_id, appointment_id, _ in appointments}
    rows = compiled_list(_health_updates_query, appointment_ids=sorted({a for _, a in wanted}))
    found = {(row.client_id, row.appointment_id): row for row in rows if (row.client_id, row.appointment_id) in wanted}
    return {
        int(appointment_id): _health_status(found.get((int(client_id), int(appointment_id))), starts_at, now)
        for client_id, appointment_id, starts_at in appointments
    }


def consent_to_sign(*, client) -> ConsentText | None:
    """The current consent text when ``client`` has signed only an older version (a text published
    since their intake was sent), else None. A client with no sent intake has nothing to renew:
    the intake itself asks for the signature. Three queries at most."""
    current = ConsentText.objects.order_by("-version").first()
    if current is None:
        return None
    intake = (
        Intake.objects.filter(client=client, superseded_at__isnull=True)
        .exclude(status=IntakeStatus.DRAFT)
        .select_related("consent")
        .order_by("-version")
        .first()
    )
    signature = getattr(intake, "consent", None) if intake is not None else None
    if signature is None or signature.consent_text_id == current.pk:
        return None
    if ConsentRenewal.objects.filter(client=client, consent_text=current).exists():
        return None
    return current


# --- Intakes: the client's own, and the medical views ------------------------------------------


def client_intakes(*, client) -> list[Intake]:
    """The client's own intake versions, newest first, with flags left out (the client never
    sees a medical verdict)."""
    return list(Intake.objects.filter(client=client).select_related("consent__consent_text").order_by("-version"))


def client_current_intake(*, client) -> Intake | None:
    """The client's draft if one is open, else their latest submitted version."""
    return (
        Intake.objects.filter(client=client)
        .filter(Q(status=IntakeStatus.DRAFT) | Q(superseded_at__isnull=True))
        .order_by("-version")
        .first()
    )


def client_own_intake(*, client, intake_id: int) -> Intake:
    """One of the client's own intakes; another client's id is a 404."""
    intake = Intake.objects.filter(client=client, pk=intake_id).select_related("consent__consent_text").first()
    if intake is None:
        raise Http404("No such consultation form.")
    return intake


def medical_intake(*, viewer, intake_id: int) -> Intake:
    """An intake with its answers and flags, for someone allowed to read medical answers.

    Raises ``PermissionDenied`` for anyone else (front desk included) before any row is read."""
    roles.require(viewer, roles.Capability.VIEW_MEDICAL)
    intake = (
        Intake.objects.select_related("client", "decided_by", "consent__consent_text")
        .prefetch_related(Prefetch("flags", queryset=IntakeFlag.objects.select_related("acknowledged_by")))
        .filter(pk=intake_id)
        .exclude(status=IntakeStatus.DRAFT)  # a form being filled in is the client's until sent
        .first()
    )
    if intake is None:
        raise Http404("No such consultation form.")
    return intake


def intake_versions(*, viewer, client_id: int) -> list[Intake]:
    """Every submitted version of one client's intake, oldest first (medical: capability checked)."""
    roles.require(viewer, roles.Capability.VIEW_MEDICAL)
    # No flags: the page shows the flags of the version under review only (one query saved).
    return list(Intake.objects.filter(client_id=client_id).exclude(status=IntakeStatus.DRAFT).order_by("version"))


def _coming_at(location_id: int) -> Q:
    """Clients to review for one location: those with a session still to come there, and those
    with none to come anywhere (not booked yet: every location's staff may review them)."""
    from django.apps import apps
    from django.db.models import Exists, OuterRef
    from django.utils import timezone

    appointment = apps.get_model("bookings", "Appointment")
    coming = appointment.objects.filter(
        client=OuterRef("client"), status__in=appointment.ACTIVE_STATUSES, starts_at__gte=timezone.now()
    )
    return Q(Exists(coming.filter(room__location_id=location_id))) | ~Q(Exists(coming))


def review_queue(*, viewer, location_id: int | None = None) -> list[Intake]:
    """Intakes waiting for a practitioner, oldest first, with their flags: two queries. With
    ``location_id``, the clients coming to that location or not booked anywhere yet."""
    roles.require(viewer, roles.Capability.REVIEW_INTAKE)
    intakes = Intake.objects.filter(status=IntakeStatus.PENDING, superseded_at__isnull=True)
    if location_id is not None:
        intakes = intakes.filter(_coming_at(location_id))
    return list(intakes.select_related("client").prefetch_related("flags").order_by("submitted_at", "pk"))


def health_updates_to_review(*, viewer, location_id: int | None = None) -> list[HealthUpdate]:
    """Reported health changes nobody has reviewed yet, oldest first (one query). With
    ``location_id``, those about a session at that location."""
    roles.require(viewer, roles.Capability.REVIEW_INTAKE)
    updates = HealthUpdate.objects.filter(anything_changed=True, review_outcome="")
    if location_id is not None:
        from django.apps import apps

        appointment = apps.get_model("bookings", "Appointment")
        here = appointment.objects.filter(room__location_id=location_id).values("pk")
        updates = updates.filter(appointment_id__in=here)
    return list(updates.select_related("client").order_by("submitted_at", "pk"))


def review_queue_count() -> int:
    return (
        Intake.objects.filter(status=IntakeStatus.PENDING, superseded_at__isnull=True).count()
        + HealthUpdate.objects.filter(anything_changed=True, review_outcome="").count()
    )


def front_desk_clearance(*, viewer, client, on: date) -> ClearanceCheck:
    """What the front desk may know: the clearance status, never the answers."""
    roles.require(viewer, roles.Capability.VIEW_CLEARANCE_STATUS)
    return clearance_check(client=client, treatment_slug=DEFAULT_TREATMENT_SLUG, areas=(), on=on)


def client_draft_and_current(*, client) -> tuple[Intake | None, Intake | None]:
    """The client's open draft (if any) and their current sent version (if any)."""
    draft = Intake.objects.filter(client=client, status=IntakeStatus.DRAFT).first()
    current = (
        Intake.objects.filter(client=client, superseded_at__isnull=True).exclude(status=IntakeStatus.DRAFT).first()
    )
    return draft, current


def current_intake_id(*, client) -> int | None:
    """The id of the client's current sent version, without loading any answer."""
    return (
        Intake.objects.filter(client=client, superseded_at__isnull=True)
        .exclude(status=IntakeStatus.DRAFT)
        .values_list("pk", flat=True)
        .first()
    )


def client_health_update(*, client, appointment_id: int) -> HealthUpdate | None:
    """The client's own answer for one appointment, if given."""
    return HealthUpdate.objects.filter(client=client, appointment_id=appointment_id).first()


def health_update_for_review(*, viewer, health_update_id: int) -> HealthUpdate:
    """A reported health change with its details (medical: capability checked; 404 if none)."""
    roles.require(viewer, roles.Capability.REVIEW_INTAKE)
    update = HealthUpdate.objects.select_related("client", "reviewed_by").filter(pk=health_update_id).first()
    if update is None:
        raise Http404("No such health update.")
    return update
