"""The test suite: real PostgreSQL and Redis, as in production."""

from .base import *  # noqa: F403
from .base import env

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
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="clinic-test")
        + "-"
        + env.str("PYTEST_XDIST_WORKER", default="main"),
    }
}
CELERY_BROKER_URL = REDIS_URL
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_WORKER_DISABLE_PREFETCH = True  # see base.py
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_BACKEND = "clinic.sms.LocmemSMSBackend"
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ACCOUNT_RATE_LIMITS = False
DEBUG = False
