"""The crew's mobile web app (phone-sized, zh/en, offline-capable) and its service worker."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from scenic_ops.core.forms import StaffLoginForm
from scenic_ops.operations.models import Asset

LANGS = {"zh": "zh-hans", "zh-hans": "zh-hans", "en": "en"}
CREW_LOGIN = "/crew/login/"
CACHE_VERSION = "crew-v3"


def _language(request) -> str | None:
    wanted = LANGS.get(request.GET.get("lang", ""))
    if wanted:
        translation.activate(wanted)
        request.LANGUAGE_CODE = wanted
    return wanted


def _remember_language(response, wanted: str | None):
    if wanted:
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, wanted, max_age=365 * 24 * 3600, samesite="Lax")
    return response


class CrewLoginView(auth_views.LoginView):
    template_name = "operations/crew/login.html"
    authentication_form = StaffLoginForm
    redirect_authenticated_user = True
    next_page = "/crew/"

    def dispatch(self, request, *args, **kwargs):
        self._wanted = _language(request)
        return super().dispatch(request, *args, **kwargs)

    def render_to_response(self, context, **kwargs):
        return _remember_language(super().render_to_response(context, **kwargs), self._wanted)


def strings() -> dict[str, str]:
    """Every text the crew app's script shows, in the request's language."""
    return {
        "today": _("My work today"),
        "inspections": _("Inspections"),
        "tickets": _("Repair tickets"),
        "calls": _("Dispatch calls"),
        "nothing": _("Nothing to do right now."),
        "offline": _("Offline: showing saved data; your work is kept on the phone."),
        "online": _("Online"),
        "queued": _("{n} waiting to upload"),
        "synced": _("Uploaded."),
        "sync_failed": _("Not accepted: {detail}"),
        "login_again": _("Please log in again to upload."),
        "back": _("Back"),
        "submit": _("Submit"),
        "saved_offline": _("Saved on the phone; it will upload when the network returns."),
        "yes": _("Yes"),
        "no": _("No"),
        "note": _("Note"),
        "photo": _("Photo"),
        "photo_needed": _("A photo is needed"),
        "signature": _("Signature"),
        "clear": _("Clear"),
        "required": _("Please answer: {item}"),
        "range": _("Allowed {low} to {high}"),
        "out_of_range": _("{item}: {value} is outside {low} to {high}"),
        "normal_range": _("normal {low} to {high}"),
        "due": _("due {time}"),
        "overdue": _("Overdue"),
        "done": _("Done"),
        "waiting": _("Waiting to upload"),
        "failed_items": _("{n} failed"),
        "failed": pgettext("checklist answer", "Failed"),
        "completed": _("Completed at {time} by {name}"),
        "photo_attached": _("Photo attached"),
        "your_turn": _("Waiting for you"),
        "assigned_to": _("Assigned to {name}"),
        "unassigned": _("Not assigned yet"),
        "reason_needed": _("Please give a reason or remarks first."),
        "accept": _("Accept"),
        "start": _("Start work"),
        "pause": _("Wait for parts"),
        "resume": _("Resume"),
        "finish": _("Work done"),
        "cost": _("Cost (CNY)"),
        "reason": _("Reason or remarks"),
        "report": _("Report a problem"),
        "title": _("What is wrong?"),
        "description": _("Details"),
        "asset_code": _("Asset (scan or type its code)"),
        "priority": _("Priority"),
        "priorities": json.dumps(
            {"low": _("Low"), "normal": _("Normal"), "high": _("High"), "urgent": _("Urgent")}, ensure_ascii=False
        ),
        "scan": _("Scan QR"),
        "scan_hint": _("Take a photo of the asset's QR label, or type the code."),
        "scan_failed": _("No QR code found in the photo."),
        "find": _("Find"),
        "asset": _("Asset"),
        "status": _("Status"),
        "open_alarms": _("Open alarms"),
        "open_tickets": _("Open tickets"),
        "report_here": _("Report a problem with this asset"),
        "on_duty": _("On duty"),
        "off_duty": _("Off duty"),
        "accept_call": _("Go"),
        "decline_call": _("Decline"),
        "point": _("Stop {n}"),
        "stops": _("{n} stops"),
        "gps": _("Location"),
        "no_gps": _("no location"),
        "logout": _("Log out"),
        "language": _("English"),
        "retry": _("Retry"),
        "not_found": _("Not found (it may be offline); try again when online."),
    }


@never_cache
@ensure_csrf_cookie
@login_required(login_url=CREW_LOGIN)
@require_GET
def app(request):
    if not request.user.is_staff:
        raise PermissionDenied
    wanted = _language(request)
    lang = "en" if (translation.get_language() or "").startswith("en") else "zh"
    context = {
        "lang": lang,
        "other_lang": "zh" if lang == "en" else "en",
        "strings_json": json.dumps(strings(), ensure_ascii=False).replace("</", "<\\/"),
        "config_json": json.dumps(
            {
                "api": "/api/v1/operations/",
                "user": request.user.pk,
                "name": str(request.user),
                "sw": "/crew/sw.js",
                "csrf_cookie": settings.CSRF_COOKIE_NAME,
                "lang": lang,
            },
            ensure_ascii=False,
        ).replace("</", "<\\/"),
        "site_name": settings.SITE_NAME,
    }
    return _remember_language(render(request, "operations/crew/app.html", context), wanted)


@login_required(login_url=CREW_LOGIN)
@require_GET
def asset_link(request, token: str):
    """What a printed QR label opens: the asset in the crew app (the desk page for desk-only users)."""
    asset = Asset.objects.filter(qr_token=token).first()
    if asset is None:
        return HttpResponseRedirect("/crew/#today")
    return HttpResponseRedirect(f"/crew/#asset/{asset.qr_token}")


@require_GET
def service_worker(request):
    """Caches the app shell; the page itself keeps today's work and the upload queue in IndexedDB."""
    shell = [
        "/crew/",
        static("operations/crew.js"),
        static("operations/crew.css"),
        static("vendor/jsqr/jsQR.js"),
        "/crew/manifest.webmanifest",
    ]
    body = render(request, "operations/crew/sw.js", {"shell_json": json.dumps(shell), "version": CACHE_VERSION}).content
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/crew/"
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request):
    data = {
        "name": _("Crew"),
        "short_name": _("Crew"),
        "start_url": "/crew/",
        "scope": "/crew/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#059669",
        "icons": [{"src": static("operations/crew-icon.svg"), "sizes": "any", "type": "image/svg+xml"}],
    }
    return HttpResponse(json.dumps(data, ensure_ascii=False), content_type="application/manifest+json")


@login_required(login_url=CREW_LOGIN)
@require_GET
def park_map_image(request, pk: int):
    """The park map picture for the crew app and the desk's dispatch map (signed-in staff only; never a
    public /media/ address). Read through the storage API, so an S3-compatible store works too."""
    import mimetypes

    from django.core.files.storage import default_storage
    from django.http import FileResponse, Http404

    from scenic_ops.operations.models import ParkMap

    current = ParkMap.objects.filter(pk=pk, active=True).first()
    if current is None or not current.image or not default_storage.exists(current.image.name):
        raise Http404
    kind = mimetypes.guess_type(current.image.name)[0] or "application/octet-stream"
    if kind not in ("image/png", "image/jpeg", "image/svg+xml", "image/webp", "image/gif"):
        raise Http404
    response = FileResponse(default_storage.open(current.image.name, "rb"), content_type=kind)
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox"  # an SVG runs no script
    )
    return response
