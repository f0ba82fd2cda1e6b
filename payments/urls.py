from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("payments/clients/<int:client_id>/pay/", views.payment_take_view, name="pay"),
    path("payments/clients/<int:client_id>/sell/", views.package_sell_view, name="sell"),
    path("payments/payments/<int:payment_id>/refund/", views.refund_view, name="refund"),
    path("payments/receipts/<int:receipt_id>.pdf", views.receipt_pdf, name="receipt_pdf"),
    path("payments/appointments/<int:appointment_id>/checkout/", views.checkout, name="checkout"),
    path("payments/account/", views.my_account, name="mine"),
    path("payments/prices/", views.price_list, name="prices"),
    path("payments/reports/", views.reports, name="reports"),
]
