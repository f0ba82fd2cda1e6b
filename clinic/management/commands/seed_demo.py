from importlib import import_module

from django.core.management.base import BaseCommand
from django.db import transaction

from clinic import demo

# In dependency order; each app's `demo.seed(people, stdout)` adds its part.
APP_SEEDS = ("consultations", "bookings", "aftercare")


class Command(BaseCommand):
    help = "Load the demo clinic (idempotent) and print the demo logins."

    def handle(self, *args, **options):
        with transaction.atomic():
            people = demo.seed(self.stdout)
            for app in APP_SEEDS:
                try:
                    module = import_module(f"{app}.demo")
                except ModuleNotFoundError:
                    continue
                module.seed(people, self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {demo.DEMO_PASSWORD})")
        for email, first, last, role in demo.STAFF:
            self.stdout.write(f"  {role.value:<13} {email:<28} {first} {last}")
        self.stdout.write(f"  {'client':<13} {demo.client_email(0):<28} and 19 more clients")
        self.stdout.write("Staff log in with a one-time code: `make totp EMAIL=anna@clinic.example` prints it.")
