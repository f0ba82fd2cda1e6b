"""Writes of the core app."""

from django.db import transaction

from . import roles
from .audit import audit_record
from .models import ClinicProfile


def clinic_profile_update(*, actor, request=None, **fields) -> ClinicProfile:
    """Update the clinic's profile. Validates every field; raises ValidationError, and
    PermissionDenied for anyone but a manager (whatever calls it: view, shell or task)."""
    roles.require(actor, roles.Capability.MANAGE_CLINIC)
    with transaction.atomic():
        profile = ClinicProfile.get()
        profile = ClinicProfile.objects.select_for_update().get(pk=profile.pk)
        changed = [name for name, value in fields.items() if getattr(profile, name) != value]
        for name, value in fields.items():
            setattr(profile, name, value)
        profile.full_clean()
        if changed:
            profile.save(update_fields=[*changed, "updated_at"])
            audit_record(
                actor=actor,
                action="clinic_profile.update",
                target=profile,
                request=request,
                details={"fields": changed},
            )
        return profile
