from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from . import messages_views, views

admin.site.site_header = "Clinic administration"
admin.site.site_title = "Clinic administration"
# The admin's own login form knows no TOTP and no rate limit: send it through allauth's login.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", views.home, name="home"),
    path("home/", views.dashboard, name="dashboard"),
    path("clinic/profile/", views.clinic_profile_edit, name="clinic_profile_edit"),
    path("healthz", views.healthz, name="healthz"),
    # The communication log (messages)
    path("messages/", messages_views.message_log, name="message_log"),
    path("messages/mine/", messages_views.my_messages, name="my_messages"),
    path("messages/clients/<int:client_id>/", messages_views.message_log_client, name="message_log_client"),
    path("messages/<int:pk>/", messages_views.message_detail, name="message_detail"),
    path("messages/<int:pk>/resend/", messages_views.message_resend, name="message_resend"),
    path("messages/unsubscribe/<str:token>/", messages_views.unsubscribe, name="unsubscribe"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("consultations.urls")),
    path("", include("bookings.urls")),
    path("", include("aftercare.urls")),
    path("", include("records.urls")),
    path("", include("payments.urls")),
    path("", include("insights.urls")),
]
