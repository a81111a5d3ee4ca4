from django.urls import path

from scenic_ops.service import api

app_name = "service-api"

urlpatterns = [
    path("mentions", api.MentionPushView.as_view(), name="mentions"),
    path("incidents", api.IncidentRaiseView.as_view(), name="incidents"),
    path("complaints", api.ComplaintCreateView.as_view(), name="complaints"),
    path("energy/readings", api.EnergyReadingView.as_view(), name="energy-readings"),
]
