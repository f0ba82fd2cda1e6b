from pathlib import Path

from django.apps import AppConfig
from django.conf import settings


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Clinic"

    def ready(self):
        from allauth.mfa.signals import authenticator_added
        from django.contrib.auth.signals import user_logged_in

        from . import (
            message_kinds,  # noqa: F401 (its system check: every message kind has its content)
            outbox_checks,  # noqa: F401 (registers the checks)
            rule_changes,  # noqa: F401 (its system check: a zone change shows what it moves)
        )
        from .client_data import core_client_data_register
        from .mfa import record_totp_activation
        from .middleware import session_keep_alive_on_login
        from .models import ClinicProfile, Location, User
        from .setup_cache import setup_models_watch

        # Not on creation: the profile is created by the first read, which caches what it made.
        setup_models_watch(ClinicProfile, on_create=False)
        setup_models_watch(Location, through=(User.locations.through,))

        core_client_data_register()

        user_logged_in.connect(session_keep_alive_on_login, dispatch_uid="clinic.middleware.session_keep_alive")
        authenticator_added.connect(record_totp_activation, dispatch_uid="clinic.mfa.record_totp_activation")
        # The filesystem broker and the file e-mail backend need their folders.
        transport = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
        for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
            if transport.get(key):
                Path(transport[key]).mkdir(parents=True, exist_ok=True)
        if getattr(settings, "STATIC_ROOT", None):
            Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
        if getattr(settings, "EMAIL_FILE_PATH", None):
            Path(settings.EMAIL_FILE_PATH).mkdir(parents=True, exist_ok=True)
