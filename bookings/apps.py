from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"

    def ready(self):
        # consultations cannot import bookings (dependencies point one way); it asks through
        # this lookup whose appointment an id is and on which day it falls.
        from consultations.appointments import appointment_lookup_register

        from .selectors import appointment_session_date_for_client

        appointment_lookup_register(appointment_session_date_for_client)
