from django.urls import path

from scenic_ops.service import views

app_name = "service"

urlpatterns = [
    path("service/", views.hub, name="hub"),
    path("service/complaint/", views.complaint_form, name="complaint"),
    path("service/my/", views.my_complaints, name="my"),
    path("service/my/<str:code>/", views.complaint_status, name="complaint-status"),
    path("service/sos/", views.sos, name="sos"),
    path("service/tasks/", views.my_tasks, name="tasks"),
]
