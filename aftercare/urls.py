from django.urls import path

from . import views
from .photos.urls import urlpatterns as photo_urlpatterns

urlpatterns = [
    path("aftercare/", views.my_aftercare, name="aftercare_mine"),
    path("aftercare/plans/<int:plan_id>/", views.plan_detail, name="aftercare_plan"),
    path("aftercare/plans/<int:plan_id>/pdf/", views.plan_pdf, name="aftercare_plan_pdf"),
    path("aftercare/check-ins/<int:check_in_id>/", views.check_in, name="aftercare_check_in"),
    path("aftercare/check-ins/<int:check_in_id>/seen/", views.check_in_seen, name="aftercare_check_in_seen"),
    path("aftercare/worried/", views.worried, name="aftercare_worried"),
    path(
        "aftercare/appointments/<int:appointment_id>/plan/",
        views.plan_for_appointment,
        name="aftercare_plan_for_appointment",
    ),
    path(
        "aftercare/appointments/<int:appointment_id>/record/",
        views.session_record,
        name="aftercare_session_record",
    ),
]

urlpatterns += photo_urlpatterns
