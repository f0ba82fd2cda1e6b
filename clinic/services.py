"""Writes of the core app."""

from django.db import transaction

from . import roles
from .audit import audit_record
from .models import ClinicProfile
from .rule_changes import ChangeNeedsConfirmation, time_zone_change_misfits


def clinic_profile_update(*, actor, request=None, save_anyway: bool = False, **fields) -> ClinicProfile:
    """Update the clinic's profile. Validates every field; raises ValidationError, and
    PermissionDenied for anyone but a manager (whatever calls it: view, shell or task).

    A new time zone counts the days between sessions on another clock: when booked sessions
    would no longer fit their treatment's spacing, raises ``ChangeNeedsConfirmation`` with the
    list and saves nothing, until ``save_anyway``. The sessions themselves are never changed."""
    roles.require(actor, roles.Capability.MANAGE_CLINIC)
    with transaction.atomic():
        profile = ClinicProfile.get()
        profile = ClinicProfile.objects.select_for_update().get(pk=profile.pk)
        old_zone = profile.time_zone
        changed = [name for name, value in fields.items() if getattr(profile, name) != value]
        for name, value in fields.items():
            setattr(profile, name, value)
        profile.full_clean()
        misfits = time_zone_change_misfits(old_zone=old_zone, new_zone=profile.time_zone)
        if misfits and not save_anyway:
            raise ChangeNeedsConfirmation(misfits)
        if changed:
            profile.save(update_fields=[*changed, "updated_at"])
            details = {"fields": changed}
            if misfits:
                details["sessions_not_fitting"] = [misfit.appointment_id for misfit in misfits]
            audit_record(actor=actor, action="clinic_profile.update", target=profile, request=request, details=details)
        return profile
