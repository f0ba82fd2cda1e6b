"""The demo's second location: the clinic in Bristol (its first location, made from the profile)
and a branch in Bath, another city. Anna works Saturdays in Bath as well as her week in Bristol;
the other staff work in Bristol only. Idempotent."""

from datetime import time

from clinic import roles
from clinic.models import Location

from .models import Room, Treatment, WorkingHours

BATH = {
    "name": "Bath",
    "address": "7 Milsom Street\nBath BA1 1BZ",
    "phone": "+44 1225 496 0456",
    "email": "bath@lumenskin.example",
    "time_zone": "Europe/London",
}
BATH_ROOM = "Abbey room"
SATURDAY = 5


def seed_locations(people, treatment: Treatment) -> None:
    bristol = Location.default()
    if bristol.name != "Bristol" and not Location.objects.filter(name="Bristol").exists():
        Location.objects.filter(pk=bristol.pk).update(name="Bristol")
    bath, _ = Location.objects.get_or_create(name=BATH["name"], defaults=BATH)
    room, _ = Room.objects.get_or_create(name=BATH_ROOM, location=bath)
    room.treatments.add(treatment)
    practitioners = people["staff"].get(roles.Role.PRACTITIONER, [])
    if practitioners:
        anna = practitioners[0]
        profile = anna.practitioner_profile
        if not WorkingHours.objects.filter(practitioner=profile, location=bath).exists():
            WorkingHours.objects.filter(practitioner=profile, weekday=SATURDAY).delete()
            for start, end in ((time(9), time(13)), (time(14), time(17))):
                WorkingHours.objects.create(
                    practitioner=profile, location=bath, weekday=SATURDAY, start_time=start, end_time=end
                )
        anna.locations.add(bristol, bath)
    for members in people["staff"].values():
        for person in members:
            if person.home_location_id is None:
                person.home_location_id = bristol.pk
                person.save(update_fields=["home_location"])
            person.locations.add(bristol.pk)
