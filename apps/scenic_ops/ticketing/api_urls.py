from django.urls import path

from scenic_ops.ticketing import api

app_name = "ticketing-api"

urlpatterns = [
    path("availability", api.availability, name="availability"),
    path("keys", api.PublicKeyView.as_view(), name="keys"),
    path("payments/<slug:provider>/notify", api.PaymentNotifyView.as_view(), name="payment-notify"),
    path("partner/products", api.ProductsView.as_view(), name="partner-products"),
    path("partner/calendar", api.CalendarView.as_view(), name="partner-calendar"),
    path("partner/orders", api.partner_orders, name="partner-orders"),
    path("partner/orders/<str:number>", api.OrderView.as_view(), name="partner-order"),
    path("partner/orders/<str:number>/confirm", api.OrderConfirmView.as_view(), name="partner-confirm"),
    path("partner/orders/<str:number>/cancel", api.OrderCancelView.as_view(), name="partner-cancel"),
    path("partner/orders/<str:number>/refund", api.OrderRefundView.as_view(), name="partner-refund"),
]
