from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    """The price list, course packages, the client's ledger and receipts. Uses bookings; bookings
    tells it about completed and missed sessions through its status hooks (registered here)."""

    name = "payments"

    def ready(self):
        from bookings.desk_panels import desk_panel_register
        from bookings.status_hooks import status_hook_register

        from .client_data import payments_client_data_register
        from .messages import messages_register
        from .panels import appointment_panel, client_panel
        from .services.sessions import on_session_completed, on_session_missed

        messages_register()
        desk_panel_register("appointment", "payments", appointment_panel)
        desk_panel_register("client", "payments", client_panel)
        payments_client_data_register()
        status_hook_register("completed", on_session_completed)
        status_hook_register("no_show", on_session_missed)
        status_hook_register("cancelled", on_session_missed)
