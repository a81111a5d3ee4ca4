from django.urls import path

from scenic_ops.workflow import api

urlpatterns = [
    path("documents/<str:document_type>/<str:pk>/actions", api.DocumentActionsView.as_view(), name="workflow-actions"),
    path("documents/<str:document_type>/<str:pk>/apply", api.DocumentApplyView.as_view(), name="workflow-apply"),
    path("documents/<str:document_type>/<str:pk>/history", api.DocumentHistoryView.as_view(), name="workflow-history"),
    path("inbox", api.InboxView.as_view(), name="workflow-api-inbox"),
    path("inbox/bulk", api.InboxBulkView.as_view(), name="workflow-api-bulk"),
    path("notifications", api.NotificationsView.as_view(), name="workflow-api-notifications"),
    path("notifications/read", api.NotificationsReadView.as_view(), name="workflow-api-notifications-read"),
    path("delegations", api.DelegationsView.as_view(), name="workflow-api-delegations"),
    path("conditions/check", api.ConditionCheckView.as_view(), name="workflow-api-condition-check"),
]
