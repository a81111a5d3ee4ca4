"""`manage.py create_partner`: the partner it creates can make real signed requests with the
secrets it prints; a taken code or bad input is refused with a clear message and exit code, and
changes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from scenic_ops.core import pii
from scenic_ops.core.models import ApiKey
from scenic_ops.ticketing.models import Order, Partner
from scenic_ops.ticketing.partners import PartnerCredentials
from tests.ticketing.conftest import slot_of
from tests.ticketing.test_partner_api import order_body, signed


def create(*args: str) -> dict[str, str]:
    out = io.StringIO()
    call_command("create_partner", *args, stdout=out)
    lines = out.getvalue().splitlines()
    printed = dict(line.split(": ", 1) for line in lines[1:])
    return {"heading": lines[0], **printed}


def credentials(printed: dict[str, str]) -> PartnerCredentials:
    partner = Partner.objects.get(api_key__prefix=printed["api_key"].split("_")[1])
    return PartnerCredentials(partner, printed["api_key"], printed["signing_secret"], printed["webhook_secret"])


def nothing_changed(before: tuple[int, int]) -> bool:
    return (Partner.objects.count(), ApiKey.objects.count()) == before


def test_the_printed_secrets_make_a_signed_partner_order(client, tk):
    printed = create(
        "fliggy",
        "--name",
        "飞猪",
        "--products",
        "entry,cable",
        "--webhook-url",
        "https://ota.example/hooks",
        "--rate-limit",
        "120",
    )
    assert "fliggy" in printed["heading"]
    creds = credentials(printed)
    partner = creds.partner
    assert (partner.code, partner.name, partner.kind, partner.prepaid) == ("fliggy", "飞猪", "ota", True)
    assert partner.webhook_url == "https://ota.example/hooks"
    assert sorted(partner.products.values_list("code", flat=True)) == ["cable", "entry"]
    key = partner.api_key
    assert key.scopes == ["ticketing:book", "ticketing:read"] and key.rate_limit_per_minute == 120
    assert key.kind == "partner" and key.subject == "partner:fliggy"
    # stored only hashed and encrypted, as the desk stores them
    assert printed["api_key"] not in key.key_hash and printed["signing_secret"].encode() not in bytes(
        partner.signing_secret_enc
    )
    assert pii.decrypt(partner.signing_secret_enc, context="partner") == printed["signing_secret"]
    assert pii.decrypt(partner.webhook_secret_enc, context="partner") == printed["webhook_secret"]

    products = signed(client, creds, "GET", "/api/v1/ticketing/partner/products")
    assert products.status_code == 200, products.content
    assert sorted(p["code"] for p in products.json()["products"]) == ["cable", "entry"]
    order = signed(client, creds, "POST", "/api/v1/ticketing/partner/orders", order_body(slot_of()))
    assert order.status_code == 201, order.content
    assert order.json()["status"] == "confirmed"  # prepaid: confirmed at once
    assert Order.objects.get().partner == partner
    forged = signed(client, creds, "GET", "/api/v1/ticketing/partner/products", secret="not-the-secret")
    assert (forged.status_code, forged.json()["code"]) == (401, "bad_signature")


def test_a_partner_that_pays_per_order_holds_its_orders(client, tk):
    creds = credentials(create("agency-js", "--name", "江苏旅行社", "--no-prepaid", "--kind", "agency"))
    assert (creds.partner.prepaid, creds.partner.kind, creds.partner.products.count()) == (False, "agency", 0)
    assert creds.partner.api_key.rate_limit_per_minute == 600  # the desk's default
    order = signed(client, creds, "POST", "/api/v1/ticketing/partner/orders", order_body(slot_of()))
    assert order.status_code == 201, order.content
    assert order.json()["status"] != "confirmed"


def test_a_taken_code_is_refused_and_the_partner_keeps_its_credentials(client, tk):
    first = create("ctrip", "--name", "携程")
    before = (Partner.objects.count(), ApiKey.objects.count())
    with pytest.raises(CommandError) as refused:
        create("ctrip", "--name", "另一个携程")
    assert refused.value.returncode == 3
    assert "ctrip" in str(refused.value)
    assert nothing_changed(before) and Partner.objects.get(code="ctrip").name == "携程"
    still = signed(client, credentials(first), "GET", "/api/v1/ticketing/partner/products")
    assert still.status_code == 200  # its key and secret still work


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["not a code!", "--name", "X"], "CODE: "),
        (["x" * 31, "--name", "X"], "CODE: "),
        (["meituan", "--name", "  "], "--name: "),
        (["meituan", "--name", "美团", "--products", "entry,nosuch,gone"], "--products: "),
        (["meituan", "--name", "美团", "--webhook-url", "not-a-url"], "--webhook-url: "),
        (["meituan", "--name", "美团", "--rate-limit", "-5"], "--rate-limit: "),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(tk, args, option):
    before = (Partner.objects.count(), ApiKey.objects.count())
    with pytest.raises(CommandError) as refused:
        create(*args)
    assert refused.value.returncode == 2
    assert option in str(refused.value)
    assert nothing_changed(before)
    if "nosuch" in args[-1]:
        assert "gone, nosuch" in str(refused.value)  # every unknown product named


def test_missing_or_malformed_options_are_usage_errors(tk):
    before = (Partner.objects.count(), ApiKey.objects.count())
    for args in (["meituan"], ["meituan", "--name", "美团", "--rate-limit", "many"]):
        with pytest.raises(CommandError):
            create(*args)
    assert nothing_changed(before)
