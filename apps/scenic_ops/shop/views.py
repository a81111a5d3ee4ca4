"""The shop's pages."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from scenic_ops.core.visitor import visitor_page
from scenic_ops.shop import selectors


@require_GET
@visitor_page
def order(request, token: str):
    found = selectors.order_for_token(token)
    if found is None:
        raise Http404
    return render(request, "shop/order.html", {"order": found, "tickets": selectors.tickets_of(found)})
