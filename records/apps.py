from django.apps import AppConfig


class RecordsConfig(AppConfig):
    """A client's export and erasure, CSV import from other systems. Uses every app below it; what
    each app holds about a client comes from the registry in ``clinic.client_data``."""

    name = "records"

    def ready(self):
        from .messages import messages_register

        messages_register()
        from clinic.client_data import ClientData, Erasure, ExportFile, client_data_exempt, client_data_register

        from .models import ClientExport

        def export_zips(rows):
            return [ExportFile(storage="private", name=e.file_name, path="", export=False) for e in rows if e.file_name]

        # The zips hold everything about the client: they go, with their files, when the client does.
        client_data_register(
            ClientData(
                model=ClientExport,
                client_lookup="client",
                section="exports",
                description="The client's requests for a copy of their records, and when they were downloaded.",
                erasure=Erasure.DELETE,
                exclude=("client", "file_name", "key", "error"),
                files=export_zips,
            )
        )
        client_data_exempt("records.erasurerequest", "that an erasure happened; its account is anonymised")
        client_data_exempt("records.importrun", "a manager's CSV import (its user is staff)")
