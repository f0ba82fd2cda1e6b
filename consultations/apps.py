from django.apps import AppConfig


class ConsultationsConfig(AppConfig):
    name = "consultations"

    def ready(self):
        from .messages import messages_register

        messages_register()
        from .client_data import consultations_client_data_register

        consultations_client_data_register()
