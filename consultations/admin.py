"""Admin: managers publish consent versions (never edit one that exists); the rest is read-only
here, since every change goes through a service."""

from django.contrib import admin

from clinic import roles
from clinic.admin_audit import MedicalReadAuditAdmin

from .models import Clearance, ConsentSignature, ConsentText, HealthUpdate, Intake
from .services import consent_text_current, consent_text_publish


@admin.register(ConsentText)
class ConsentTextAdmin(admin.ModelAdmin):
    list_display = ("version", "title", "published_at", "published_by")
    fields = ("title", "body")

    def has_change_permission(self, request, obj=None):
        # A signed version must stay exactly as signed: "change" means publishing a new one.
        return obj is None and self._is_manager(request)

    def has_view_permission(self, request, obj=None):
        return self._is_manager(request)

    def has_add_permission(self, request):
        return self._is_manager(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def has_module_permission(self, request):
        return self._is_manager(request)

    def _is_manager(self, request):
        return request.user.is_superuser or roles.can(request.user, roles.Capability.MANAGE_CLINIC)

    def get_changeform_initial_data(self, request):
        current = consent_text_current()
        return {"title": current.title, "body": current.body} if current else {}

    def save_model(self, request, obj, form, change):
        published = consent_text_publish(title=obj.title, body=obj.body, published_by=request.user)
        obj.pk = published.pk
        obj.version = published.version


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser or roles.can(request.user, roles.Capability.VIEW_MEDICAL)

    def has_module_permission(self, request):
        return self.has_view_permission(request)


@admin.register(Intake)
class IntakeAdmin(MedicalReadAuditAdmin, ReadOnlyAdmin):
    """The review decisions, the decision note (a decline reason names the condition) and the
    client's reply: audited like the review page."""

    list_display = ("client", "version", "status", "submitted_at", "superseded_at")
    list_filter = ("status",)
    list_select_related = ("client",)
    exclude = ("answers",)  # medical answers are read on the review page


@admin.register(ConsentSignature)
class ConsentSignatureAdmin(ReadOnlyAdmin):
    list_display = ("intake", "full_name", "consent_text", "signed_at", "ip_address")


@admin.register(Clearance)
class ClearanceAdmin(MedicalReadAuditAdmin, ReadOnlyAdmin):
    list_display = ("client", "treatment_slug", "areas", "valid_from", "valid_until", "revoked_at")


@admin.register(HealthUpdate)
class HealthUpdateAdmin(MedicalReadAuditAdmin, ReadOnlyAdmin):
    list_display = ("client", "appointment_id", "session_date", "anything_changed", "review_outcome")
    exclude = ("details",)
