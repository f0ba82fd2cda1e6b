"""Writes to the treatment catalogue. Managers edit treatments in the Django admin, whose save
calls ``treatment_save``; a shell or a script calls it too.

Which treatment is micro-needling-type: the one with ``needles_skin`` set (every treatment
unless the manager unticks it when creating one; the admin shows it read-only afterwards). Its
minimum days between sessions never goes below the floor: the ``TREATMENT_SPACING_MIN_FLOOR_DAYS``
setting (default 28), enforced here, and 28, held by a check constraint in the database.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from clinic import roles
from clinic.audit import audit_record
from clinic.rule_changes import ChangeNeedsConfirmation, SessionMisfit

from ..models import SPACING_FLOOR_DAYS_IN_DATABASE, Treatment
from ..spacing_changes import sessions_not_fitting_treatment_change


def spacing_floor_days() -> int:
    """The fewest days a micro-needling-type treatment's minimum may be."""
    return max(getattr(settings, "TREATMENT_SPACING_MIN_FLOOR_DAYS", 0), SPACING_FLOOR_DAYS_IN_DATABASE)


def treatment_change_review(
    *, stored: Treatment | None, needles_skin: bool, spacing_min_days: int, spacing_max_days: int
) -> list[SessionMisfit]:
    """Check a new treatment (``stored`` None) or a change to ``stored``: raises ``ValidationError``
    on ``spacing_min_days`` when it would be below the floor (checked on creation and whenever
    the minimum or the kind changes: an unrelated edit of an older treatment is not blocked).
    Returns the booked sessions that would no longer fit the new minimum and maximum."""
    if not isinstance(spacing_min_days, int) or not isinstance(spacing_max_days, int):
        return []  # not numbers: the model's own validation says so
    floor = spacing_floor_days()
    floor_applies = stored is None or (spacing_min_days, needles_skin) != (stored.spacing_min_days, stored.needles_skin)
    if floor_applies and needles_skin and spacing_min_days < floor:
        raise ValidationError(
            {
                "spacing_min_days": ValidationError(
                    f"A micro-needling-type treatment needs at least {floor} days between sessions on the same "
                    f"area (the clinic's floor): {spacing_min_days} is too few.",
                    code="below_floor",
                )
            }
        )
    if stored is None:
        return []
    return sessions_not_fitting_treatment_change(
        treatment=stored, spacing_min_days=spacing_min_days, spacing_max_days=spacing_max_days
    )


def _changes(stored: Treatment, treatment: Treatment) -> dict[str, list]:
    return {
        field.name: [getattr(stored, field.attname), getattr(treatment, field.attname)]
        for field in Treatment._meta.concrete_fields
        if not field.primary_key and getattr(stored, field.attname) != getattr(treatment, field.attname)
    }


def treatment_save(*, treatment: Treatment, saved_by, request=None, save_anyway: bool = False) -> Treatment:
    """Save a new treatment, or the values set on ``treatment`` (the admin's form, a shell).

    Guarantees: only a manager saves; every field valid; a micro-needling-type treatment's
    minimum not below the floor; the booked sessions that would no longer fit a new minimum or
    maximum shown before anything is saved (``ChangeNeedsConfirmation`` with the list, until
    ``save_anyway``); those sessions are never changed. An audit entry names each changed field
    with its old and new value, and the sessions saved anyway. Raises ``PermissionDenied``,
    ``ValidationError``; writes nothing then."""
    roles.require(saved_by, roles.Capability.MANAGE_CLINIC)
    with transaction.atomic():
        stored = Treatment.objects.select_for_update().filter(pk=treatment.pk).first() if treatment.pk else None
        misfits = treatment_change_review(
            stored=stored,
            needles_skin=treatment.needles_skin,
            spacing_min_days=treatment.spacing_min_days,
            spacing_max_days=treatment.spacing_max_days,
        )
        treatment.full_clean()
        if misfits and not save_anyway:
            raise ChangeNeedsConfirmation(misfits)
        if stored is None:
            treatment.save()
            action, details = "treatment.created", {"name": treatment.name}
        else:
            changes = _changes(stored, treatment)
            if not changes:
                return treatment
            treatment.save(update_fields=list(changes))
            action, details = "treatment.updated", {"changes": changes}
        if misfits:
            details["sessions_not_fitting"] = [misfit.appointment_id for misfit in misfits]
        audit_record(actor=saved_by, action=action, target=treatment, request=request, details=details)
    return treatment
