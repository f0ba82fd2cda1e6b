"""Settings for the Celery worker processes that the dispatcher tests start
(``worker_processes.Worker``): the test settings, with e-mails written to files in a folder the
test reads (so sends can be counted across processes, even after a SIGKILL), an optional delay
per e-mail (so a worker can be killed in the middle of a batch) and a short lease."""

import os
import time

from django.core.mail.backends.filebased import EmailBackend as FileEmailBackend

from clinic.settings.test import *  # noqa: F403
from clinic.settings.test import env


class SlowFileEmailBackend(FileEmailBackend):
    """The file backend, flushing after each message (it does), after a pause."""

    def send_messages(self, email_messages):
        delay = float(os.environ.get("OUTBOX_TEST_SEND_DELAY", "0"))
        if delay:
            time.sleep(delay)
        return super().send_messages(email_messages)


EMAIL_BACKEND = "clinic.tests.dispatch_worker_settings.SlowFileEmailBackend"
EMAIL_FILE_PATH = env.str("OUTBOX_TEST_MAIL_DIR")
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_TEST_LEASE_SECONDS", default=120)
# A short lease needs short sends (the dispatcher keeps 2 x this, 15 s at least, in hand).
OUTBOX_SEND_TIMEOUT_SECONDS = min(OUTBOX_SEND_TIMEOUT_SECONDS, OUTBOX_LEASE_SECONDS // 4)  # noqa: F405
OUTBOX_BATCH_SIZE = env.int("OUTBOX_TEST_BATCH_SIZE", default=100)
