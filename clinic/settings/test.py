"""The test suite: real PostgreSQL and Redis, as in production."""

from .base import *  # noqa: F403
from .base import VAR_DIR, env

# Under pytest-xdist each process ("gw0", "gw1", ...) has its own test database (pytest-django
# suffixes its name), and, from the names below, its own cache keys, Celery queue and folders.
XDIST_WORKER = env.str("PYTEST_XDIST_WORKER", default="main")

DATABASES = {"default": env.db("DATABASE_URL", default="postgres:///clinic")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# The suite opens a connection per test as it always did; the load bench (bench/bench_load.py) runs
# its gunicorn with production's persistent connections (DB_CONN_MAX_AGE=60, production.py).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "clinic.cache.RedisCache",
        "LOCATION": REDIS_URL,
        # One prefix per xdist process, so that each test's cache reset touches only its own keys.
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="clinic-test") + "-" + XDIST_WORKER,
    }
}
CELERY_BROKER_URL = REDIS_URL
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_WORKER_DISABLE_PREFETCH = True  # see base.py
# Tasks a test queues (after a commit) go to this process's own queue in the shared Redis
# database: a test that reads or empties the queue sees only its own process's tasks.
CELERY_TASK_DEFAULT_QUEUE = f"clinic-test-{XDIST_WORKER}"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_BACKEND = "clinic.sms.LocmemSMSBackend"
# Stored files (PDFs, exports, imports, photos) in a folder of this process: the other process's
# database has rows with the same ids, so the same file names (exports/<client id>/...).
PRIVATE_STORAGE_ROOT = VAR_DIR / "test" / XDIST_WORKER / "private"
STORAGES = {
    **STORAGES,  # noqa: F405
    "private": {**STORAGES["private"], "OPTIONS": {"location": str(PRIVATE_STORAGE_ROOT), "base_url": None}},  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if STORAGES["photos"]["BACKEND"] == "django.core.files.storage.FileSystemStorage":
    STORAGES["photos"] = {
        **STORAGES["photos"],
        "OPTIONS": {"location": str(PRIVATE_STORAGE_ROOT / "photos"), "base_url": None},
    }
EMAIL_FILE_PATH = VAR_DIR / "test" / XDIST_WORKER / "mail"

ACCOUNT_RATE_LIMITS = False
DEBUG = False
