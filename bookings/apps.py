from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"

    def ready(self):
        # consultations cannot import bookings (dependencies point one way); it asks through
        # this lookup whose appointment an id is and on which day it falls.
        from clinic.rule_changes import time_zone_change_check_register
        from consultations.appointments import appointment_lookup_register

        from . import checks  # noqa: F401 (registers the settings check)
        from .client_data import bookings_client_data_register
        from .selectors import appointment_session_date_for_client
        from .spacing_changes import sessions_not_fitting_time_zone

        appointment_lookup_register(appointment_session_date_for_client)
        # The same for clinic: which booked sessions a change of the clinic's zone would move.
        time_zone_change_check_register(sessions_not_fitting_time_zone)
        bookings_client_data_register()  # what the export and the erasure read (clinic.client_data)
