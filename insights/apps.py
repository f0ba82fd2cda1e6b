from django.apps import AppConfig


class InsightsConfig(AppConfig):
    """Read-only figures, charts and the call list. Uses every app below it and writes to no other
    app's table: its own tables are derived data (the session facts and their queue, kept by
    triggers and ``insights.facts``), and its one other write is the managers' weekly summary,
    planned through clinic's outbox."""

    name = "insights"

    def ready(self):
        from clinic.client_data import client_data_exempt

        from .messages import messages_register

        messages_register()
        client_data_exempt(
            "insights.sessionfact",
            "figures worked out from the client's appointments (exported and erased with them): it follows them",
        )
