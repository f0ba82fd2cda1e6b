"""Settings shared by every environment.

Everything that differs between machines comes from environment variables through
django-environ. The embedded default needs no server: SQLite and kombu's filesystem transport
under ``var/``; ``DATABASE_URL`` and ``REDIS_URL`` switch to PostgreSQL and Redis.
"""

from pathlib import Path

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("CLINIC_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="insecure-local-key-change-me-please-0123456789abcdef")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "clinic",
    "consultations",
    "bookings",
    "aftercare",
    "records",
    "payments",
    "insights",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before whitenoise, so that static files carry the headers too: every response does.
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "clinic.middleware.RoleSessionExpiryMiddleware",
    "clinic.middleware.StaffMFARequiredMiddleware",
    "clinic.clock.ClinicTimeZoneMiddleware",
]

# --- Content-Security-Policy (django-csp) and Permissions-Policy -----------------------------
# Scripts and styles only from our own static files: no inline <script>, <style>, style= or
# onclick= anywhere (templates mark elements with data-* and static/js/app.js acts on them).
# Images: our own, and data: URIs (allauth shows the TOTP set-up QR code as one). No page may
# be framed. The Django admin runs under the same policy (Django 5.2's admin has no inline
# script; the one inline <style> of its change list appears only when a ModelAdmin turns off
# both action bars, which none here does).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Browser features: the camera for this site only (before-and-after photos on the session
# record page); everything a clinic's pages never use, for nobody.
PERMISSIONS_POLICY = {
    "camera": ["self"],
    "accelerometer": [],
    "autoplay": [],
    "browsing-topics": [],
    "display-capture": [],
    "geolocation": [],
    "gyroscope": [],
    "hid": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "serial": [],
    "usb": [],
    "xr-spatial-tracking": [],
}

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"
AUTH_USER_MODEL = "clinic.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # date_label / datetime_label: the one way dates are written (clinic.dates).
            "builtins": ["clinic.dates"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clinic.context_processors.clinic_shell",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite is shared by the web process, the Celery worker and beat under `make run`: IMMEDIATE
# transactions take the write lock up front (no lock upgrade deadlocks), WAL lets readers go on,
# and the busy timeout makes writers wait instead of failing.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'clinic.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: shared between processes so that allauth's rate limits hold everywhere ----------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "clinic.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="clinic"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Auth and sessions ----------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Idle timeouts: each save of a signed-in session pushes its expiry forward, and
# clinic.middleware.RoleSessionExpiryMiddleware saves it at least once a minute while it is used
# (not on every request: that was a write per page view).
SESSION_SAVE_EVERY_REQUEST = False
# Rows in the database, read from the cache (clinic.sessions): no query to load a session.
SESSION_ENGINE = "clinic.sessions"
STAFF_SESSION_IDLE_MINUTES = env.int("STAFF_SESSION_IDLE_MINUTES", default=30)
CLIENT_SESSION_IDLE_MINUTES = env.int("CLIENT_SESSION_IDLE_MINUTES", default=12 * 60)
SESSION_COOKIE_AGE = CLIENT_SESSION_IDLE_MINUTES * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "clinic.adapters.ClinicAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_FORMS = {"signup": "clinic.forms.ClinicSignupForm"}
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
# Whether an address has an account at a skin clinic is itself private: signing up with a
# used address answers like a new sign-up and e-mails the owner instead.
ACCOUNT_PREVENT_ENUMERATION = True
# The client's address (clinic.audit.client_ip: audit log, consent signatures, rate limits):
# how many proxies of ours stand in front of the app, each appending to X-Forwarded-For.
# 0 (the default) ignores the header and takes REMOTE_ADDR.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="Clinic")
# A code read at :59 and typed at :00 belongs to the step just gone: accept one step either side
# (a code is still good once only: allauth remembers used codes in the cache).
MFA_TOTP_TOLERANCE = 1

# --- Email ----------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Clinic <bookings@clinic.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
# Outbound SMS go through a small backend interface (clinic.sms).
SMS_BACKEND = env.str("SMS_BACKEND", default="clinic.sms.ConsoleSMSBackend")
# Every network step of a send (connecting, each answer of the SMTP server, each request to the
# SMS gateway) gives up after this many seconds. A server that stops answering then fails the
# attempt (retried with backoff) long before the dispatcher's lease runs out and another
# dispatcher could send the same row again. Checked against OUTBOX_LEASE_SECONDS at start-up
# (clinic.outbox_checks). E-mails sent from web requests (sign-up, password reset) use it too.
OUTBOX_SEND_TIMEOUT_SECONDS = env.int("OUTBOX_SEND_TIMEOUT_SECONDS", default=15)
EMAIL_TIMEOUT = OUTBOX_SEND_TIMEOUT_SECONDS

# --- Internationalisation and time ----------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"  # storage and the server; the clinic's own zone lives on ClinicProfile
USE_I18N = True
# The site's own words over a few of allauth's ("Log in", not "Sign In"): locale/en_GB.
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
# Private files (consent and aftercare PDFs): never under a public URL.
PRIVATE_STORAGE_ROOT = VAR_DIR / "private"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_STORAGE_ROOT), "base_url": None},
    },
    # Before-and-after photos (aftercare.photos): private like the PDFs, and separately
    # configurable so that production can keep them in an object store (see README, "Photos").
    "photos": {
        "BACKEND": env.str("PHOTO_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"),
        "OPTIONS": env.json(
            "PHOTO_STORAGE_OPTIONS",
            default={"location": str(PRIVATE_STORAGE_ROOT / "photos"), "base_url": None},
        ),
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Limits of one uploaded photo: bytes of the file, and pixels (width x height) it declares.
PHOTO_MAX_UPLOAD_BYTES = env.int("PHOTO_MAX_UPLOAD_BYTES", default=20 * 1000 * 1000)
PHOTO_MAX_PIXELS = env.int("PHOTO_MAX_PIXELS", default=40 * 1000 * 1000)

# --- Celery ---------------------------------------------------------------------------------
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "celery" / "queue"),
        "data_folder_out": str(VAR_DIR / "celery" / "queue"),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
