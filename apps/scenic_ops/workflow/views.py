"""Pages: the approvals inbox (desk and phone) and the in-app notification list."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from scenic_ops.core import notices
from scenic_ops.core.errors import DomainError
from scenic_ops.workflow import registry, selectors, services
from scenic_ops.workflow.admin.documents import act_on
from scenic_ops.workflow.models import Notification
from scenic_ops.workflow.services import notifications

BULK_LIMIT = 100


def _document(key: str, pk: str):
    spec = registry.get(key)
    if spec is None:
        return None
    try:
        return spec.model._default_manager.filter(pk=pk).first()
    except (ValueError, TypeError):
        return None


def _context(request, **extra):
    return {
        **admin.site.each_context(request),
        "unread": notifications.unread_count(request.user),
        **extra,
    }


@require_http_methods(["GET", "POST"])
def inbox_view(request):
    if request.method == "POST":
        if "bulk" in request.POST:
            _bulk(request)
        else:
            document = _document(request.POST.get("document_type", ""), request.POST.get("id", ""))
            if document is None:
                messages.error(request, _("That document no longer exists."))
            else:
                act_on(request, document)
        return HttpResponseRedirect(request.get_full_path())
    params = {
        "document_type": request.GET.get("type", ""),
        "state": request.GET.get("state", ""),
        "q": request.GET.get("q", "")[:100],
        "overdue_only": request.GET.get("overdue") == "1",
    }
    box = selectors.inbox(request.user, **params)
    return TemplateResponse(
        request,
        "workflow/inbox.html",
        _context(request, title=_("Approvals inbox"), box=box, params=params, now=timezone.now()),
    )


def _bulk(request) -> None:
    keys = request.POST.getlist("select")[:BULK_LIMIT]
    action = request.POST.get("bulk_action", "")
    comment = request.POST.get("comment", "")
    if not keys:
        messages.warning(request, _("Select the documents first."))
        return
    done, failed = 0, []
    for key in keys:
        doc_type, _sep, pk = key.rpartition(":")
        document = _document(doc_type, pk)
        if document is None:
            failed.append(f"{key}: {_('not found')}")
            continue
        try:
            with notices.collected() as warnings:
                services.apply(document, action, request.user, comment)
            done += 1
            failed += [f"{registry.get(doc_type).title_of(document)}: {w}" for w in warnings]
        except DomainError as exc:
            failed.append(f"{registry.get(doc_type).title_of(document)}: {exc.detail}")
    if done:
        messages.success(request, _("%(n)d document(s) done.") % {"n": done})
    for line in failed[:10]:
        messages.error(request, line)


@require_http_methods(["GET", "POST"])
def notifications_view(request):
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()] or None
        notifications.mark_read(request.user, ids)
        return HttpResponseRedirect(reverse("workflow-notifications"))
    rows = Notification.objects.filter(recipient=request.user).order_by("-created_at")[:100]
    return TemplateResponse(
        request,
        "workflow/notifications.html",
        _context(request, title=_("Notifications"), rows=rows),
    )
