"""allauth customisation, only through its adapter (house style)."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from . import roles
from .audit import client_ip
from .composing import absolute_url
from .models import ClinicProfile


@dataclass(frozen=True)
class ClinicSite:
    """What allauth's e-mail templates call ``current_site``: the clinic's name and its configured
    address (``CLINIC_SITE_URL``), not the host name the request happened to use."""

    name: str
    domain: str


def clinic_site() -> ClinicSite:
    return ClinicSite(name=ClinicProfile.get().name, domain=urlsplit(settings.CLINIC_SITE_URL).netloc)


def on_clinic_site(url: str) -> str:
    """``url`` (absolute, built from the request) moved onto the clinic's configured address, as
    every other e-mail's links are (``clinic.composing.absolute_url``)."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")
    return absolute_url(path)


class ClinicAccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        """Everyone who signs up online is a client; staff are created by a manager."""
        user = super().save_user(request, user, form, commit=False)
        user.first_name = form.cleaned_data.get("first_name", "")
        user.last_name = form.cleaned_data.get("last_name", "")
        user.phone = form.cleaned_data.get("phone", "")
        if commit:
            user.save()
            user.groups.add(Group.objects.get_or_create(name=roles.Role.CLIENT)[0])
        return user

    def get_login_redirect_url(self, request):
        return reverse("dashboard")

    def send_mail(self, template_prefix, email, context):
        """allauth's e-mails greet from the clinic's name and link to its configured address (under
        ``make run PORT=8201`` the request's host said "Hello from 127.0.0.1:8201!")."""
        context = {
            key: on_clinic_site(value) if key.endswith("_url") and isinstance(value, str) and value else value
            for key, value in context.items()
        }
        context["current_site"] = clinic_site()
        super().send_mail(template_prefix, email, context)

    def format_email_subject(self, subject):
        return f"{ClinicProfile.get().name}: {subject}"

    def get_client_ip(self, request):
        """Rate limits count by the same address the audit log records (``clinic.audit``)."""
        address = client_ip(request)
        if not address:
            raise PermissionDenied("Unable to determine client IP address")
        return address
