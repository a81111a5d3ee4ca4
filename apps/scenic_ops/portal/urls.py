"""The portal's switches; the home page is the site root (scenic_ops/urls.py)."""

from django.urls import path

from scenic_ops.portal import views

app_name = "portal"

urlpatterns = [
    path("elder-mode", views.elder_mode, name="elder-mode"),
]
