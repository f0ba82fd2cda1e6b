"""The manager edits aftercare protocols here; records and plans are read-only history."""

from django.contrib import admin

from clinic.admin_audit import MedicalReadAuditAdmin

from .models import (
    AftercarePlan,
    AftercareProtocol,
    AreaDepth,
    CheckIn,
    ProtocolProduct,
    ProtocolRule,
    SessionRecord,
    TimelineStep,
    WarningSign,
)


class RuleInline(admin.TabularInline):
    model = ProtocolRule
    extra = 0
    fields = ["order", "scope", "area", "depth_band", "skin_type", "topic", "instruction", "detail", "duration_hours"]


class TimelineInline(admin.TabularInline):
    model = TimelineStep
    extra = 0


class ProductInline(admin.TabularInline):
    model = ProtocolProduct
    extra = 0


class WarningSignInline(admin.TabularInline):
    model = WarningSign
    extra = 0


@admin.register(AftercareProtocol)
class AftercareProtocolAdmin(admin.ModelAdmin):
    list_display = ["name", "treatment_slug", "updated_at"]
    inlines = [RuleInline, TimelineInline, ProductInline, WarningSignInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    """History: written by the services only (the session's completion, the client's answer)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AreaDepthInline(admin.TabularInline):
    model = AreaDepth
    extra = 0
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SessionRecord)
class SessionRecordAdmin(MedicalReadAuditAdmin, ReadOnlyAdmin):
    audit_subject = "appointment.client"
    list_display = ["appointment", "device", "cartridge_lot", "reaction", "recorded_by", "recorded_at"]
    list_filter = ["reaction"]
    search_fields = ["cartridge_lot", "device"]
    list_select_related = ["appointment__client", "appointment__treatment", "recorded_by"]
    inlines = [AreaDepthInline]


@admin.register(AftercarePlan)
class AftercarePlanAdmin(ReadOnlyAdmin):
    list_display = ["client", "session_on", "course_finished", "pdf_rendered_at"]
    list_select_related = ["client"]
    exclude = ["content"]


@admin.register(CheckIn)
class CheckInAdmin(MedicalReadAuditAdmin, ReadOnlyAdmin):
    audit_subject = "plan.client"
    list_display = ["plan", "day", "due_at", "answer", "seen_at"]
    list_filter = ["answer", "day"]
    list_select_related = ["plan__client"]