# Early acknowledgement, on purpose. The database is the source of truth for every task here: the
# outbox's rows (claimed under a lease, taken over when it runs out) and the aftercare PDF (rendered
# when it is sent or downloaded if the task never ran), so a task message lost with its worker loses
# nothing. Late acknowledgement, on the other hand, keeps a message unacknowledged in the worker
# while a dispatch runs, and when Redis restarts kombu's Redis transport tries to restore it on a
# connection it has already torn down: the worker's main process exits with "Unrecoverable error:
# AttributeError('NoneType' object has no attribute 'hostname')" and nothing is sent until someone
# restarts it (issue 10, item 9; clinic/tests/test_dispatch_redis_restart.py).
CELERY_TASK_ACKS_LATE = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Hold no message that cannot start now: with early acknowledgement a task is acknowledged when a
# pool process takes it, so the worker has nothing unacknowledged to restore when the broker goes
# away even while beat queues ticks faster than long dispatches end. Redis only (the filesystem
# transport of `make run` ignores it, with a warning).
CELERY_WORKER_DISABLE_PREFETCH = bool(REDIS_URL)
# Celery 6's default, and what Celery 5 warns about on every connection loss: a task with late
# acknowledgement still running when the connection drops is cancelled (none is configured so).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# Wait for the broker for ever, at start-up too: a worker outlives any Redis restart or outage.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Each app adds its periodic tasks here; the outbox dispatcher runs every minute.
CELERY_BEAT_SCHEDULE: dict = {}
# Messages: send what is due. A tick that waited longer than a minute for a worker is dropped
# (the next one does the same work).
CELERY_BEAT_SCHEDULE["outbox-dispatch"] = {
    "task": "clinic.outbox_dispatch",
    "schedule": 60.0,
    "options": {"expires": 55},
}
# records: exports, erasure and retention (records.tasks.records_sweep), every hour.
CELERY_BEAT_SCHEDULE["records-sweep"] = {
    "task": "records.sweep",
    "schedule": 3600.0,
    "options": {"expires": 3000},
}
# insights: the managers' weekly summary. Beat runs in UTC; the task waits for Monday 08:00 on each
# manager's clock (their home location's: the clock changes move nothing) and plans it once a week
# (insights.summary).
# insights: the session facts that the reports read, brought up to date every minute (a page does
# it too before it reads; this keeps what it finds to do small). A late tick is dropped.
CELERY_BEAT_SCHEDULE["insights-facts-refresh"] = {
    "task": "insights.facts_refresh",
    "schedule": 60.0,
    "options": {"expires": 55},
}
CELERY_BEAT_SCHEDULE["insights-weekly-summary"] = {
    "task": "insights.weekly_summary",
    "schedule": 900.0,
    "options": {"expires": 840},
}

