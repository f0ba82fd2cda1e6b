from django.apps import AppConfig


class InsightsConfig(AppConfig):
    """Read-only figures, charts and the call list. Uses every app below it and owns no table: its
    one write is the managers' weekly summary, planned through clinic's outbox."""

    name = "insights"

    def ready(self):
        from .messages import messages_register

        messages_register()
