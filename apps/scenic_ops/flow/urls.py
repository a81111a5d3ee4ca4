from django.urls import path

from scenic_ops.flow import views

app_name = "flow"

urlpatterns = [
    path("flow/", views.visitor, name="visitor"),
    path("flow/screen/", views.screen, name="screen"),
]
