"""Moving in: clients and future appointments from the CSV files other clinic systems export.

Columns are found by their header's name (case, spaces, dashes and underscores do not matter),
under the names other systems use (``CLIENT_COLUMNS``, ``APPOINTMENT_COLUMNS``; README, "Moving
in"); other columns are ignored and listed. Every row gets one outcome: *created*, *matched*
(already there, by e-mail or phone: nothing written) or *refused* with the reason.

A dry run and the import are the same code: the dry run rolls its transaction back at the end, so
what it shows is what the import would do, rows interacting included (two rows booking the same
room at the same time). An import runs in one transaction: the rows it can take are written
together and a failure half-way leaves the database as it was. Running it again creates nothing
(every row is then matched). Appointments go through ``bookings.services.appointment_batch``, the
batch form of ``appointment_book`` (the same rule functions: clearance, spacing, opening hours, no
double booking; the database's exclusion constraints the last word). Imported
clients get an e-mail invitation through the outbox to set a password and fill in their intake.

File-level problems (not text in the chosen encoding, a required column missing, more than
``RECORDS_IMPORT_MAX_ROWS`` rows, not a CSV) stop everything with one message.
"""

import logging

from django.db import transaction

from bookings.services.appointment_batch import BatchClash
from clinic import roles

from .appointments import APPOINTMENT_COLUMNS, APPOINTMENT_REQUIRED, DATE_FORMATS, import_appointments
from .clients import CLIENT_COLUMNS, CLIENT_REQUIRED, import_clients
from .reading import CREATED, ENCODINGS, ImportFileError, ImportReport, max_rows, read_rows

__all__ = [
    "APPOINTMENT_COLUMNS",
    "CLIENT_COLUMNS",
    "DATE_FORMATS",
    "ENCODINGS",
    "ImportReport",
    "csv_import",
    "max_rows",
]

logger = logging.getLogger(__name__)


class _DryRunRollback(Exception):
    pass


def csv_import(
    *, kind: str, content: bytes, imported_by, dry_run: bool, encoding: str = "utf-8", date_format: str = "dmy"
) -> ImportReport:
    """Import (or, with ``dry_run``, show what importing would do with) a clients or appointments
    CSV. Returns the report; a file-level problem is in ``report.error`` and nothing is written.
    Raises PermissionDenied for anyone but a manager."""
    roles.require(imported_by, roles.Capability.MANAGE_CLINIC)
    report = ImportReport(kind=kind, dry_run=dry_run)
    columns, required = (
        (CLIENT_COLUMNS, CLIENT_REQUIRED) if kind == "clients" else (APPOINTMENT_COLUMNS, APPOINTMENT_REQUIRED)
    )
    if kind not in ("clients", "appointments"):
        report.error = "Choose what the file holds: clients or appointments."
        return report
    if date_format not in DATE_FORMATS:
        report.error = "Choose how the file writes dates."
        return report
    try:
        rows, report.ignored_columns = read_rows(content, encoding=encoding, columns=columns, required=required)
    except ImportFileError as exc:
        report.error = str(exc)
        return report
    try:
        with transaction.atomic():
            if kind == "clients":
                import_clients(rows, report, imported_by=imported_by)
            else:
                import_appointments(rows, report, imported_by=imported_by, date_format=date_format)
            report.rows.sort(key=lambda row: row.line)
            if dry_run:
                raise _DryRunRollback
            if kind == "clients" and report.counts[CREATED]:  # bulk-written invitations
                transaction.on_commit(_kick_invitations)
    except _DryRunRollback:
        pass
    except BatchClash as exc:  # the database's last word: nothing of this file was written
        report.rows = []
        report.error = " ".join(exc.messages)
    return report


def _kick_invitations() -> None:
    """The invitations are due now: start a dispatcher (losing this kick only waits for beat)."""
    from clinic.tasks import outbox_dispatch

    try:
        outbox_dispatch.delay()
    except Exception:  # the broker being away must not turn a committed import into an error page
        logger.warning("could not kick the outbox dispatcher after an import", exc_info=True)
