from django.urls import path

from . import views

app_name = "consultations"

urlpatterns = [
    path("consultations/", views.consultation_home, name="home"),
    path("consultations/intake/sign/", views.intake_sign, name="intake_sign"),
    path("consultations/intake/<slug:step>/", views.intake_step, name="intake_step"),
    path("consultations/intakes/<int:pk>/", views.intake_detail, name="intake_detail"),
    path("consultations/intakes/<int:pk>/consent.pdf", views.consent_pdf, name="consent_pdf"),
    path("consultations/health-update/<int:appointment_id>/", views.health_update, name="health_update"),
    path("consultations/review/", views.review_queue, name="review_queue"),
    path("consultations/review/<int:pk>/", views.intake_review, name="intake_review"),
    path("consultations/health-updates/<int:pk>/", views.health_update_detail, name="health_update_detail"),
    path("consultations/clients/<int:client_id>/clearance/", views.client_clearance, name="client_clearance"),
]
