from django.urls import path

from . import views

app_name = "records"

urlpatterns = [
    path("records/export/", views.my_export, name="my_export"),
    path("records/export/download/", views.my_export_download, name="my_export_download"),
    path("records/forget-me/", views.my_erasure, name="my_erasure"),
    path("records/marketing/", views.my_marketing, name="my_marketing"),
    path("records/erasures/", views.erasures, name="erasures"),
    path("records/import/", views.import_csv, name="import_csv"),
    path("records/import/<int:run_id>/", views.import_run, name="import_run"),
    path("records/clients/<int:client_id>/", views.client_records, name="client_records"),
    path("records/clients/<int:client_id>/export/", views.client_export, name="client_export"),
    path(
        "records/clients/<int:client_id>/export/download/",
        views.client_export_download,
        name="client_export_download",
    ),
    path("records/clients/<int:client_id>/marketing/", views.client_marketing, name="client_marketing"),
    path("records/clients/<int:client_id>/erasure/", views.client_erasure_confirm, name="client_erasure_confirm"),
]
