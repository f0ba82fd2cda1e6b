"""The desk's, the manager's and the client's payments pages: what each sees and may do."""

from decimal import Decimal

import pytest
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import Appointment
from bookings.tests.factories import AppointmentFactory, TreatmentFactory
from clinic.models import Location
from clinic.tests.factories import ClientFactory, FrontDeskFactory, ManagerFactory, PractitionerFactory, log_in
from consultations.tests.factories import ClearanceFactory

from ..models import LedgerEntry, PackageSale
from ..services import package_sell, payment_take, refund_make
from .factories import PackageFactory, PriceFactory
from .pdf_text import pdf_text

pytestmark = pytest.mark.django_db


def _pay(client_user, desk, amount="50"):
    import uuid

    return payment_take(
        client=client_user,
        location_id=Location.default().pk,
        amount=amount,
        method="cash",
        key=uuid.uuid4().hex,
        taken_by=desk,
    )


def test_the_desk_sells_a_package_to_a_cleared_client_and_takes_a_payment(client):
    desk = FrontDeskFactory()
    log_in(client, desk)
    customer = ClientFactory()
    ClearanceFactory(client=customer)
    package = PackageFactory()
    page = reverse("desk_client", args=[customer.pk])

    response = client.get(page)
    assert "Sell a package" in response.content.decode()
    response = client.post(
        reverse("payments:sell", args=[customer.pk]),
        {"package": package.pk, "key": "sell-1", "next": page},
        follow=True,
    )
    text = response.content.decode()
    assert "Face and neck course of 3 sold: £450.00 charged" in text
    assert "Owes £450.00" in text
    assert "3 of 3 sessions left" in text

    response = client.post(
        reverse("payments:pay", args=[customer.pk]),
        {"amount": "450", "method": "card_terminal", "key": "pay-1", "next": page},
        follow=True,
    )
    text = response.content.decode()
    assert "Payment of £450.00 recorded: receipt" in text
    assert "Settled" in text
    # A double click posts the same form again: still one payment.
    client.post(
        reverse("payments:pay", args=[customer.pk]),
        {"amount": "450", "method": "card_terminal", "key": "pay-1", "next": page},
    )
    assert LedgerEntry.objects.filter(kind="payment").count() == 1


def test_a_package_cannot_be_sold_to_a_client_who_is_not_cleared(client):
    log_in(client, FrontDeskFactory())
    customer = ClientFactory()
    package = PackageFactory()
    page = reverse("desk_client", args=[customer.pk])
    assert "Packages can be sold to cleared clients only" in client.get(page).content.decode()
    response = client.post(
        reverse("payments:sell", args=[customer.pk]), {"package": package.pk, "key": "k", "next": page}, follow=True
    )
    assert "A package can be sold only to a client cleared" in response.content.decode()
    assert not PackageSale.objects.exists()


@pytest.mark.parametrize("amount", ["0", "-10", "ten"])
def test_a_zero_negative_or_nonsense_payment_is_refused_with_a_message(client, amount):
    log_in(client, FrontDeskFactory())
    customer = ClientFactory()
    page = reverse("desk_client", args=[customer.pk])
    response = client.post(
        reverse("payments:pay", args=[customer.pk]),
        {"amount": amount, "method": "cash", "key": "k", "next": page},
        follow=True,
    )
    assert "Amount:" in response.content.decode()
    assert not LedgerEntry.objects.exists()


def test_refunding_more_than_was_paid_is_refused_with_the_figures(client):
    desk = FrontDeskFactory()
    log_in(client, desk)
    customer = ClientFactory()
    payment = _pay(customer, desk, "50")
    page = reverse("desk_client", args=[customer.pk])
    response = client.post(
        reverse("payments:refund", args=[payment.pk]),
        {"amount": "80", "method": "cash", "reason": "Cancelled course", "key": "r", "next": page},
        follow=True,
    )
    assert "At most £50.00 of this payment can be refunded" in response.content.decode()
    assert not LedgerEntry.objects.filter(kind="refund").exists()


def test_the_appointment_page_shows_the_price_whether_prepaid_and_the_balance(client):
    desk = FrontDeskFactory()
    log_in(client, desk)
    customer = ClientFactory()
    ClearanceFactory(client=customer)
    treatment = TreatmentFactory()
    appointment = AppointmentFactory(client=customer, treatment=treatment, areas=["face", "neck"])
    PriceFactory(treatment=treatment, location=appointment.room.location, amount=Decimal("180"))
    page = reverse("desk_appointment", args=[appointment.pk])
    text = client.get(page).content.decode()
    assert "£180.00" in text
    assert "Prepaid</dt><dd>No" in text

    package_sell(
        client=customer,
        package=PackageFactory(treatment=treatment, location=appointment.room.location),
        sold_by=desk,
        key="s",
    )
    text = client.get(page).content.decode()
    assert 'badge-ok">Prepaid' in text
    assert "Owes £450.00" in text


def test_a_practitioner_sees_no_payments_and_cannot_post_them(client):
    log_in(client, PractitionerFactory())
    customer = ClientFactory()
    appointment = AppointmentFactory(client=customer)
    assert "Take payment" not in client.get(reverse("desk_appointment", args=[appointment.pk])).content.decode()
    response = client.post(reverse("payments:pay", args=[customer.pk]), {"amount": "5", "method": "cash", "key": "k"})
    assert response.status_code == 403


