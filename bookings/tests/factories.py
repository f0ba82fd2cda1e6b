"""Factories for bookings, used by other apps' tests too.

``AppointmentFactory`` writes a row directly (for setting up a schedule); tests of the rules
book through ``bookings.services.appointment_book``. ``bookable_clinic()`` makes a treatment with
its areas, practitioners with working hours and rooms: a clinic where sessions can be booked.
"""

from dataclasses import dataclass, field
from datetime import time, timedelta

import factory
from django.utils import timezone

from bookings.models import (
    Appointment,
    ClinicClosure,
    Course,
    Practitioner,
    Room,
    TimeOff,
    Treatment,
    TreatmentArea,
    WorkingHours,
)
from clinic.tests import factories as clinic_factories

# Needling minutes of each area alone (DESIGN.md "Treatments and time").
DEFAULT_AREA_MINUTES = {
    "face": 45,
    "neck": 30,
    "decolletage": 30,
    "abdomen": 60,
    "thighs": 60,
    "arms": 45,
    "hands": 30,
    "back": 60,
}


class TreatmentFactory(factory.django.DjangoModelFactory):
    """Micro-needling with every area; ``area_minutes={...}`` to choose the areas.

    Got or created by slug (every appointment of a test shares one micro-needling): a second
    call with the same slug returns the first treatment unchanged, whatever else it is given."""

    class Meta:
        model = Treatment
        django_get_or_create = ("slug",)
        skip_postgeneration_save = True

    slug = "microneedling"
    name = "Micro-needling"
    numbing_minutes = 30
    turnover_minutes = 15
    max_needling_minutes = 60
    spacing_min_days = 28
    spacing_max_days = 42
    planned_sessions = 3
    needs_clearance = True
    bookable_online = True

    @factory.post_generation
    def area_minutes(self, create, extracted, **kwargs):
        if not create:
            return
        for area, minutes in (extracted or DEFAULT_AREA_MINUTES).items():
            TreatmentArea.objects.get_or_create(treatment=self, area=area, defaults={"needling_minutes": minutes})


class PractitionerFactory(factory.django.DjangoModelFactory):
    """The bookings profile of a practitioner (the user gets the practitioner role and TOTP).
    ``treatments=[...]`` and ``hours={weekday: [(start, end), ...]}`` are optional."""

    class Meta:
        model = Practitioner
        skip_postgeneration_save = True

    user = factory.SubFactory(clinic_factories.PractitionerFactory)

    @factory.post_generation
    def treatments(self, create, extracted, **kwargs):
        if create and extracted:
            self.treatments.add(*extracted)

    @factory.post_generation
    def hours(self, create, extracted, **kwargs):
        if create and extracted:
            for weekday, blocks in extracted.items():
                for start, end in blocks:
                    WorkingHours.objects.create(practitioner=self, weekday=weekday, start_time=start, end_time=end)


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Room {n + 1}")

    @factory.post_generation
    def treatments(self, create, extracted, **kwargs):
        if create and extracted:
            self.treatments.add(*extracted)


class WorkingHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkingHours

    practitioner = factory.SubFactory(PractitionerFactory)
    weekday = 0
    start_time = time(9, 0)
    end_time = time(17, 0)


class TimeOffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimeOff

    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=8))
    reason = "Training"


class ClinicClosureFactory(TimeOffFactory):
    class Meta:
        model = ClinicClosure

    reason = "Bank holiday"


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    client = factory.SubFactory(clinic_factories.ClientFactory)
    treatment = factory.SubFactory(TreatmentFactory)
    areas = factory.LazyFunction(lambda: ["face"])
    planned_sessions = factory.LazyAttribute(lambda o: o.treatment.planned_sessions)


class AppointmentFactory(factory.django.DjangoModelFactory):
    """A booked appointment written directly (no rules checked). Give ``starts_at`` (arrival);
    the other instants follow from the treatment's minutes unless given."""

    class Meta:
        model = Appointment

    client = factory.SubFactory(clinic_factories.ClientFactory)
    treatment = factory.SubFactory(TreatmentFactory)
    areas = factory.LazyFunction(lambda: ["face"])
    practitioner = factory.SubFactory(PractitionerFactory)
    room = factory.SubFactory(RoomFactory)
    course = factory.LazyAttribute(lambda o: CourseFactory(client=o.client, treatment=o.treatment, areas=list(o.areas)))
    status = Appointment.Status.BOOKED
    starts_at = factory.LazyFunction(lambda: (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0))
    needling_starts_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(minutes=o.treatment.numbing_minutes))
    needling_ends_at = factory.LazyAttribute(lambda o: o.needling_starts_at + timedelta(minutes=45))
    ends_at = factory.LazyAttribute(lambda o: o.needling_ends_at + timedelta(minutes=o.treatment.turnover_minutes))
    channel = Appointment.Channel.STAFF
    cancelled_at = factory.LazyAttribute(lambda o: timezone.now() if o.status == Appointment.Status.CANCELLED else None)


WEEKDAY_HOURS = {day: [(time(9, 0), time(13, 0)), (time(14, 0), time(18, 0))] for day in range(0, 6)}


@dataclass
class BookableClinic:
    treatment: Treatment
    practitioners: list[Practitioner] = field(default_factory=list)
    rooms: list[Room] = field(default_factory=list)


def bookable_clinic(*, practitioners: int = 2, rooms: int = 2, hours=None, treatment=None) -> BookableClinic:
    """A micro-needling treatment with all areas (not needing clearance unless the treatment
    given does), ``practitioners`` practitioners working Monday to Saturday 09:00-13:00 and
    14:00-18:00 local time (or ``hours``), and ``rooms`` rooms equipped for it."""
    treatment = treatment or TreatmentFactory(needs_clearance=False)
    people = [PractitionerFactory(treatments=[treatment], hours=hours or WEEKDAY_HOURS) for _ in range(practitioners)]
    equipped = [RoomFactory(treatments=[treatment]) for _ in range(rooms)]
    return BookableClinic(treatment=treatment, practitioners=people, rooms=equipped)
