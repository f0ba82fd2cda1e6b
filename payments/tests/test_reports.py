"""The money reports: takings by day, method, practitioner and location, the prepaid sessions not
used and their value, fees charged and collected."""

import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from bookings.services.appointment_status import appointment_no_show
from bookings.tests.factories import AppointmentFactory
from clinic.models import Location
from clinic.tests.factories import ClientFactory
from consultations.tests.factories import ClearanceFactory

from ..selectors.reports import ON_ACCOUNT, money_reports
from ..services import package_sell, payment_take, refund_make
from .factories import PackageFactory

pytestmark = pytest.mark.django_db


def test_the_reports_add_up_takings_liability_and_fees(desk, settings, django_assert_num_queries):
    settings.PAYMENTS_MISSED_SESSION_POLICY = "charge_fee"
    settings.PAYMENTS_MISSED_SESSION_FEE = "30.00"
    home = Location.default()
    bath = Location.objects.create(name="Bath", time_zone="Europe/London")
    client = ClientFactory()
    ClearanceFactory(client=client)
    package_sell(client=client, package=PackageFactory(price=Decimal("450"), sessions=3), sold_by=desk, key="s")
    card = payment_take(
        client=client, location_id=home.pk, amount="450", method="card_terminal", key="p1", taken_by=desk
    )
    refund_make(payment=card, amount="50", method="card_terminal", key="r1", refunded_by=desk)
    payment_take(client=client, location_id=bath.pk, amount="20", method="cash", key="p2", taken_by=desk)

    missed = AppointmentFactory(client=client, starts_at=timezone.now() - timezone.timedelta(hours=3))
    appointment_no_show(appointment=missed, recorded_by=desk)
    payment_take(
        client=client,
        location_id=home.pk,
        amount="10",
        method="cash",
        key=uuid.uuid4().hex,
        taken_by=desk,
        appointment=missed,
    )

    with django_assert_num_queries(4):
        report = money_reports()
    assert report.total == Decimal("430.00")  # 450 - 50 + 20 + 10
    assert dict(report.by_method) == {"Card (terminal)": Decimal("400.00"), "Cash": Decimal("30.00")}
    assert dict(report.by_location) == {home.name: Decimal("410.00"), "Bath": Decimal("20.00")}
    practitioner = missed.practitioner.user.get_full_name()
    assert dict(report.by_practitioner) == {ON_ACCOUNT: Decimal("420.00"), practitioner: Decimal("10.00")}
    assert report.by_day == [(timezone.localdate(), Decimal("430.00"))]
    assert (report.prepaid_sessions_left, report.prepaid_value) == (3, Decimal("450.00"))
    assert (report.fees_count, report.fees_charged, report.fees_collected) == (1, Decimal("30.00"), Decimal("10.00"))
