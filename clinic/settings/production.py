"""Production: every secret comes from the environment, and there is no default for any."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

try:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY")
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
    DATABASES = {"default": env.db("DATABASE_URL")}
    REDIS_URL = env.str("REDIS_URL")
except ImproperlyConfigured as exc:
    raise ImproperlyConfigured(f"Production settings: {exc}. See the table in README.md.") from exc
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("insecure"):
    raise ImproperlyConfigured("Production settings: DJANGO_SECRET_KEY must be a random string of 50+ characters.")
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise ImproperlyConfigured("Production settings: DATABASE_URL must point at PostgreSQL (postgres://...).")
if not REDIS_URL.startswith(("redis://", "rediss://")):
    raise ImproperlyConfigured("Production settings: REDIS_URL must be a redis:// or rediss:// URL.")

DEBUG = False
# No demo accounts with published passwords and derivable TOTP secrets (seed_demo, demo_totp).
DEMO_DATA_ALLOWED = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
CACHES = {
    "default": {
        "BACKEND": "clinic.cache.RedisCache",
        "LOCATION": REDIS_URL,
        # Several clinics (or staging and live) may share one Redis: each keeps to its own keys.
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="clinic"),
    }
}
CELERY_BROKER_URL = REDIS_URL
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_WORKER_DISABLE_PREFETCH = True  # see base.py

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
