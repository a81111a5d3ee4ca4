"""The portal's own pages: the home page and the elderly-mode switch."""

from __future__ import annotations

from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from scenic_ops.portal import selectors, shell


@require_GET
@shell.visitor_page
def home(request):
    """One stop: today's opening and places, the crowd now, big links to every section."""
    return render(request, "portal/home.html", {"today": selectors.today_overview()})


@require_POST
def elder_mode(request):
    """Switch the elderly mode on (`on=1`) or off (`on=0`) and go back; remembered for a year."""
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    wanted = request.POST.get("on")
    on = wanted == "1" if wanted in ("0", "1") else not shell.elder_mode(request)
    response = HttpResponseRedirect(target)
    shell.remember_elder_mode(response, on)
    return response
