"""Visitor pages, mounted at the site root: /book/…, /o/…, /t/…, /my/, /pay/sandbox/…."""

from django.urls import path

from scenic_ops.ticketing import views

app_name = "ticketing"

urlpatterns = [
    path("book/", views.days, name="days"),
    path("book/<str:date>/", views.day, name="day"),
    path("book/<str:date>/visitors", views.visitors, name="visitors"),
    path("o/<str:number>/<str:key>/", views.order_page, name="order"),
    path("o/<str:number>/<str:key>/pay", views.pay, name="pay"),
    path("o/<str:number>/<str:key>/cancel", views.cancel, name="cancel"),
    path("o/<str:number>/<str:key>/tickets.pdf", views.order_pdf, name="order-pdf"),
    path("t/<str:code>/", views.ticket_page, name="ticket"),
    path("t/<str:code>/qr.png", views.ticket_qr, name="ticket-qr"),
    path("t/<str:code>/ticket.pdf", views.ticket_pdf, name="ticket-pdf"),
    path("my/", views.my_orders, name="my"),
    path("pay/sandbox/<str:reference>/", views.sandbox_cashier, name="sandbox-pay"),
]
