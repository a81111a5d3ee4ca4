"""The shop's pages: visitor pages in the portal's shell, the sandbox cashier and the staff pick-up page."""

from django.urls import path

from scenic_ops.shop import kiosk, views

app_name = "shop"

urlpatterns = [
    path("shop/", views.home, name="home"),
    path("shop/p/<str:code>/", views.product, name="product"),
    path("shop/cart/", views.cart_page, name="cart"),
    path("shop/checkout/", views.checkout_page, name="checkout"),
    path("shop/o/<str:token>/", views.order, name="order"),
    path("shop/o/<str:token>/do", views.order_action, name="order-action"),
    path("shop/o/<str:token>/pickup.png", views.pickup_qr, name="pickup-qr"),
    path("shop/pay/sandbox/<str:reference>/", views.sandbox_cashier, name="sandbox-pay"),
    path("shop/g/<str:code>/", views.group_page, name="group"),
    path("shop/me/", views.member_page, name="me"),
    path("shop/pickup/", views.pickup_desk, name="pickup-desk"),
    path("shop/kiosk/<slug:point>/", kiosk.kiosk, name="kiosk"),
    path("shop/kiosk/<slug:point>/o/<str:token>/", kiosk.kiosk_order, name="kiosk-order"),
    path("shop/kiosk/<slug:point>/o/<str:token>/pay.png", kiosk.kiosk_pay_qr, name="kiosk-pay-qr"),
]
