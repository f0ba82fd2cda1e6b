import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.management.base import BaseCommand, CommandError

from clinic.demo import STAFF, demo_refuse_unless_allowed, demo_totp_secret


class Command(BaseCommand):
    help = "Print the current one-time code of a demo staff account (demo data only)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        demo_refuse_unless_allowed("demo_totp")
        if email not in {row[0] for row in STAFF}:
            raise CommandError(f"{email} is not a demo staff account.")
        counter = int(time.time()) // 30
        self.stdout.write(format_hotp_value(hotp_value(demo_totp_secret(email), counter)))
