from django.apps import AppConfig


def _setup_cache_watch() -> None:
    """The set-up the calendars read from ``clinic.setup_cache`` (catalogue, working hours): any
    change to these rows makes every process read them afresh. Appointments, time off and
    closures are read live, never cached."""
    from django.db.models.signals import post_save

    from clinic.models import User
    from clinic.setup_cache import setup_models_watch

    from .models import OpeningHours, Practitioner, Room, Treatment, TreatmentArea, WorkingHours

    setup_models_watch(
        Treatment,
        TreatmentArea,
        Room,
        Practitioner,
        WorkingHours,
        OpeningHours,
        through=(Practitioner.treatments.through, Room.treatments.through),
    )
    # Practitioners are tried in the order of their names: a renamed one moves. A login (which
    # saves only last_login) changes nothing here.
    post_save.connect(_user_saved, sender=User, dispatch_uid="bookings.setup_cache.user")


def _user_saved(*, update_fields=None, created=False, **kwargs) -> None:
    from clinic.setup_cache import setup_changed

    if created or (update_fields is not None and set(update_fields) <= {"last_login"}):
        return
    setup_changed()


class BookingsConfig(AppConfig):
    name = "bookings"

    def ready(self):
        # consultations cannot import bookings (dependencies point one way); it asks through
        # this lookup whose appointment an id is and on which day it falls.
        from clinic.rule_changes import time_zone_change_check_register
        from consultations.appointments import appointment_lookup_register, appointment_starts_at_register

        from . import checks  # noqa: F401 (registers the settings check)
        from .client_data import bookings_client_data_register
        from .course_panels import course_panel_register
        from .course_plan_panel import course_plan_panels
        from .messages import messages_register
        from .selectors.client import appointment_session_date_for_client, appointment_starts_at
        from .spacing_changes import sessions_not_fitting_time_zone

        messages_register()
        _setup_cache_watch()
        course_panel_register("bookings.course_plan", course_plan_panels)
        appointment_lookup_register(appointment_session_date_for_client)
        appointment_starts_at_register(appointment_starts_at)
        # The same for clinic: which booked sessions a change of the clinic's zone would move.
        time_zone_change_check_register(sessions_not_fitting_time_zone)
        bookings_client_data_register()  # what the export and the erasure read (clinic.client_data)
