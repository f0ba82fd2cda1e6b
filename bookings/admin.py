"""The manager's admin: catalogue, practitioners with their hours, rooms, time off, closures.

Appointments are read-only here: every change to one goes through ``bookings.services`` (the
admin's save would skip the spacing, clearance and overlap checks), so the admin offers the
services as actions instead.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from .models import (
    Appointment,
    AppointmentStatusChange,
    ClinicClosure,
    Course,
    Practitioner,
    Room,
    TimeOff,
    Treatment,
    TreatmentArea,
    WorkingHours,
)
from .services import appointment_cancel


class TreatmentAreaInline(admin.TabularInline):
    model = TreatmentArea
    extra = 0
    fields = ["area", "needling_minutes"]


@admin.register(Treatment)
class TreatmentAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "numbing_minutes",
        "max_needling_minutes",
        "turnover_minutes",
        "spacing_min_days",
        "spacing_max_days",
        "planned_sessions",
        "needs_clearance",
        "bookable_online",
        "is_active",
    ]
    list_filter = ["is_active", "needs_clearance", "bookable_online"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [TreatmentAreaInline]
    fieldsets = (
        (None, {"fields": ("name", "slug", "description", "is_active", "bookable_online", "needs_clearance")}),
        ("Time", {"fields": ("numbing_minutes", "max_needling_minutes", "turnover_minutes")}),
        ("Course", {"fields": ("spacing_min_days", "spacing_max_days", "planned_sessions")}),
    )


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0
    fields = ["weekday", "start_time", "end_time"]
    ordering = ["weekday", "start_time"]


class PractitionerTimeOffInline(admin.TabularInline):
    model = TimeOff
    fk_name = "practitioner"
    extra = 0
    fields = ["starts_at", "ends_at", "reason"]
    verbose_name_plural = "time off"


@admin.register(Practitioner)
class PractitionerAdmin(admin.ModelAdmin):
    list_display = ["__str__", "email", "treatment_names", "weekly_hours", "is_active"]
    list_filter = ["is_active", "treatments"]
    search_fields = ["user__email", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["treatments"]
    inlines = [WorkingHoursInline, PractitionerTimeOffInline]
    list_select_related = ["user"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("treatments", "working_hours")

    @admin.display(description="e-mail", ordering="user__email")
    def email(self, obj):
        return obj.user.email

    @admin.display(description="treatments")
    def treatment_names(self, obj):
        return ", ".join(t.name for t in obj.treatments.all())

    @admin.display(description="hours a week")
    def weekly_hours(self, obj):
        minutes = sum(
            (h.end_time.hour * 60 + h.end_time.minute) - (h.start_time.hour * 60 + h.start_time.minute)
            for h in obj.working_hours.all()
        )
        return f"{minutes / 60:g}"


class RoomTimeOffInline(admin.TabularInline):
    model = TimeOff
    fk_name = "room"
    extra = 0
    fields = ["starts_at", "ends_at", "reason"]
    verbose_name_plural = "time off (maintenance)"


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "treatment_names", "is_active"]
    list_filter = ["is_active", "treatments"]
    search_fields = ["name"]
    filter_horizontal = ["treatments"]
    inlines = [RoomTimeOffInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("treatments")

    @admin.display(description="equipped for")
    def treatment_names(self, obj):
        return ", ".join(t.name for t in obj.treatments.all())


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ["__str__", "practitioner", "room", "starts_at", "ends_at", "reason"]
    list_filter = [("practitioner", admin.RelatedOnlyFieldListFilter), ("room", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["reason", "practitioner__user__last_name", "room__name"]
    date_hierarchy = "starts_at"
    list_select_related = ["practitioner__user", "room"]


@admin.register(ClinicClosure)
class ClinicClosureAdmin(admin.ModelAdmin):
    list_display = ["__str__", "starts_at", "ends_at", "reason"]
    fields = ["starts_at", "ends_at", "reason"]
    search_fields = ["reason"]
    date_hierarchy = "starts_at"


class AppointmentStatusChangeInline(admin.TabularInline):
    model = AppointmentStatusChange
    extra = 0
    fields = ["changed_at", "from_status", "to_status", "changed_by", "note"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = [
        "starts_at",
        "client",
        "treatment",
        "area_labels",
        "practitioner",
        "room",
        "status",
        "channel",
        "starts_new_course",
    ]
    list_filter = ["status", "channel", "treatment", "practitioner", "room", "starts_new_course"]
    search_fields = ["client__email", "client__first_name", "client__last_name"]
    date_hierarchy = "starts_at"
    list_select_related = ["client", "treatment", "practitioner__user", "room"]
    inlines = [AppointmentStatusChangeInline]
    actions = ["cancel_by_clinic"]
    readonly_fields = [field.name for field in Appointment._meta.fields]

    def has_add_permission(self, request):
        return False  # booked through the booking screens (the services check every rule)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Cancel the selected appointments (by the clinic)")
    def cancel_by_clinic(self, request, queryset):
        done = 0
        for appointment in queryset:
            try:
                appointment_cancel(appointment=appointment, cancelled_by=request.user, reason="Cancelled in the admin")
                done += 1
            except ValidationError as error:
                self.message_user(request, f"{appointment}: {' '.join(error.messages)}", messages.WARNING)
            except PermissionDenied as error:
                self.message_user(request, f"{appointment}: {error}", messages.WARNING)
        if done:
            self.message_user(request, f"{done} appointment(s) cancelled.", messages.SUCCESS)


class CourseAppointmentInline(admin.TabularInline):
    model = Appointment
    extra = 0
    fields = ["starts_at", "areas", "practitioner", "status"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["__str__", "client", "treatment", "planned_sessions", "status", "created_at"]
    list_filter = ["status", "treatment"]
    search_fields = ["client__email", "client__first_name", "client__last_name"]
    list_select_related = ["client", "treatment"]
    readonly_fields = ["client", "treatment", "areas", "created_at"]
    fields = ["client", "treatment", "areas", "planned_sessions", "status", "created_at"]
    inlines = [CourseAppointmentInline]
