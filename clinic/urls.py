from django.contrib import admin
from django.urls import include, path

from . import views

admin.site.site_header = "Clinic administration"
admin.site.site_title = "Clinic administration"

urlpatterns = [
    path("", views.home, name="home"),
    path("home/", views.dashboard, name="dashboard"),
    path("clinic/profile/", views.clinic_profile_edit, name="clinic_profile_edit"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("consultations.urls")),
    path("", include("bookings.urls")),
    path("", include("aftercare.urls")),
]
