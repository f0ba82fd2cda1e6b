from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from clinic import demo

# In dependency order; each app's `demo.seed(people, stdout)` adds its part.
APP_SEEDS = ("consultations", "bookings", "aftercare", "payments")


class Command(BaseCommand):
    help = "Load the demo clinic (idempotent) and print the demo logins."

    def handle(self, *args, **options):
        demo.demo_refuse_unless_allowed("seed_demo")
        with transaction.atomic():
            people = demo.seed(self.stdout)
            for app in APP_SEEDS:
                try:
                    module = import_module(f"{app}.demo")
                except ModuleNotFoundError:
                    continue
                module.seed(people, self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))
        logins = demo.logins_text()
        self.stdout.write(logins)
        # `make run` prints this file again once the server is up, so the logins are the last thing
        # on the screen.
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        (settings.VAR_DIR / "demo-logins.txt").write_text(logins + "\n")
