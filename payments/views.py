"""payments' pages: thin views that parse a form, call one service or selector, render.

Taking money, selling and refunding are the desk's and managers' (``TAKE_PAYMENTS``); the price
list and the reports are managers'; a client sees their own account and receipts only (another
client's receipt is a 404, never a 403 that says it exists)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from bookings.models import Appointment
from bookings.views.common import needs
from clinic import roles
from clinic.errors import error_show
from clinic.models import Location, User

from . import services
from .forms import PackageForm, PaymentForm, PriceForm, RefundForm, ReportsFilterForm, SellPackageForm
from .models import LedgerEntry, Package, Price, Receipt
from .money import money_label
from .receipts import receipt_filename, receipt_pdf_bytes
from .selectors.account import client_account
from .selectors.prices import session_cost
from .selectors.reports import money_reports


def _back(request, form, fallback: str):
    target = (form.data.get("next") or "") if form is not None else ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(fallback)


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        error_show(request, ValidationError([f"{label}: {e}" if label else e for e in errors]))


@require_POST
@needs(roles.Capability.TAKE_PAYMENTS)
def payment_take_view(request, client_id):
    client = get_object_or_404(User, pk=client_id)
    form = PaymentForm(request.POST)
    fallback = reverse("desk_client", args=[client.pk])
    if not form.is_valid():
        _form_errors(request, form)
        return _back(request, form, fallback)
    appointment = None
    if form.cleaned_data.get("appointment"):
        appointment = get_object_or_404(
            Appointment.objects.select_related("room", "treatment"), pk=form.cleaned_data["appointment"], client=client
        )
    location_id = appointment.room.location_id if appointment else _desk_location_id(request)
    try:
        entry = services.payment_take(
            client=client,
            location_id=location_id,
            amount=form.cleaned_data["amount"],
            method=form.cleaned_data["method"],
            key=form.cleaned_data["key"],
            taken_by=request.user,
            appointment=appointment,
            request=request,
        )
    except ValidationError as error:
        error_show(request, error)
        return _back(request, form, fallback)
    messages.success(request, f"Payment of {money_label(entry.amount)} recorded: receipt {entry.receipt.label}.")
    return _back(request, form, fallback)


def _desk_location_id(request) -> int:
    home = getattr(request.user, "home_location_id", None)
    return home or Location.default().pk


@require_POST
@needs(roles.Capability.TAKE_PAYMENTS)
def package_sell_view(request, client_id):
    client = get_object_or_404(User, pk=client_id)
    form = SellPackageForm(request.POST)
    fallback = reverse("desk_client", args=[client.pk])
    if not form.is_valid():
        _form_errors(request, form)
        return _back(request, form, fallback)
    try:
        sale = services.package_sell(
            client=client,
            package=form.cleaned_data["package"],
            sold_by=request.user,
            key=form.cleaned_data["key"],
            request=request,
        )
    except ValidationError as error:
        error_show(request, error)
        return _back(request, form, fallback)
    messages.success(request, f"{sale.package.name} sold: {money_label(sale.price)} charged to the account.")
    return _back(request, form, fallback)


@require_POST
@needs(roles.Capability.TAKE_PAYMENTS)
def refund_view(request, payment_id):
    payment = get_object_or_404(LedgerEntry, pk=payment_id, kind=LedgerEntry.Kind.PAYMENT)
    form = RefundForm(request.POST)
    fallback = reverse("desk_client", args=[payment.client_id])
    if not form.is_valid():
        _form_errors(request, form)
        return _back(request, form, fallback)
    try:
        refund = services.refund_make(
            payment=payment,
            amount=form.cleaned_data["amount"],
            method=form.cleaned_data["method"],
            key=form.cleaned_data["key"],
            reason=form.cleaned_data["reason"],
            refunded_by=request.user,
            request=request,
        )
    except ValidationError as error:
        error_show(request, error)
        return _back(request, form, fallback)
    messages.success(request, f"Refund of {money_label(refund.amount)} recorded: receipt {refund.receipt.label}.")
    return _back(request, form, fallback)


@login_required
def receipt_pdf(request, receipt_id):
    """The receipt's PDF: the desk and managers any, a client their own (404 otherwise)."""
    receipts = Receipt.objects.select_related("entry__client", "entry__recorded_by", "entry__refund_of")
    if roles.can(request.user, roles.Capability.TAKE_PAYMENTS):
        receipt = get_object_or_404(receipts, pk=receipt_id)
    elif roles.is_client(request.user):
        receipt = get_object_or_404(receipts, pk=receipt_id, client=request.user)
    else:
        raise Http404("No such receipt.")
    response = HttpResponse(receipt_pdf_bytes(receipt), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{receipt_filename(receipt)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@needs(roles.Capability.TAKE_PAYMENTS)
def checkout(request, appointment_id):
    """Check-out after a completed session: the payment and the next session's booking on one
    screen."""
    appointment = get_object_or_404(
        Appointment.objects.select_related("client", "treatment", "room", "practitioner__user", "course"),
        pk=appointment_id,
    )
    client = appointment.client
    account = client_account(client_id=client.pk, limit=10)
    cost = session_cost(appointment)
    here = request.get_full_path()
    areas_query = "&".join(f"areas={code}" for code in appointment.areas)
    next_booking_url = (
        reverse("desk_book_calendar", kwargs={"client_id": client.pk, "slug": appointment.treatment.slug})
        + "?"
        + areas_query
    )
    upcoming = (
        Appointment.objects.filter(client=client, status=Appointment.Status.BOOKED, starts_at__gt=appointment.starts_at)
        .select_related("treatment")
        .order_by("starts_at")
        .first()
    )
    proposal, proposal_url = (None, "") if upcoming is not None else _next_session_offer(appointment)
    return render(
        request,
        "payments/checkout.html",
        {
            "appointment": appointment,
            "client": client,
            "account": account,
            "cost": cost,
            "upcoming": upcoming,
            "proposal": proposal,
            "proposal_url": proposal_url,
            "next_booking_url": next_booking_url,
            "form": PaymentForm(
                initial={
                    "amount": account.balance if account.balance > 0 else "",
                    "appointment": appointment.pk,
                    "next": here,
                }
            ),
        },
    )


def _next_session_offer(appointment):
    """The course plan's next session (its window) and, when it has a free time, the address of
    the desk's confirmation of that time."""
    from urllib.parse import urlencode

    from bookings.selectors.course_plan import course_plan

    proposals = course_plan(course=appointment.course)
    if not proposals:
        return None, ""
    proposal = proposals[0]
    if proposal.slot is None:
        return proposal, ""
    query = urlencode(
        [("areas", code) for code in appointment.areas]
        + [("starts_at", proposal.slot.starts_at.isoformat()), ("practitioner", proposal.slot.practitioner_id)]
    )
    confirm = reverse(
        "desk_book_confirm", kwargs={"client_id": appointment.client_id, "slug": appointment.treatment.slug}
    )
    return proposal, f"{confirm}?{query}"


@login_required
def my_account(request):
    """The client's packages with the sessions left, their receipts and their balance."""
    if not roles.is_client(request.user):
        raise Http404("No account here.")
    account = client_account(client_id=request.user.pk, limit=100)
    return render(request, "payments/my_account.html", {"account": account})


@needs(roles.Capability.MANAGE_CLINIC)
def price_list(request):
    """The price list and the packages, per location; adding a price or a package."""
    price_form = PriceForm(prefix="price")
    package_form = PackageForm(prefix="package")
    if request.method == "POST" and request.POST.get("form") == "price":
        price_form = PriceForm(request.POST, prefix="price")
        if _price_saved(request, price_form):
            return redirect("payments:prices")
    elif request.method == "POST" and request.POST.get("form") == "package":
        package_form = PackageForm(request.POST, prefix="package")
        if _package_saved(request, package_form):
            return redirect("payments:prices")
    locations = {}
    for price in Price.objects.filter(is_active=True).select_related("treatment", "location"):
        locations.setdefault(price.location, {"prices": [], "packages": []})["prices"].append(price)
    for package in Package.objects.filter(is_active=True).select_related("treatment", "location"):
        locations.setdefault(package.location, {"prices": [], "packages": []})["packages"].append(package)
    return render(
        request,
        "payments/prices.html",
        {
            "locations": sorted(locations.items(), key=lambda item: item[0].name),
            "price_form": price_form,
            "package_form": package_form,
        },
    )


def _price_saved(request, form) -> bool:
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        services.price_save(
            treatment=data["treatment"],
            areas=data["areas"],
            location=data["location"],
            amount=data["amount"],
            tax_rate=data["tax_rate"],
            saved_by=request.user,
            request=request,
        )
    except ValidationError as error:
        error_show(form, error)
        return False
    messages.success(request, "Price saved.")
    return True


def _package_saved(request, form) -> bool:
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        services.package_save(
            name=data["name"],
            treatment=data["treatment"],
            areas=data["areas"],
            location=data["location"],
            sessions=data["sessions"],
            price=data["amount"],
            tax_rate=data["tax_rate"],
            validity_months=data["validity_months"],
            saved_by=request.user,
            request=request,
        )
    except ValidationError as error:
        error_show(form, error)
        return False
    messages.success(request, "Package saved.")
    return True


@needs(roles.Capability.MANAGE_CLINIC)
def reports(request):
    """The money reports for the days and location asked for (the insights page's Money tab links
    here with its own); a bad range is said above the form and the last 30 days shown."""
    form = ReportsFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    location = data.get("location")
    report = money_reports(start=data.get("first"), end=data.get("last"), location_id=getattr(location, "pk", None))
    return render(request, "payments/reports.html", {"reports": report, "form": form, "location": location})
