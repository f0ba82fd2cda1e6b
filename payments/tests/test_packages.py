"""Selling a course package, and what a completed or missed session uses or costs."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from aftercare.services import session_complete
from bookings.models import Appointment
from bookings.services.appointment_status import appointment_no_show
from bookings.services.appointments import appointment_cancel
from bookings.tests.factories import AppointmentFactory, TreatmentFactory
from clinic.tests.factories import ClientFactory
from consultations.tests.factories import ClearanceFactory

from ..models import LedgerEntry, PackageSale, PackageUse
from ..selectors.account import balance_of
from ..selectors.prices import session_cost
from ..services import package_sell
from ..services.packages import add_months
from .factories import PackageFactory, PriceFactory

pytestmark = pytest.mark.django_db


def cleared_client(areas=("face", "neck")):
    client = ClientFactory()
    ClearanceFactory(client=client, areas=list(areas))
    return client


def test_a_package_sold_to_a_cleared_client_is_charged_and_expires_after_its_months(desk, key):
    client = cleared_client()
    package = PackageFactory(validity_months=6)
    sale = package_sell(client=client, package=package, sold_by=desk, key=key())

    assert (sale.sessions, sale.sessions_used, sale.sessions_left) == (3, 0, 3)
    assert sale.expires_on == add_months(sale.sold_at.date(), 6)
    charge = LedgerEntry.objects.get(package_sale=sale)
    assert (charge.kind, charge.amount, charge.tax_rate) == ("charge", Decimal("450.00"), Decimal("20.00"))
    assert balance_of(client_id=client.pk) == Decimal("450.00")


def test_a_double_click_on_sell_sells_one_package(desk, key):
    client = cleared_client()
    package = PackageFactory()
    form_key = key()
    first = package_sell(client=client, package=package, sold_by=desk, key=form_key)
    second = package_sell(client=client, package=package, sold_by=desk, key=form_key)
    assert first.pk == second.pk
    assert PackageSale.objects.count() == 1
    assert LedgerEntry.objects.count() == 1


def test_a_package_is_not_sold_to_a_client_who_is_not_cleared(desk, key):
    client = ClientFactory()
    with pytest.raises(ValidationError, match="only to a client cleared"):
        package_sell(client=client, package=PackageFactory(), sold_by=desk, key=key())
    assert not PackageSale.objects.exists()
    assert not LedgerEntry.objects.exists()


def test_a_client_cleared_for_the_face_only_cannot_buy_a_face_and_neck_package(desk, key):
    client = cleared_client(areas=("face",))
    with pytest.raises(ValidationError, match="only to a client cleared"):
        package_sell(client=client, package=PackageFactory(), sold_by=desk, key=key())


def test_months_are_added_to_the_last_day_of_a_shorter_month():
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2026, 12, 1), 12) == date(2027, 12, 1)


def test_a_completed_session_uses_a_prepaid_session_and_is_not_charged(session_setup, record_input, desk, key):
    with time_machine.travel(date(2026, 2, 10)):
        appointment = session_setup()
        PriceFactory(treatment=appointment.treatment, location=appointment.room.location)
        sale = package_sell(
            client=appointment.client,
            package=PackageFactory(treatment=appointment.treatment, location=appointment.room.location),
            sold_by=desk,
            key=key(),
        )
    assert session_cost(appointment).prepaid_by == sale
    session_complete(appointment=appointment, recorded_by=appointment.practitioner.user, **record_input)

    sale.refresh_from_db()
    assert sale.sessions_used == 1
    assert PackageUse.objects.get(appointment=appointment).number == 1
    assert not LedgerEntry.objects.filter(appointment=appointment).exists()
    assert balance_of(client_id=appointment.client_id) == Decimal("450.00")  # the package only


def test_a_completed_session_without_a_package_is_charged_its_price(session_setup, record_input):
    appointment = session_setup()
    PriceFactory(treatment=appointment.treatment, location=appointment.room.location, amount=Decimal("180"))
    session_complete(appointment=appointment, recorded_by=appointment.practitioner.user, **record_input)

    charge = LedgerEntry.objects.get(appointment=appointment)
    assert (charge.kind, charge.charge_for, charge.amount) == ("charge", "session", Decimal("180.00"))
    assert balance_of(client_id=appointment.client_id) == Decimal("180.00")


def test_an_expired_package_is_not_used_and_the_charge_says_why(session_setup, record_input, desk, key):
    with time_machine.travel(date(2025, 1, 10)):
        appointment = session_setup()
        # Cleared back then too, when the package was sold.
        ClearanceFactory(client=appointment.client, valid_from=date(2025, 1, 1), valid_until=date(2025, 12, 31))
        PriceFactory(treatment=appointment.treatment, location=appointment.room.location)
        sale = package_sell(
            client=appointment.client,
            package=PackageFactory(
                treatment=appointment.treatment, location=appointment.room.location, validity_months=12
            ),
            sold_by=desk,
            key=key(),
        )
    assert sale.expires_on == date(2026, 1, 10)  # before the session on 5 March 2026
    assert session_cost(appointment).expired == sale
    session_complete(appointment=appointment, recorded_by=appointment.practitioner.user, **record_input)

    sale.refresh_from_db()
    assert sale.sessions_used == 0
    charge = LedgerEntry.objects.get(appointment=appointment)
    assert "package expired on" in charge.description


def test_the_database_never_lets_a_package_be_used_more_than_it_was_sold(desk, key):
    client = cleared_client()
    sale = package_sell(client=client, package=PackageFactory(sessions=1), sold_by=desk, key=key())
    PackageSale.objects.filter(pk=sale.pk).update(sessions_used=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        PackageSale.objects.filter(pk=sale.pk).update(sessions_used=2)


def _past_booked(client, treatment, areas=("face", "neck")):
    return AppointmentFactory(
        client=client,
        treatment=treatment,
        areas=list(areas),
        starts_at=__import__("django.utils.timezone", fromlist=["now"]).now() - timedelta(hours=2),
    )


def test_a_no_show_uses_a_prepaid_session_when_the_policy_says_so(desk, key, settings):
    settings.PAYMENTS_MISSED_SESSION_POLICY = "use_session"
    client = cleared_client()
    treatment = TreatmentFactory()
    sale = package_sell(client=client, package=PackageFactory(treatment=treatment), sold_by=desk, key=key())
    appointment = _past_booked(client, treatment)
    appointment_no_show(appointment=appointment, recorded_by=desk)

    assert PackageUse.objects.get(appointment=appointment).reason == "no_show"
    sale.refresh_from_db()
    assert sale.sessions_used == 1
    assert not LedgerEntry.objects.filter(charge_for="fee").exists()


def test_a_no_show_is_charged_the_fee_when_the_policy_says_so(desk, key, settings):
    settings.PAYMENTS_MISSED_SESSION_POLICY = "charge_fee"
    settings.PAYMENTS_MISSED_SESSION_FEE = "35.00"
    client = cleared_client()
    treatment = TreatmentFactory()
    package_sell(client=client, package=PackageFactory(treatment=treatment), sold_by=desk, key=key())
    appointment = _past_booked(client, treatment)
    appointment_no_show(appointment=appointment, recorded_by=desk)

    fee = LedgerEntry.objects.get(charge_for="fee")
    assert fee.amount == Decimal("35.00")
    assert fee.description.startswith("No-show fee")
    assert not PackageUse.objects.exists()


def test_a_late_cancellation_by_the_client_is_charged_and_one_in_time_is_not(desk, settings):
    settings.PAYMENTS_MISSED_SESSION_POLICY = "use_session"  # no package: the fee
    settings.PAYMENTS_MISSED_SESSION_FEE = "30.00"
    from django.utils import timezone

    client = cleared_client()
    late = AppointmentFactory(client=client, starts_at=timezone.now() + timedelta(hours=5))
    appointment_cancel(appointment=late, cancelled_by=client)
    in_time = AppointmentFactory(client=client, starts_at=timezone.now() + timedelta(days=5))
    appointment_cancel(appointment=in_time, cancelled_by=client)
    by_clinic = AppointmentFactory(client=client, starts_at=timezone.now() + timedelta(hours=6))
    appointment_cancel(appointment=by_clinic, cancelled_by=desk)

    fees = LedgerEntry.objects.filter(charge_for="fee")
    assert [f.appointment_id for f in fees] == [late.pk]
    assert fees[0].description.startswith("Late cancellation fee")
    assert Appointment.objects.get(pk=late.pk).cancellation_late
