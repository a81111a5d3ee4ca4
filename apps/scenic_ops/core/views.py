from __future__ import annotations

import io
import logging
import mimetypes
import sys
from dataclasses import dataclass

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, models
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, permission_classes
from rest_framework.response import Response
from unfold.decorators import display
from unfold.widgets import UnfoldAdminFileFieldWidget

from scenic_ops.core import health
from scenic_ops.core.api import HasScope, error_body
from scenic_ops.core.errors import CoreCode

log = logging.getLogger(__name__)


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith(("/api/", "/healthz")) or "application/json" in request.META.get("HTTP_ACCEPT", "")


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    from django.conf import settings

    healthy, checks = health.report()
    body = {"status": "ok" if healthy else "degraded", "site": settings.SITE_NAME, "checks": checks}
    return JsonResponse(body, status=200 if healthy else 503)


def lockout_response(request, credentials=None, *args, **kwargs) -> HttpResponse:
    message = _(
        "Too many failed logins: this account is locked for 15 minutes. Ask a system administrator to unlock it sooner."
    )
    if _wants_json(request):
        return JsonResponse({"code": "account_locked", "detail": message}, status=429)
    return render(request, "pages/locked.html", {"message": message}, status=429)


def server_error(request: HttpRequest) -> HttpResponse:
    """Never a traceback: a database outage is a 503 with a plain message, anything else a 500."""
    exc = sys.exc_info()[1]
    if isinstance(exc, DatabaseError):
        status, code = 503, CoreCode.DATABASE_UNAVAILABLE
        log.error("database unavailable: %s", exc)
    else:
        status, code = 500, CoreCode.SERVER_ERROR
    body = error_body(code)
    if _wants_json(request):
        return JsonResponse(body, status=status)
    return render(request, "pages/error.html", {"status": status, "message": body["detail"]}, status=status)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    """403 in the visitor's or clerk's language; inside the desk, in the desk's frame with its menu."""
    body = error_body(CoreCode.PERMISSION_DENIED)
    if _wants_json(request):
        return JsonResponse(body, status=403)
    context = {"status": 403, "message": body["detail"]}
    if request.path.startswith("/admin/") and getattr(request, "user", None) and request.user.is_staff:
        context |= {**admin.site.each_context(request), "title": _("Access denied"), "subtitle": None}
        return render(request, "admin/403.html", context, status=403)
    return render(request, "pages/error.html", context, status=403)


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    body = error_body(CoreCode.NOT_FOUND)
    if _wants_json(request):
        return JsonResponse(body, status=404)
    return render(request, "pages/error.html", {"status": 404, "message": body["detail"]}, status=404)


@extend_schema(summary="Who am I", description="Echoes the authenticated caller: a staff user or an API key.")
@api_view(["GET"])
@permission_classes([HasScope])
def whoami(request) -> Response:
    key = getattr(request, "auth", None)
    if key is not None and hasattr(key, "scopes"):
        return Response({"kind": "api_key", "name": key.name, "key_kind": key.kind, "scopes": key.scopes})
    return Response({"kind": "user", "username": request.user.get_username()})


# The API documentation pages load Swagger UI and Redoc from the installed sidecar package. The
# policy keeps them on this site: Redoc's bundle would also fetch its logo from a CDN.
DOCS_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline' blob:; worker-src 'self' blob:; font-src 'self' data:; connect-src 'self'"
)


