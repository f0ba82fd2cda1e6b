"""Start-up checks of the outbox's settings (``manage.py check``, and every runserver, migrate and
gunicorn start through Django's checks): a send must be bounded well inside the lease under which
a dispatcher owns its rows, else a hung send outlives the lease and another dispatcher sends the
same row again."""

from django.conf import settings
from django.core.checks import Error, register

# The lease must leave at least this share of itself for sending once the dispatcher's margin (two
# send timeouts) is set aside.
USABLE_SHARE_OF_LEASE = 0.5


@register()
def outbox_send_bounded_by_lease(app_configs=None, **kwargs) -> list[Error]:
    from .dispatch import lease_margin

    lease = getattr(settings, "OUTBOX_LEASE_SECONDS", 120)
    timeout = getattr(settings, "OUTBOX_SEND_TIMEOUT_SECONDS", None)
    hint = "Set OUTBOX_SEND_TIMEOUT_SECONDS to a quarter of OUTBOX_LEASE_SECONDS or less (README, Configuration)."
    if not timeout or timeout <= 0:
        return [Error("OUTBOX_SEND_TIMEOUT_SECONDS must be a positive number of seconds.", hint=hint, id="clinic.E101")]
    errors = []
    if lease_margin().total_seconds() > lease * USABLE_SHARE_OF_LEASE:
        errors.append(
            Error(
                f"A send may take {timeout} s per network step, which is not well inside the "
                f"{lease} s lease of a dispatcher (it keeps {lease_margin().total_seconds():.0f} s in hand).",
                hint=hint,
                id="clinic.E102",
            )
        )
    email_timeout = getattr(settings, "EMAIL_TIMEOUT", None)
    if email_timeout is None or email_timeout > timeout:
        errors.append(
            Error(
                f"EMAIL_TIMEOUT is {email_timeout}: e-mails sent outside the outbox could wait for ever on a "
                "server that stopped answering.",
                hint="Leave EMAIL_TIMEOUT = OUTBOX_SEND_TIMEOUT_SECONDS (clinic/settings/base.py).",
                id="clinic.E103",
            )
        )
    return errors
