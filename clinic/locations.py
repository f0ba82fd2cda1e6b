"""Reads about locations: every location (from the set-up cache), the ones a person may see or
book at, and a location's time zone.

The rule for staff: a manager sees every location; other staff see their home location and the
locations they are placed at; staff placed nowhere yet see every location (a one-site clinic
never places anybody). Clients may book at every active location.
"""

from zoneinfo import ZoneInfo

from .models import Location, User
from .roles import Capability, can, is_staff_member
from .setup_cache import setup_cached


def _load_locations() -> list[Location]:
    return list(Location.objects.order_by("pk"))


def all_locations() -> list[Location]:
    """Every location, active or not, oldest first (shared, read-only: copy before changing)."""
    return setup_cached("clinic:locations", _load_locations)


def location_by_id(location_id: int | None) -> Location:
    """The location with this id, or the default one for ``None`` or an unknown id."""
    if location_id is not None:
        for location in all_locations():
            if location.pk == location_id:
                return location
    return Location.default()


def location_tz(location: Location | int | None = None) -> ZoneInfo:
    """The time zone of a location (an instance or an id); the default location's for ``None``.
    Every location-bound figure, page and message reads its zone through this.

    While the clinic has a single location its zone is the clinic profile's, which is where a
    one-site clinic's manager sets it (and what every page read before locations)."""
    if len(all_locations()) <= 1:
        from .models import ClinicProfile

        return ClinicProfile.get().tz
    if isinstance(location, Location):
        return location.tz
    return location_by_id(location).tz


def several_locations() -> bool:
    """Whether the clinic has more than one active location (pages then ask or show which)."""
    return sum(1 for loc in all_locations() if loc.is_active) > 1


def locations_for(user) -> list[Location]:
    """The active locations ``user`` may see (staff) or book at (clients and visitors), by name."""
    active = sorted((loc for loc in all_locations() if loc.is_active), key=lambda loc: (loc.name, loc.pk))
    if not active:
        return [Location.default()]
    if user is None or not getattr(user, "is_authenticated", False) or not is_staff_member(user):
        return active
    if user.is_superuser or can(user, Capability.MANAGE_CLINIC):
        return active
    placed = staff_location_ids(user)
    if not placed:
        return active
    return [loc for loc in active if loc.pk in placed]


def _load_placements() -> dict[int, frozenset[int]]:
    placed: dict[int, set[int]] = {}
    for user_id, location_id in User.locations.through.objects.values_list("user_id", "location_id"):
        placed.setdefault(user_id, set()).add(location_id)
    return {user_id: frozenset(ids) for user_id, ids in placed.items()}


def staff_location_ids(user) -> frozenset[int]:
    """The ids of the locations a member of staff is placed at (home location included); kept on
    the user object for the rest of the request. The placements of all staff are set-up (a few
    rows per member of staff, changed when someone moves), read from the set-up cache."""
    cached = getattr(user, "_clinic_location_ids", None)
    if cached is None:
        ids = set(setup_cached("clinic:placements", _load_placements).get(user.pk, ()))
        if user.home_location_id:
            ids.add(user.home_location_id)
        cached = frozenset(ids)
        user._clinic_location_ids = cached
    return cached


def home_location_for(user) -> Location:
    """The location a member of staff's pages open on: their home location if they may see it,
    else the first they may see."""
    visible = locations_for(user)
    home_id = getattr(user, "home_location_id", None)
    return next((loc for loc in visible if loc.pk == home_id), visible[0])


def late_cancellation_hours(location: Location | int | None = None) -> int:
    """The late-cancellation window at a location (the clinic profile's while there is one)."""
    if len(all_locations()) <= 1:
        from .models import ClinicProfile

        return ClinicProfile.get().late_cancellation_hours
    if isinstance(location, Location):
        return location.late_cancellation_hours
    return location_by_id(location).late_cancellation_hours


def clinic_at(location: Location | int | None):
    """The clinic as a person at ``location`` meets it: the clinic profile (its name, paper size)
    with the location's address, phone, e-mail and time zone, and the location's name after the
    clinic's. Messages, .ics files, PDFs and pages about one appointment read this as ``clinic``.
    While there is one location, the profile as it is."""
    import copy

    from .models import ClinicProfile

    profile = ClinicProfile.get()
    if len(all_locations()) <= 1 or location is None:
        return profile
    if not isinstance(location, Location):
        location = location_by_id(location)
    place = copy.copy(profile)
    place.name = f"{profile.name}, {location.name}" if location.name != profile.name else profile.name
    place.address, place.phone = location.address, location.phone or profile.phone
    place.email, place.time_zone = location.email or profile.email, location.time_zone
    place.late_cancellation_hours = location.late_cancellation_hours
    return place


STAFF_SESSION_KEY = "desk_location_id"


def staff_location(request, *, activate: bool = True) -> dict:
    """The location a staff page (day and week views, waitlist, review queue, message log) shows:
    ``?location=`` if the member of staff may see it, else the one chosen earlier in this session
    (one choice for every such page), else their home location. Another location's id in the
    address is ignored (the page shows their own), so nobody reads a schedule they may not see.

    Returns ``location``, ``choices`` (the locations they may see), ``several`` (the clinic has
    more than one: the page shows one location; else ``location`` is the one there is, or None)
    and ``switch`` (there is a choice to offer).
    With ``activate`` the page's clock is set to the location's time zone."""
    from django.utils import timezone

    found = all_locations()
    if len(found) <= 1:  # one location (or none yet): nothing to choose, nothing written
        return {"location": found[0] if found else None, "choices": found, "several": False, "switch": False}
    visible = locations_for(request.user)
    wanted = request.GET.get("location") or str(request.session.get(STAFF_SESSION_KEY, ""))
    location = next((loc for loc in visible if str(loc.pk) == wanted), None) or home_location_for(request.user)
    if request.GET.get("location") and str(location.pk) == wanted:
        request.session[STAFF_SESSION_KEY] = location.pk  # kept while moving between pages
    if activate:
        timezone.activate(location_tz(location))
    request.page_location = location  # the footer shows its address
    return {"location": location, "choices": visible, "several": True, "switch": len(visible) > 1}
