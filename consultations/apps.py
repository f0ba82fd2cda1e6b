from django.apps import AppConfig


class ConsultationsConfig(AppConfig):
    name = "consultations"

    def ready(self):
        from .client_data import consultations_client_data_register

        consultations_client_data_register()