def offline_docs(view):
    """The API documentation view, allowed to load nothing from outside the site."""

    def docs(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = DOCS_POLICY
        return response

    return docs


# --- Uploaded files of desk documents ------------------------------------------------------------------
# Photos and scans are never public (no /media/ URL is served): each is fetched through `desk_file`,
# which checks that the user may view the document the file belongs to (the complaint, repair ticket,
# inspection task, asset) and the file's own model. Files are read through `default_storage`, so the
# same code serves local files and an S3-compatible store; thumbnails are cached in the storage too.


@dataclass(frozen=True)
class ProtectedFiles:
    model: type[models.Model]
    field: str  # the FileField / ImageField
    owner: str  # the foreign key to the owning document


_protected: dict[str, ProtectedFiles] = {}

THUMB_SIZE = 320  # px, the longer side
THUMB_PREFIX = "thumbs/"
# Types a browser may show in place; anything else is sent as a download.
INLINE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"}


def protect_files(kind: str, model: type[models.Model], field: str, *, owner: str) -> None:
    """Serve `model.<field>` files to the desk under `kind` (a slug), to users who may view `owner`."""
    _protected[kind] = ProtectedFiles(model, field, owner)


def file_url(kind: str, pk: int, *, thumb: bool = False) -> str:
    return reverse("desk-file-thumb" if thumb else "desk-file", args=[kind, pk])


IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff", ".heic")


def thumbnail_link(kind: str, obj, *, height: int = 64) -> str:
    """A thumbnail linking to the full picture (a plain link for other files), or "" when there is none."""
    spec = _protected[kind]
    stored = getattr(obj, spec.field) if obj is not None and obj.pk else None
    if not stored:
        return ""
    if not stored.name.lower().endswith(IMAGE_SUFFIXES):
        return format_html(
            '<a href="{}" target="_blank" rel="noopener" class="scenic-file text-primary-600">{}</a>',
            file_url(kind, obj.pk),
            stored.name.rsplit("/", 1)[-1],
        )
    return format_html(
        '<a href="{}" target="_blank" rel="noopener" class="scenic-photo inline-block">'
        '<img src="{}" alt="{}" loading="lazy" class="rounded-default border border-base-200" '
        'style="height:{}px;width:auto;max-width:none"></a>',
        file_url(kind, obj.pk),
        file_url(kind, obj.pk, thumb=True),
        str(obj),
        height,
    )


class _ServedFile:
    """A stored file as file widgets show it, its link going through `desk_file`."""

    def __init__(self, file, url: str):
        self.file, self.url, self.name = file, url, file.name

    def __str__(self) -> str:
        return self.name.rsplit("/", 1)[-1]


class ProtectedFileWidget(UnfoldAdminFileFieldWidget):
    """Unfold's file input whose "current file" link goes through `desk_file` instead of /media/."""

    def __init__(self, kind: str, attrs=None):
        self.kind = kind
        super().__init__(attrs)

    def format_value(self, value):
        instance = getattr(value, "instance", None)
        if value and getattr(instance, "pk", None):
            return _ServedFile(value, file_url(self.kind, instance.pk))
        return super().format_value(value)


class ServedFileMixin:
    """For a model admin or inline showing a protected file field (`file_kind`, `file_field`):
    the file input links the current file through `desk_file`, with its thumbnail beside it; where
    the user may not change the row, the thumbnail (or a link) stands in place of the field, since
    Unfold's read-only file display would link the /media/ URL."""

    file_kind = ""
    file_field = "file"
    preview_height = 64

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == self.file_field:
            kwargs["widget"] = ProtectedFileWidget(self.file_kind)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @display(description=gettext_lazy("file"))
    def served_file(self, obj):
        return thumbnail_link(self.file_kind, obj, height=self.preview_height)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields if "served_file" in fields else [*fields, "served_file"]

    def get_fields(self, request, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f != "served_file"]
        if self.file_field in fields:
            at = fields.index(self.file_field)
            if self._file_editable(request, obj):
                fields.insert(at + 1, "served_file")
            else:
                fields[at] = "served_file"
        return fields

    def _file_editable(self, request, obj) -> bool:
        if obj is None:  # an add form
            return True
        if isinstance(self, InlineModelAdmin):
            parent = admin.site.get_model_admin(self.parent_model)
            return parent.has_change_permission(request, obj) and self.has_change_permission(request, obj)
        return self.has_change_permission(request, obj)


def _may_view(request: HttpRequest, obj: models.Model) -> bool:
    """What the desk would let the user see: the model admin's view rule and its row filter."""
    try:
        model_admin = admin.site.get_model_admin(type(obj))
    except admin.sites.NotRegistered:
        opts = obj._meta
        return request.user.has_perm(f"{opts.app_label}.view_{opts.model_name}")
    return (
        model_admin.has_view_or_change_permission(request, obj)
        and model_admin.get_queryset(request).filter(pk=obj.pk).exists()
    )


def _thumbnail(name: str) -> str:
    """The stored name of `name`'s thumbnail (a JPEG), made and saved on first use; 404 if no picture."""
    from PIL import Image, ImageOps

    thumb = f"{THUMB_PREFIX}{name}.{THUMB_SIZE}.jpg"
    if default_storage.exists(thumb):
        return thumb
    try:
        with default_storage.open(name, "rb") as source:
            image = Image.open(source)
            image.draft("RGB", (THUMB_SIZE, THUMB_SIZE))  # JPEG: decode at a reduced size
            image = ImageOps.exif_transpose(image)
            image.thumbnail((THUMB_SIZE, THUMB_SIZE))
            if image.mode in ("RGBA", "LA", "P"):
                image = image.convert("RGBA")
                flat = Image.new("RGB", image.size, "white")
                flat.paste(image, mask=image.getchannel("A"))
                image = flat
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=82, optimize=True)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        log.info("no thumbnail for %s: %s", name, exc)
        raise Http404 from None
    # Two first requests at once may both save; the storage then keeps one under another name.
    return default_storage.save(thumb, ContentFile(out.getvalue()))


def desk_file(request: HttpRequest, kind: str, pk: int, thumb: bool = False) -> HttpResponse:
    """An uploaded file of a desk document (or its thumbnail), to a user who may view the document."""
    spec = _protected.get(kind)
    if spec is None:
        raise Http404
    user = request.user
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
    obj = get_object_or_404(spec.model.objects.select_related(spec.owner), pk=pk)
    opts = spec.model._meta
    if not user.has_perm(f"{opts.app_label}.view_{opts.model_name}") or not _may_view(
        request, getattr(obj, spec.owner)
    ):
        raise PermissionDenied
    stored = getattr(obj, spec.field)
    if not stored or not default_storage.exists(stored.name):
        raise Http404
    name = _thumbnail(stored.name) if thumb else stored.name
    content_type = "image/jpeg" if thumb else (mimetypes.guess_type(name)[0] or "application/octet-stream")
    inline = content_type in INLINE_TYPES
    response = FileResponse(
        default_storage.open(name, "rb"),
        content_type=content_type if inline else "application/octet-stream",
        as_attachment=not inline,
        filename=stored.name.rsplit("/", 1)[-1],
    )
    response["Cache-Control"] = "private, max-age=3600"
    if content_type != "application/pdf":  # an uploaded file never runs script on the desk's origin
        response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    return response
