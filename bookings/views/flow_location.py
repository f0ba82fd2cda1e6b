"""Where a booking is: the location the client (or the desk, for a client) picks first, kept in
the session for the rest of the flow. With one location there is nothing to pick; staff pick
among the locations they may see (``clinic.locations.locations_for``)."""

from django.shortcuts import render
from django.utils import timezone

from clinic.locations import STAFF_SESSION_KEY, clinic_at, home_location_for, location_tz, locations_for, staff_location
from clinic.models import Location

SESSION_KEY = "booking_location_id"
DESK_SESSION_KEY = STAFF_SESSION_KEY


def booking_locations(request) -> list[Location]:
    return locations_for(request.user)


def booking_location(request) -> Location:
    """The location picked (``?location=``) or chosen earlier in this session if the person may
    book there, else their home location (staff) or the first; the page's clock is set to its
    time zone."""
    booking_location_choose(request, request.GET.get("location"))  # the picker's answer
    visible = booking_locations(request)
    chosen = request.session.get(SESSION_KEY)
    location = next((loc for loc in visible if loc.pk == chosen), None) or home_location_for(request.user)
    timezone.activate(location_tz(location))
    request.page_location = location  # the footer shows its address
    return location


def booking_location_choose(request, value) -> Location | None:
    """Keep the location picked (an id from the picker) if the person may book there."""
    if value is None:
        return None
    try:
        wanted = int(value)
    except (TypeError, ValueError):
        return None
    location = next((loc for loc in booking_locations(request) if loc.pk == wanted), None)
    if location is not None:
        request.session[SESSION_KEY] = location.pk
    return location


def location_picker(request, booker):
    """The first step when there are several locations and none was picked just now: a card for
    each, with its address and time zone. ``None`` when there is nothing to pick."""
    locations = booking_locations(request)
    if len(locations) <= 1 or "location" in request.GET:
        return None
    choices = [{"location": loc, "place": clinic_at(loc)} for loc in locations]
    return render(request, "bookings/book_location.html", {"booker": booker, "choices": choices})


def booking_location_of(appointment, request=None) -> Location:
    """The location of a session being moved; the page's clock (and the footer) follows it."""
    from clinic.locations import location_by_id

    location = location_by_id(appointment.room.location_id)
    timezone.activate(location_tz(location))
    if request is not None:
        request.page_location = location
    return location


def booker_place(request) -> dict:
    """The ``Booker``'s location fields: where the session is, and whether there was a choice."""
    return {"location": booking_location(request), "several_locations": len(booking_locations(request)) > 1}


def desk_location(request, *, activate: bool = True) -> dict:
    """The location a staff page shows (``clinic.locations.staff_location``), clock set to its zone."""
    return staff_location(request, activate=activate)
