"""The manager's admin: catalogue, practitioners with their hours, rooms, time off, closures.

Appointments are read-only here: every change to one goes through ``bookings.services`` (the
admin's save would skip the spacing, clearance and overlap checks), so the admin offers the
services as actions instead.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q

from clinic.rule_changes import ChangeNeedsConfirmation

from .admin_locations import RoomAdminForm, WorkingHoursFormSet
from .models import (
    Appointment,
    AppointmentStatusChange,
    CalendarFeedToken,
    ClinicClosure,
    Course,
    Practitioner,
    Room,
    TimeOff,
    Treatment,
    TreatmentArea,
    WaitlistEntry,
    WorkingHours,
)
from .services.appointments import appointment_cancel
from .services.calendar_feed import calendar_feed_token_revoke
from .services.catalogue import treatment_change_review, treatment_save
from .services.waitlist import waitlist_withdraw


class TreatmentAreaInline(admin.TabularInline):
    model = TreatmentArea
    extra = 0
    fields = ["area", "needling_minutes"]


class TreatmentAdminForm(forms.ModelForm):
    """The treatment form with the floor and the confirmation step: a change of the minimum or
    maximum days that booked sessions would no longer fit shows them (the change form's template
    lists ``misfits``) and saves only with "Save anyway" ticked for this very change."""

    # Rendered by the template as a checkbox whose value names the change it confirms.
    save_anyway = forms.CharField(required=False)

    class Meta:
        model = Treatment
        fields = [
            *("name", "slug", "description", "is_active", "bookable_online", "needs_clearance", "needles_skin"),
            *("numbing_minutes", "max_needling_minutes", "turnover_minutes"),
            *("spacing_min_days", "spacing_max_days", "planned_sessions"),
        ]

    misfits: list = []

    @property
    def change_key(self) -> str:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return f"{data.get('spacing_min_days')}-{data.get('spacing_max_days')}"

    def clean(self):
        cleaned = super().clean()
        stored = self.instance if self.instance.pk else None  # the form has not touched it yet
        try:
            self.misfits = treatment_change_review(
                stored=stored,
                needles_skin=cleaned.get("needles_skin", self.instance.needles_skin),
                spacing_min_days=cleaned.get("spacing_min_days"),
                spacing_max_days=cleaned.get("spacing_max_days"),
            )
        except ValidationError as error:
            self.add_error(None, error)
            return cleaned
        if self.misfits and cleaned.get("save_anyway") != self.change_key:
            raise ChangeNeedsConfirmation(self.misfits)
        return cleaned


@admin.register(Treatment)
class TreatmentAdmin(admin.ModelAdmin):
    form = TreatmentAdminForm
    change_form_template = "admin/bookings/treatment/change_form.html"
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
        (
            None,
            {
                "fields": (
                    "name",
                    "slug",
                    "description",
                    "is_active",
                    "bookable_online",
                    "needs_clearance",
                    "needles_skin",
                )
            },
        ),
        ("Time", {"fields": ("numbing_minutes", "max_needling_minutes", "turnover_minutes")}),
        ("Course", {"fields": ("spacing_min_days", "spacing_max_days", "planned_sessions")}),
    )

    def get_readonly_fields(self, request, obj=None):
        # What kind of treatment it is does not change: unticking it would lift the floor.
        return ["needles_skin"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        # The form has run the same review and the manager has confirmed its list (or there was
        # none): the service saves, checks the floor again and writes the audit entry.
        treatment_save(treatment=obj, saved_by=request.user, request=request, save_anyway=True)


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    formset = WorkingHoursFormSet
    extra = 0
    fields = ["location", "weekday", "start_time", "end_time"]
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
    form = RoomAdminForm
    list_display = ["name", "location", "treatment_names", "is_active"]
    list_filter = ["location", "is_active", "treatments"]
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
    list_display = ["__str__", "location", "starts_at", "ends_at", "reason"]
    list_filter = ["location"]
    fields = ["location", "starts_at", "ends_at", "reason"]
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
    list_display = ["__str__", "client", "treatment", "active_sessions", "planned_sessions", "status", "created_at"]
    list_filter = ["status", "treatment"]
    search_fields = ["client__email", "client__first_name", "client__last_name"]
    list_select_related = ["client", "treatment"]
    readonly_fields = ["client", "treatment", "areas", "created_at"]
    fields = ["client", "treatment", "areas", "planned_sessions", "status", "created_at"]
    inlines = [CourseAppointmentInline]

    def get_queryset(self, request):
        # A course whose sessions were all cancelled or moved away shows 0: it counts for nothing.
        active = Q(appointments__status__in=Appointment.ACTIVE_STATUSES)
        return super().get_queryset(request).annotate(active_count=Count("appointments", filter=active))

    @admin.display(description="active sessions", ordering="active_count")
    def active_sessions(self, obj):
        return obj.active_count


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(admin.ModelAdmin):
    """Read-only: clients join through the booking screens or the desk (``waitlist_join`` checks
    the range and the areas); the admin can only take an entry off through ``waitlist_withdraw``."""

    list_display = [
        "client",
        "treatment",
        "area_labels",
        "first_day",
        "last_day",
        "practitioner",
        "status",
        "created_at",
        "offered_starts_at",
    ]
    list_filter = ["status", "treatment", ("practitioner", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["client__email", "client__first_name", "client__last_name", "note"]
    date_hierarchy = "first_day"
    list_select_related = ["client", "treatment", "practitioner__user"]
    readonly_fields = [field.name for field in WaitlistEntry._meta.fields]
    actions = ["withdraw"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="areas")
    def area_labels(self, obj):
        return obj.area_labels

    @admin.action(description="Take the selected entries off the waitlist")
    def withdraw(self, request, queryset):
        done = 0
        for entry in queryset.filter(status__in=[WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED]):
            try:
                waitlist_withdraw(entry=entry, withdrawn_by=request.user)
                done += 1
            except ValidationError as error:
                self.message_user(request, f"{entry}: {' '.join(error.messages)}", messages.WARNING)
        self.message_user(request, f"{done} waitlist entr{'y' if done == 1 else 'ies'} withdrawn.", messages.SUCCESS)


class CalendarFeedTokenStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("live", "Live"), ("revoked", "Revoked")]

    def queryset(self, request, queryset):
        if self.value() == "live":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(CalendarFeedToken)
class CalendarFeedTokenAdmin(admin.ModelAdmin):
    """Practitioners' calendar subscription addresses. The secret is never stored (only its
    digest) and the admin shows neither: a new address is made by the practitioner on their
    calendar page, where it is shown once. The admin can only revoke, through the service."""

    list_display = ["practitioner", "is_live", "created_at", "revoked_at"]
    list_filter = [CalendarFeedTokenStateFilter, ("practitioner", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["practitioner__user__email", "practitioner__user__first_name", "practitioner__user__last_name"]
    list_select_related = ["practitioner__user"]
    fields = ["practitioner", "created_at", "revoked_at"]  # never the digest
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # revoking keeps the record of when the address died

    @admin.display(description="live", boolean=True)
    def is_live(self, obj):
        return obj.revoked_at is None

    @admin.action(description="Revoke the selected calendar addresses")
    def revoke(self, request, queryset):
        practitioners = {token.practitioner for token in queryset.filter(revoked_at__isnull=True)}
        done = sum(
            calendar_feed_token_revoke(practitioner=practitioner, revoked_by=request.user, request=request)
            for practitioner in practitioners
        )
        self.message_user(request, f"{done} calendar address(es) revoked.", messages.SUCCESS)
