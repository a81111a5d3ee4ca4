from django.urls import path

from scenic_ops.access import api

app_name = "access-api"

urlpatterns = [
    path("scan", api.ScanView.as_view(), name="scan"),
    path("heartbeat", api.HeartbeatView.as_view(), name="heartbeat"),
    path("whitelist", api.WhitelistView.as_view(), name="whitelist"),
    path("offline-uploads", api.UploadView.as_view(), name="offline-uploads"),
    path("bindings", api.BindingView.as_view(), name="bindings"),
]
