"""URL map. Each domain owns `urls.py` (pages) and `api.py` (`/api/v1/<domain>/`)."""

from importlib import import_module

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from scenic_ops.core import views as core_views
from scenic_ops.portal import views as portal_views

handler403 = "scenic_ops.core.views.permission_denied"
handler404 = "scenic_ops.core.views.not_found"
handler500 = "scenic_ops.core.views.server_error"

urlpatterns = [
    # The visitor portal's home page: today at a glance and the way to every visitor section.
    path("", portal_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Uploaded photos and scans of desk documents, checked against the document (never public).
    path("admin/files/<slug:kind>/<int:pk>/", core_views.desk_file, name="desk-file"),
    path("admin/files/<slug:kind>/<int:pk>/thumb/", core_views.desk_file, {"thumb": True}, name="desk-file-thumb"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", core_views.offline_docs(SpectacularSwaggerView.as_view(url_name="api-schema")), name="api-docs"),
    path("api/redoc/", core_views.offline_docs(SpectacularRedocView.as_view(url_name="api-schema")), name="api-redoc"),
    path("api/v1/whoami", core_views.whoami, name="api-whoami"),
    path("rq/", include("django_rq.urls")),
]


def _domain_urls() -> list:
    patterns = []
    for app in settings.DOMAIN_APPS:
        label = app.rsplit(".", 1)[1]
        for module_name, prefix in (("api_urls", f"api/v1/{label}/"), ("urls", "")):
            try:
                module = import_module(f"{app}.{module_name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.{module_name}":
                    raise
                continue
            patterns.append(path(prefix, include(module)))
    return patterns


urlpatterns += _domain_urls()
