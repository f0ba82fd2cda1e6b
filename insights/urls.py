from django.urls import path

from . import views

app_name = "insights"

urlpatterns = [
    path("insights/", views.insights_page, name="page"),
    path("insights/table.csv", views.insights_csv, name="csv"),
    path("insights/call-list/", views.call_list, name="call_list"),
    path("insights/call-list/remind/", views.call_list_remind, name="call_list_remind"),
]
