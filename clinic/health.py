"""What /healthz reports: the database, the broker, the migrations and the outbox.

The outbox part is the age of the oldest message ready to send that has not gone out; past
``OUTBOX_DELAY_ALERT_MINUTES`` (10) the dispatcher has stalled (no worker, no beat, or a worker
that cannot reach the broker) and the page answers 503 saying so.

The page is public (load balancers call it without logging in), so a failure is reported by the
exception's class only; its message, which can hold host names, ports and user names, goes to the
log.
"""

import logging

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

logger = logging.getLogger(__name__)


def _failure(part: str, exc: Exception) -> str:
    logger.warning("healthz: %s is down: %s", part, exc)
    return type(exc).__name__


def database_state() -> dict:
    try:
        connection = connections[DEFAULT_DB_ALIAS]
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        return {"ok": False, "error": _failure("database", exc)}


def broker_state() -> dict:
    from .celery import app

    url = app.conf.broker_url or ""
    transport = url.split("://", 1)[0]
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return {"ok": True, "transport": transport}
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "transport": transport, "error": _failure("broker", exc)}


def migrations_state() -> dict:
    try:
        connection = connections[DEFAULT_DB_ALIAS]
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        return {"ok": not plan, "unapplied": len(plan)}
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": _failure("migrations", exc)}


def outbox_state() -> dict:
    from django.conf import settings

    from .outbox import outbox_delay_alert

    threshold = getattr(settings, "OUTBOX_DELAY_ALERT_MINUTES", 10) * 60
    try:
        wait, alert = outbox_delay_alert()
    except Exception as exc:  # noqa: BLE001 - the database part reports the database
        return {"ok": False, "error": _failure("outbox", exc)}
    state = {
        "ok": not alert,
        "oldest_waiting_seconds": None if wait is None else int(wait.total_seconds()),
        "threshold_seconds": threshold,
    }
    if alert:
        logger.warning("healthz: %s", alert)
        state["error"] = alert
    return state


def health_report() -> tuple[bool, dict]:
    report = {
        "database": database_state(),
        "broker": broker_state(),
        "migrations": migrations_state(),
        "outbox": outbox_state(),
    }
    healthy = all(part["ok"] for part in report.values())
    return healthy, {"status": "ok" if healthy else "unavailable", **report}