def test_a_client_sees_their_packages_receipts_and_balance_and_downloads_their_receipt(client, clinic_profile):
    desk = FrontDeskFactory()
    customer = ClientFactory()
    ClearanceFactory(client=customer)
    package_sell(client=customer, package=PackageFactory(), sold_by=desk, key="s")
    payment = _pay(customer, desk, "200")
    log_in(client, customer)
    text = client.get(reverse("payments:mine")).content.decode()
    assert "You owe <strong>£250.00</strong>" in text
    assert "3</strong> of 3 sessions left" in text
    assert f"{payment.receipt.label} (PDF)" in text

    response = client.get(reverse("payments:receipt_pdf", args=[payment.receipt.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert "£200.00" in pdf_text(response.content)


def test_another_clients_receipt_is_a_404(client):
    desk = FrontDeskFactory()
    someone_else = ClientFactory()
    payment = _pay(someone_else, desk)
    log_in(client, ClientFactory())
    assert client.get(reverse("payments:receipt_pdf", args=[payment.receipt.pk])).status_code == 404


def test_the_manager_sets_a_price_and_a_package_and_reads_the_reports(client):
    manager = ManagerFactory()
    log_in(client, manager)
    treatment = TreatmentFactory()
    location = Location.default()
    response = client.post(
        reverse("payments:prices"),
        {
            "form": "price",
            "price-treatment": treatment.pk,
            "price-areas": ["neck", "face"],
            "price-location": location.pk,
            "price-amount": "180",
            "price-tax_rate": "20",
        },
        follow=True,
    )
    text = response.content.decode()
    assert "Price saved." in text
    assert "Face and neck" in text and "£180.00" in text
    response = client.post(
        reverse("payments:prices"),
        {
            "form": "package",
            "package-name": "Three for the face",
            "package-treatment": treatment.pk,
            "package-areas": ["face"],
            "package-location": location.pk,
            "package-sessions": "3",
            "package-amount": "390",
            "package-tax_rate": "20",
            "package-validity_months": "12",
        },
        follow=True,
    )
    assert "Three for the face" in response.content.decode()

    desk = FrontDeskFactory()
    customer = ClientFactory()
    payment = _pay(customer, desk, "100")
    refund_make(payment=payment, amount="30", method="cash", key="r", refunded_by=desk)
    text = client.get(reverse("payments:reports")).content.decode()
    assert "£70.00" in text  # takings: payments less refunds


def test_the_desk_cannot_open_the_price_list_or_the_reports(client):
    log_in(client, FrontDeskFactory())
    assert client.get(reverse("payments:prices")).status_code == 403
    assert client.get(reverse("payments:reports")).status_code == 403


def test_check_out_shows_the_payment_and_the_next_session_on_one_screen(client):
    desk = FrontDeskFactory()
    log_in(client, desk)
    appointment = AppointmentFactory(status=Appointment.Status.COMPLETED, areas=["face"])
    text = client.get(reverse("payments:checkout", args=[appointment.pk])).content.decode()
    assert "Record the payment" in text
    assert "Book the next session" in text
    assert "areas=face" in text
    assert "Session 2 of the course: between" in text  # the window, from the course plan


def test_check_out_offers_the_next_sessions_free_time_to_book(client):
    from datetime import timedelta

    from django.utils import timezone

    from bookings.tests.factories import bookable_clinic

    setup = bookable_clinic(practitioners=1, rooms=1)
    log_in(client, FrontDeskFactory())
    appointment = AppointmentFactory(
        status=Appointment.Status.COMPLETED,
        treatment=setup.treatment,
        practitioner=setup.practitioners[0],
        room=setup.rooms[0],
        areas=["face"],
        starts_at=(timezone.now() - timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0),
    )
    text = client.get(reverse("payments:checkout", args=[appointment.pk])).content.decode()
    assert "Free then:" in text
    assert "Book this time" in text
    assert (
        f"/desk/clients/{appointment.client_id}/book/{setup.treatment.slug}/confirm/?areas=face&amp;starts_at=" in text
    )


def _count(client, url) -> int:
    from django.db import connection

    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_desk_pages_queries_do_not_grow_with_the_account(client):
    desk = FrontDeskFactory()
    log_in(client, desk)
    customer = ClientFactory()
    ClearanceFactory(client=customer)
    treatment = TreatmentFactory()
    appointment = AppointmentFactory(client=customer, treatment=treatment, areas=["face", "neck"])
    PriceFactory(treatment=treatment, location=appointment.room.location)
    package_sell(client=customer, package=PackageFactory(treatment=treatment), sold_by=desk, key="first")
    _pay(customer, desk)
    urls = [
        reverse("desk_client", args=[customer.pk]),
        reverse("desk_appointment", args=[appointment.pk]),
        reverse("payments:checkout", args=[appointment.pk]),
    ]
    before = [_count(client, url) for url in urls]
    for n in range(6):
        package_sell(client=customer, package=PackageFactory(treatment=treatment), sold_by=desk, key=f"more-{n}")
        payment = _pay(customer, desk, "20")
        refund_make(payment=payment, amount="5", method="cash", key=f"r-{n}", refunded_by=desk)
    assert [_count(client, url) for url in urls] == before
