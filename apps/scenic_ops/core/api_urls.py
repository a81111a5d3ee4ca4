from django.urls import path

from scenic_ops.core import api_views

urlpatterns = [
    path("jobs", api_views.JobListView.as_view(), name="core-jobs"),
    path("jobs/<slug:name>/runs", api_views.JobRunCreateView.as_view(), name="core-job-run"),
]
