from django.apps import AppConfig


class RecordsConfig(AppConfig):
    """A client's export and erasure, CSV import from other systems. Uses every app below it; what
    each app holds about a client comes from the registry in ``clinic.client_data``."""

    name = "records"

    def ready(self):
        from clinic.client_data import client_data_exempt

        client_data_exempt("records.clientexport", "the export's own bookkeeping: deleted with its zip")
        client_data_exempt("records.erasurerequest", "that an erasure happened; its account is anonymised")
        client_data_exempt("records.importrun", "a manager's CSV import (its user is staff)")
