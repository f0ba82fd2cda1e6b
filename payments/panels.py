"""payments' panels on the desk's appointment and client pages (``bookings.desk_panels``): the
session's price and whether it is prepaid, the balance, taking a payment, selling a package,
refunds, receipts. For the desk and managers only; a fixed number of queries."""

from django.urls import reverse
from django.utils import timezone

from bookings.course_panels import CoursePanel
from clinic import roles
from clinic.clock import clinic_today
from consultations.selectors import clearance_check

from .forms import PaymentForm, RefundForm, SellPackageForm
from .models import LedgerEntry, Package
from .selectors.account import balance_of, client_account
from .selectors.prices import session_cost


def appointment_panel(*, viewer, client, appointment=None, request=None) -> CoursePanel | None:
    if appointment is None or not roles.can(viewer, roles.Capability.TAKE_PAYMENTS):
        return None
    cost = session_cost(appointment)
    balance = balance_of(client_id=client.pk)
    entries = list(
        LedgerEntry.objects.filter(appointment=appointment).select_related("receipt").order_by("recorded_at", "pk")
    )
    suggested = balance if balance > 0 else (cost.amount if cost.amount and not cost.prepaid_by else None)
    here = request.get_full_path() if request is not None else ""
    return CoursePanel(
        template="payments/_appointment_panel.html",
        context={
            "appointment": appointment,
            "cost": cost,
            "balance": balance,
            "entries": entries,
            "form": PaymentForm(initial={"amount": suggested or "", "appointment": appointment.pk, "next": here}),
            "client_id": client.pk,
            "checkout_url": reverse("payments:checkout", args=[appointment.pk])
            if appointment.status == "completed"
            else "",
            "account_url": reverse("desk_client", args=[client.pk]) + "#account",
        },
    )


def client_panel(*, viewer, client, appointment=None, request=None) -> CoursePanel | None:
    if not roles.can(viewer, roles.Capability.TAKE_PAYMENTS):
        return None
    account = client_account(client_id=client.pk, limit=30)
    cleared = clearance_check(client=client, areas=(), on=clinic_today()).ok
    packages = list(Package.objects.filter(is_active=True).select_related("location", "treatment"))
    here = request.get_full_path() if request is not None else ""
    today = timezone.localdate()
    return CoursePanel(
        template="payments/_client_panel.html",
        context={
            "client_id": client.pk,
            "account": account,
            "today": today,
            "cleared": cleared,
            "sell_form": SellPackageForm(packages=packages, initial={"next": here}) if cleared and packages else None,
            "payment_form": PaymentForm(
                initial={"amount": account.balance if account.balance > 0 else "", "next": here}
            ),
            "refundable": [
                (p, RefundForm(initial={"amount": p.refundable, "next": here})) for p in account.refundable_payments
            ],
        },
    )
