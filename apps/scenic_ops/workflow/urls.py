"""Pages of the workflow domain (mounted at the site root, so prefixed)."""

from django.contrib import admin
from django.urls import path

from scenic_ops.workflow import views

urlpatterns = [
    path("workflow/inbox/", admin.site.admin_view(views.inbox_view), name="workflow-inbox"),
    path("workflow/notifications/", admin.site.admin_view(views.notifications_view), name="workflow-notifications"),
]
