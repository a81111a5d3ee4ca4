from django.contrib import admin
from django.urls import path

from scenic_ops.operations import views
from scenic_ops.operations.admin.assets import label_png

app_name = "operations"

urlpatterns = [
    path("crew/", views.app, name="crew"),
    path("crew/login/", views.CrewLoginView.as_view(), name="crew-login"),
    path("crew/a/<str:token>", views.asset_link, name="crew-asset"),
    path("crew/sw.js", views.service_worker, name="crew-sw"),
    path("crew/manifest.webmanifest", views.manifest, name="crew-manifest"),
    path("ops/labels/<str:token>.png", admin.site.admin_view(label_png), name="asset-label-png"),
    path("ops/park-map/<int:pk>", views.park_map_image, name="park-map-image"),
]
