"""Celery tasks of records: thin, idempotent, ids in and a service call.

``records.sweep`` runs from beat every hour (``CELERY_BEAT_SCHEDULE``): it builds exports whose
task was lost, deletes exports past their 7 days, deletes the clinical records of forgotten
clients whose retention period is over, and purges old operational data (sent messages, audit
entries) past their settings' ages.
"""

from celery import shared_task


@shared_task(name="records.client_export_build", ignore_result=True)
def client_export_build_task(export_id: int) -> None:
    from .export import client_export_build

    client_export_build(export_id=export_id)


@shared_task(name="records.import_run_execute", ignore_result=True)
def import_run_execute_task(run_id: int) -> None:
    from .imports import import_run_execute

    import_run_execute(run_id=run_id)


@shared_task(name="records.sweep", ignore_result=True)
def records_sweep() -> dict:
    from .erasure import clinical_records_sweep
    from .export import client_exports_build_pending, client_exports_expire
    from .imports import import_runs_pending_execute
    from .retention import operational_data_purge

    return {
        "exports_built": client_exports_build_pending(),
        "exports_expired": client_exports_expire(),
        "clinical_records_deleted": clinical_records_sweep(),
        "imports_run": import_runs_pending_execute(),
        **operational_data_purge(),
    }
