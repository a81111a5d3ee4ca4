from django.urls import path

from scenic_ops.operations import api

app_name = "operations-api"

urlpatterns = [
    path("telemetry", api.TelemetryView.as_view(), name="telemetry"),
    path("positions", api.PositionsView.as_view(), name="positions"),
    path("map", api.MapView.as_view(), name="map"),
    path("positions/<slug:code>/track", api.TrackView.as_view(), name="track"),
    path("dispatch/nearest", api.NearestCrewView.as_view(), name="nearest"),
    path("dispatch/calls", api.DispatchView.as_view(), name="dispatch"),
    path("public/reports", api.VisitorReportView.as_view(), name="visitor-report"),
    path("crew/today", api.CrewTodayView.as_view(), name="crew-today"),
    path("crew/inspections/<int:task_id>/start", api.CrewStartInspectionView.as_view(), name="crew-start"),
    path("crew/inspections/<int:task_id>/submit", api.CrewSubmitInspectionView.as_view(), name="crew-submit"),
    path("crew/tickets/<int:ticket_id>/<slug:verb>", api.CrewTicketActionView.as_view(), name="crew-ticket"),
    path("crew/reports", api.CrewReportView.as_view(), name="crew-report"),
    path("crew/assets/<str:token>", api.CrewAssetView.as_view(), name="crew-asset"),
    path("crew/calls/<int:call_id>/answer", api.CrewCallAnswerView.as_view(), name="crew-call"),
    path("crew/duty", api.CrewDutyView.as_view(), name="crew-duty"),
]
