from django.urls import path

from scenic_ops.shop import api

app_name = "shop-api"

urlpatterns = [
    path("quote", api.QuoteView.as_view(), name="quote"),
    path("checkout", api.checkout, name="checkout"),
    path("orders/<str:token>", api.OrderView.as_view(), name="order"),
    path("orders/<str:token>/pay", api.PayView.as_view(), name="pay"),
    path("payments/<slug:provider>/notify", api.PaymentNotifyView.as_view(), name="payment-notify"),
    path("tracking", api.TrackingPushView.as_view(), name="tracking"),
    path("pickup", api.PickupView.as_view(), name="pickup"),
]
