"""Governance pages outside the desk."""

from django.urls import path

from scenic_ops.governance import views

app_name = "governance"

urlpatterns = [
    path("training/sign-in/<str:code>/", views.sign_in, name="sign-in"),
    path("training/sessions/<int:pk>/qr.png", views.session_qr, name="session-qr"),
]
