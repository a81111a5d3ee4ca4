"""Test set-up shared by every domain: real MariaDB, real Redis, Debian's Chromium.

Domain fixtures live in tests/<domain>/conftest.py. Builders are plain functions or
factory fixtures named make_<thing>.
"""

from __future__ import annotations

import os

os.environ.setdefault("SCENIC_TESTING", "1")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright tests also touch the ORM

import pytest  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(autouse=True)
def _clean_redis_and_caches():
    """Each test starts with an empty test Redis database and no in-process key cache."""
    import django_rq

    from scenic_ops.core import apikeys, versions
    from scenic_ops.shop import catalogue as shop_catalogue
    from scenic_ops.ticketing import halts

    django_rq.get_connection("default").flushdb()
    apikeys._local.clear()
    versions.forget_all()
    halts._local.clear()
    shop_catalogue._snapshot = None
    return


@pytest.fixture
def roles(db):
    from scenic_ops.core.roles import sync_roles

    sync_roles()


@pytest.fixture
def make_user(db, roles):
    """make_user("ticket_clerk") -> a staff user holding that role (password 'pw-Test-2026')."""
    from scenic_ops.core import services

    counter = {"n": 0}

    def build(*role_codes: str, username: str | None = None, superuser: bool = False, **fields):
        counter["n"] += 1
        name = username or f"{'-'.join(role_codes) or 'user'}-{counter['n']}"
        return services.upsert_staff(
            name, password="pw-Test-2026", roles=list(role_codes), superuser=superuser, **fields
        )

    return build


@pytest.fixture
def rq_worker():
    """Runs the queued RQ jobs in this process, as a real worker would (burst mode)."""
    import django_rq
    from rq import SimpleWorker

    def work(*queues: str) -> None:
        names = queues or ("high", "default", "low")
        conn = django_rq.get_connection("default")
        worker = SimpleWorker([django_rq.get_queue(n) for n in names], connection=conn)
        worker.work(burst=True)

    return work


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture
def desk_login(live_server, page):
    """desk_login(user) logs into the desk in the browser page; returns the page."""

    def login(user, password: str = "pw-Test-2026"):
        page.goto(f"{live_server.url}/admin/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", password)
        page.click("#login-form button[type=submit]")
        page.wait_for_url(f"{live_server.url}/admin/**")
        return page

    return login
