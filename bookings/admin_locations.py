"""The admin's location pages and the location checks of the practitioner and room pages: a
practitioner at one location at a time, a room with future bookings stays where it is, a location
with future bookings is not deleted (``bookings.services.locations`` says why)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from clinic.errors import error_show
from clinic.models import Location

from .models import OpeningHours, Room, Weekday
from .services.locations import (
    holidays_import,
    location_delete_check,
    opening_hours_refusal,
    room_location_change_check,
)


class WorkingHoursFormSet(forms.BaseInlineFormSet):
    """A practitioner's week as a whole: two blocks on the same weekday at different locations
    must not overlap (the database refuses it too: bookings 0007)."""

    def clean(self):
        super().clean()
        blocks = [
            form
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("location")
        ]
        for index, form in enumerate(blocks):
            mine = form.cleaned_data
            if not (mine.get("start_time") and mine.get("end_time")) or mine.get("weekday") is None:
                continue
            refusal = opening_hours_refusal(
                location=mine["location"],
                weekday=mine["weekday"],
                start_time=mine["start_time"],
                end_time=mine["end_time"],
            )
            if refusal:
                raise forms.ValidationError(refusal)
            for other in blocks[:index]:
                theirs = other.cleaned_data
                if (
                    theirs.get("weekday") == mine["weekday"]
                    and theirs["location"] != mine["location"]
                    and theirs.get("start_time") is not None
                    and theirs.get("end_time") is not None
                    and theirs["start_time"] < mine["end_time"]
                    and mine["start_time"] < theirs["end_time"]
                ):
                    raise forms.ValidationError(
                        f"{Weekday(mine['weekday']).label} {mine['start_time']:%H:%M}-{mine['end_time']:%H:%M} at "
                        f"{mine['location']} overlaps {theirs['start_time']:%H:%M}-{theirs['end_time']:%H:%M} at "
                        f"{theirs['location']}: a practitioner is at one location at a time."
                    )


class HolidaysImportForm(forms.Form):
    country = forms.CharField(max_length=3, help_text="ISO code, such as GB, IE or US.")
    subdivision = forms.CharField(
        label="region", max_length=10, required=False, help_text="Optional, such as ENG, SCT or WLS for GB."
    )
    year = forms.IntegerField(min_value=2000, max_value=2100)


class RoomAdminForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = ["location", "name", "treatments", "is_active"]

    def clean(self):
        cleaned = super().clean()
        location = cleaned.get("location")
        room_location_change_check(room=self.instance, location_id=location.pk if location else None)
        return cleaned


class OpeningHoursInline(admin.TabularInline):
    """A location's opening hours, one span per weekday (a weekday left out is closed)."""

    model = OpeningHours
    extra = 0
    max_num = 7
    fields = ["weekday", "opens", "closes"]


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    """A location: address, contact, time zone, late-cancellation window and opening hours. Its
    rooms, working hours and closures are edited on their own pages."""

    inlines = [OpeningHoursInline]

    list_display = ["name", "time_zone", "phone", "email", "late_cancellation_hours", "is_active", "holidays_link"]
    list_filter = ["is_active", "time_zone"]
    search_fields = ["name", "address"]

    @admin.display(description="public holidays")
    def holidays_link(self, obj):
        url = reverse("admin:clinic_location_holidays", args=[obj.pk])
        return format_html('<a href="{}">Import…</a>', url)

    def get_urls(self):
        view = self.admin_site.admin_view(self.holidays_view)
        return [path("<int:location_id>/holidays/", view, name="clinic_location_holidays"), *super().get_urls()]

    def holidays_view(self, request, location_id):
        if not self.has_change_permission(request):
            raise PermissionDenied
        location = get_object_or_404(Location, pk=location_id)
        form = HolidaysImportForm(request.POST or None, initial={"year": timezone.localdate().year + 1})
        if request.method == "POST" and form.is_valid():
            try:
                made = holidays_import(location=location, **form.cleaned_data)
            except ValidationError as error:
                error_show(form, error)
            else:
                messages.success(
                    request, f"{len(made)} public holiday{'s' if len(made) != 1 else ''} closed at {location}."
                )
                return redirect(
                    reverse("admin:bookings_clinicclosure_changelist") + f"?location__id__exact={location.pk}"
                )
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "location": location,
            "title": "Public holidays",
        }
        return TemplateResponse(request, "admin/clinic/location/holidays.html", context)

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        for location in objs:
            try:
                location_delete_check(location=location)
            except ValidationError as error:
                protected = [*error.messages, *protected]
        return deleted, counts, perms_needed, protected