# --- Product settings (defaults; the clinic profile overrides per clinic) -------------------
# seed_demo and demo_totp: the demo's superuser has a published password and its staff a TOTP
# secret anyone can derive. Production turns them off.
DEMO_DATA_ALLOWED = True
CLINIC_DEFAULT_TIME_ZONE = env.str("CLINIC_TIME_ZONE", default="Europe/London")
# Booking limits (bookings.selectors.availability.booking_settings): slot step, online notice, online horizon.
BOOKING_SLOT_STEP_MINUTES = env.int("BOOKING_SLOT_STEP_MINUTES", default=15)
BOOKING_ONLINE_NOTICE_HOURS = env.int("BOOKING_ONLINE_NOTICE_HOURS", default=24)
BOOKING_ONLINE_HORIZON_DAYS = env.int("BOOKING_ONLINE_HORIZON_DAYS", default=90)
# Nobody sets a micro-needling-type treatment's minimum days between sessions below this
# (bookings.services.catalogue; the database holds 28, so a lower value fails the system check).
TREATMENT_SPACING_MIN_FLOOR_DAYS = env.int("TREATMENT_SPACING_MIN_FLOOR_DAYS", default=28)

# --- Messages (clinic.composing, clinic.dispatch) -------------------------------------------
# A dispatcher owns the rows it claimed for this long; once it has run out, another one takes them
# over (the first must have died). It stops sending 2 x OUTBOX_SEND_TIMEOUT_SECONDS (15 s at
# least) before its lease ends, so a send never outlives the lease.
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=120)
# A reminder, health-update request, window notice or waitlist offer that could only go out this
# long after its time is skipped, not sent (clinic.staleness).
OUTBOX_STALE_GRACE_MINUTES = env.int("OUTBOX_STALE_GRACE_MINUTES", default=360)
# When the oldest message ready to send has waited longer than this, /healthz answers 503 and
# managers see "Messages are delayed" on every page (clinic.outbox.outbox_delay_alert).
OUTBOX_DELAY_ALERT_MINUTES = env.int("OUTBOX_DELAY_ALERT_MINUTES", default=10)
# Links in e-mails and texts point here.
CLINIC_SITE_URL = env.str("CLINIC_SITE_URL", default="http://127.0.0.1:8000")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint narrates every rendering step at INFO; fontTools reports each subset.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # The filesystem transport has no host name, and kombu says so on every connection.
        "kombu.connection": {"level": "ERROR"},
    },
}

# --- A client's data (records) --------------------------------------------------------------
# How long an export's zip is offered for download before it is deleted.
RECORDS_EXPORT_DAYS = env.int("RECORDS_EXPORT_DAYS", default=7)
# Clinical records of a client who asked to be forgotten are kept this many years after their
# last treatment (the law on medical records), then deleted by the hourly sweep.
RECORDS_CLINICAL_RETENTION_YEARS = env.int("RECORDS_CLINICAL_RETENTION_YEARS", default=8)
# Operational data: sent messages older than this many days are deleted (what they said goes),
# audit entries older than this many days too.
RECORDS_SENT_MESSAGES_DAYS = env.int("RECORDS_SENT_MESSAGES_DAYS", default=365)
RECORDS_AUDIT_DAYS = env.int("RECORDS_AUDIT_DAYS", default=365 * 6)
# CSV import runs (their uploaded files and reports, which name everyone imported) after this.
RECORDS_IMPORT_RUNS_DAYS = env.int("RECORDS_IMPORT_RUNS_DAYS", default=30)
# CSV import (records.csv_import): the most rows and bytes one file may have.
RECORDS_IMPORT_MAX_ROWS = env.int("RECORDS_IMPORT_MAX_ROWS", default=20000)
RECORDS_IMPORT_MAX_BYTES = env.int("RECORDS_IMPORT_MAX_BYTES", default=20 * 1000 * 1000)

# --- Payments -------------------------------------------------------------------------------
# payments: one currency per clinic (ISO code); what a no-show or a late cancellation by the
# client costs: "use_session" (a prepaid session of a valid package; none: the fee) or
# "charge_fee" (always the fee). A fee of 0 charges nothing.
CLINIC_CURRENCY = env.str("CLINIC_CURRENCY", default="GBP")
PAYMENTS_MISSED_SESSION_POLICY = env.str("PAYMENTS_MISSED_SESSION_POLICY", default="use_session")
PAYMENTS_MISSED_SESSION_FEE = env.str("PAYMENTS_MISSED_SESSION_FEE", default="30.00")
