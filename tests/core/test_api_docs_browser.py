"""The API documentation works on a site without internet: Swagger UI and Redoc come from the
installed drf-spectacular-sidecar package, never from a CDN."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _offline(page, live_server) -> list[str]:
    """Refuse every request that leaves the site, as a machine without internet would; returns them."""
    local = urlparse(live_server.url).netloc
    refused: list[str] = []

    def route(request_route):
        url = request_route.request.url
        if urlparse(url).netloc not in (local, "") and not url.startswith(("data:", "blob:")):
            refused.append(url)
            return request_route.abort()
        return request_route.continue_()

    page.route("**/*", route)
    return refused


def test_swagger_ui_renders_the_schema_offline(page, live_server):
    refused = _offline(page, live_server)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
    assert page.locator(".swagger-ui .opblock").count() > 10  # the operations of the schema are listed
    assert page.get_by_text("/api/v1/ticketing/partner/orders").first.is_visible()
    assert refused == [] and errors == []


def test_redoc_renders_the_schema_offline(page, live_server):
    refused = _offline(page, live_server)
    page.goto(f"{live_server.url}/api/redoc/")
    page.wait_for_selector("h1", timeout=20_000)
    assert "scenic-ops API" in page.locator("h1").first.inner_text()
    assert page.get_by_text("Create an order").count() > 0  # the operations are listed in the menu
    assert refused == []
