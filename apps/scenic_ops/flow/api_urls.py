from django.urls import path

from scenic_ops.flow import api

app_name = "flow-api"

urlpatterns = [
    path("devices/push", api.DevicePushView.as_view(), name="device-push"),
    path("public/status", api.PublicStatusView.as_view(), name="public-status"),
    path("public/forecast", api.PublicForecastView.as_view(), name="public-forecast"),
    path("public/stream", api.stream, name="public-stream"),
]
