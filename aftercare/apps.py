from django.apps import AppConfig
from django.core import checks


class AftercareConfig(AppConfig):
    name = "aftercare"

    def ready(self):
        # bookings cannot import aftercare (dependencies point one way): the photos panel on its
        # course pages is registered here, and a system check says so at start-up if it is not.
        from bookings.course_panels import course_panel_register

        from .client_data import aftercare_client_data_register
        from .messages import messages_register
        from .photos.checks import photos_panel_check
        from .photos.panels import course_photo_panels

        messages_register()
        course_panel_register("aftercare.photos", course_photo_panels)
        checks.register(photos_panel_check)
        aftercare_client_data_register()  # what the export and the erasure read (clinic.client_data)
