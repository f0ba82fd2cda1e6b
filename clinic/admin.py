from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .admin_audit import MedicalReadAuditAdmin
from .forms import ClinicProfileForm
from .message_kinds import clinical_kinds
from .models import AuditEntry, ClinicProfile, OutboundMessage, User
from .rule_changes import ChangeNeedsConfirmation, time_zone_change_misfits
from .services import clinic_profile_update


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "phone", "role_names", "is_active", "date_joined"]
    list_filter = ["groups", "is_active", "is_staff"]
    search_fields = ["email", "first_name", "last_name", "phone"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("first_name", "last_name", "phone", "preferred_channel")}),
        ("Roles and access", {"fields": ("is_active", "groups", "is_staff", "is_superuser")}),
        ("Locations (staff)", {"fields": ("home_location", "locations")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2", "groups")}),)
    filter_horizontal = ("groups",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="roles")
    def role_names(self, obj):
        return ", ".join(group.name for group in obj.groups.all())


class ClinicProfileAdminForm(forms.ModelForm):
    """A new time zone that booked sessions would no longer fit lists them (the change form's
    template shows ``misfits``) and saves only with "Save anyway" ticked for that zone."""

    # Rendered by the template as a checkbox whose value is the zone it confirms.
    save_anyway = forms.CharField(required=False)

    class Meta:
        model = ClinicProfile
        fields = ClinicProfileForm.Meta.fields

    misfits: list = []

    def clean(self):
        cleaned = super().clean()
        new_zone = cleaned.get("time_zone")
        if self.instance.pk and new_zone and not self.has_error("time_zone"):
            self.misfits = time_zone_change_misfits(old_zone=self.instance.time_zone, new_zone=new_zone)
            if self.misfits and cleaned.get("save_anyway") != new_zone:
                raise ChangeNeedsConfirmation(self.misfits)
        return cleaned


@admin.register(ClinicProfile)
class ClinicProfileAdmin(admin.ModelAdmin):
    form = ClinicProfileAdminForm
    change_form_template = "admin/clinic/clinicprofile/change_form.html"
    list_display = ["name", "time_zone", "late_cancellation_hours", "paper_size"]
    fields = ClinicProfileForm.Meta.fields

    def save_model(self, request, obj, form, change):
        # Through the service (manager only, audited). The form has shown the sessions a new
        # zone would leave outside the rules and the manager confirmed them (or there were none).
        saved = clinic_profile_update(
            actor=request.user,
            request=request,
            save_anyway=True,
            **{name: getattr(obj, name) for name in self.fields},
        )
        obj.pk = saved.pk
        obj._state.adding = False

    def has_add_permission(self, request):
        return not ClinicProfile.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "target_type", "target_repr", "subject", "ip_address"]
    list_filter = ["action", "target_type"]
    search_fields = ["actor__email", "subject__email", "target_repr", "action"]
    date_hierarchy = "at"
    list_select_related = ["actor", "subject"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboundMessage)
class OutboundMessageAdmin(MedicalReadAuditAdmin, admin.ModelAdmin):
    """Read-only: the outbox is written by services and the dispatcher; "send again" is on the
    communication log, where it is audited. The list shows no words; the page of a clinical
    message (its body and context) is an audited read."""

    audit_subject = "recipient"
    audit_list = False

    def shows_medical_words(self, obj) -> bool:
        return obj.kind in clinical_kinds()

    list_display = ["due_at", "kind", "recipient", "channel", "status", "attempts", "sent_at", "sent_via"]
    list_filter = ["status", "kind", "channel", "essential"]
    search_fields = ["recipient__email", "recipient__last_name", "idempotency_key", "address"]
    date_hierarchy = "due_at"
    list_select_related = ["recipient"]
    readonly_fields = [field.name for field in OutboundMessage._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
