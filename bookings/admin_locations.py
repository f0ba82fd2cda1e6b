"""The admin's location pages and the location checks of the practitioner and room pages: a
practitioner at one location at a time, a room with future bookings stays where it is, a location
with future bookings is not deleted (``bookings.services.locations`` says why)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from clinic.models import Location

from .models import Room, Weekday
from .services.locations import location_delete_check, room_location_change_check


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


class RoomAdminForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = ["location", "name", "treatments", "is_active"]

    def clean(self):
        cleaned = super().clean()
        location = cleaned.get("location")
        room_location_change_check(room=self.instance, location_id=location.pk if location else None)
        return cleaned


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    """A location: address, contact, time zone, late-cancellation window. Its rooms, working hours
    and closures are edited on their own pages."""

    list_display = ["name", "time_zone", "phone", "email", "late_cancellation_hours", "is_active"]
    list_filter = ["is_active", "time_zone"]
    search_fields = ["name", "address"]

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        for location in objs:
            try:
                location_delete_check(location=location)
            except ValidationError as error:
                protected = [*error.messages, *protected]
        return deleted, counts, perms_needed, protected
