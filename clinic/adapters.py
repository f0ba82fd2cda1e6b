"""allauth customisation, only through its adapter (house style)."""

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from . import roles
from .audit import client_ip
from .models import ClinicProfile


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

    def format_email_subject(self, subject):
        return f"{ClinicProfile.get().name}: {subject}"

    def get_client_ip(self, request):
        """Rate limits count by the same address the audit log records (``clinic.audit``)."""
        address = client_ip(request)
        if not address:
            raise PermissionDenied("Unable to determine client IP address")
        return address
