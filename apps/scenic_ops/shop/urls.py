"""The shop's pages: visitor pages in the portal's shell, the sandbox cashier, staff pick-up and the kiosk."""

from django.urls import path

from scenic_ops.shop import views

app_name = "shop"

urlpatterns = [
    path("shop/o/<str:token>/", views.order, name="order"),
]
