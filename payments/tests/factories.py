from decimal import Decimal

import factory

from bookings.tests.factories import TreatmentFactory
from clinic.models import Location

from ..models import Package, Price


def default_location():
    return Location.default()


class PriceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Price

    treatment = factory.SubFactory(TreatmentFactory)
    areas = factory.LazyFunction(lambda: ["face", "neck"])
    location = factory.LazyFunction(default_location)
    amount = Decimal("180.00")
    tax_rate = Decimal("20.00")


class PackageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Package

    name = "Face and neck course of 3"
    treatment = factory.SubFactory(TreatmentFactory)
    areas = factory.LazyFunction(lambda: ["face", "neck"])
    location = factory.LazyFunction(default_location)
    sessions = 3
    price = Decimal("450.00")
    tax_rate = Decimal("20.00")
    validity_months = 12
