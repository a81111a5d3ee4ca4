"""The pricing chain as a table: each step in its fixed order, a per-line breakdown, never below zero."""

import random
from decimal import Decimal as D

import pytest

from scenic_ops.shop.errors import ShopError
from scenic_ops.shop.pricing import CouponTerms, Offer, PriceLine, ShippingTerms, price, share

TEA = PriceLine("tea", "goods", D("100"), 2, weight_g=500, product_id=1, category_id=10, ships=True)
FAN = PriceLine("fan", "goods", D("40"), 1, weight_g=150, product_id=2, category_id=20, ships=True)
FLASH = PriceLine("flash", "goods", D("50"), 1, activity_price=D("30"), activity="flash", product_id=3, category_id=20)
TICKET = PriceLine("ticket", "ticket", D("120"), 2)
RATE = ShippingTerms(D("8"), D("2"), D("199"))


@pytest.mark.parametrize(
    ("lines", "kw", "total", "steps"),
    [
        ([TEA], {}, D("200"), {}),
        ([FLASH], {}, D("30"), {"activity": D("20")}),
        (
            [FLASH, FAN],
            {"member_percent": 10},
            D("66"),
            {"activity": D("20"), "member": D("4")},
        ),  # no member discount on activity
        (
            [TEA, FAN],
            {"offers": [Offer("满200减20", D("200"), D("20")), Offer("满100减5", D("100"), D("5"))]},
            D("220"),
            {"offer": D("20")},
        ),
        (
            [TEA],
            {"member_percent": 5, "offers": [Offer("满200减20", D("200"), D("20"))]},
            D("190"),
            {"member": D("10")},
        ),  # 190 < 200
        ([TEA], {"coupon": CouponTerms("C", "amount", D("15"))}, D("185"), {"coupon": D("15")}),
        ([TEA], {"coupon": CouponTerms("P", "percent", D("10"))}, D("180"), {"coupon": D("20")}),
        (
            [TEA, FAN],
            {"coupon": CouponTerms("F", "amount", D("10"), category_ids=frozenset({20}))},
            D("230"),
            {"coupon": D("10")},
        ),
        ([FAN], {"coupon": CouponTerms("BIG", "amount", D("500"))}, D("0"), {"coupon": D("40")}),  # never below zero
        ([TEA], {"points": 5000}, D("150"), {"points": D("50")}),
        (
            [TEA, TICKET],
            {"member_percent": 10, "coupon": CouponTerms("C", "amount", D("10"))},
            D("410"),
            {"member": D("20"), "coupon": D("10")},
        ),
        ([FAN], {"shipping": RATE}, D("48"), {}),  # 40 + 8 (first kg)
        ([TEA], {"shipping": RATE}, D("200"), {}),  # free from 199
        (
            [PriceLine("heavy", "goods", D("10"), 1, weight_g=2500, ships=True)],
            {"shipping": RATE},
            D("22"),
            {},
        ),  # 8 + 2×2
    ],
)
def test_the_chain(lines, kw, total, steps):
    priced = price(lines, **kw)
    assert priced.total == total
    for step, amount in steps.items():
        assert priced.steps[step] == amount, (step, priced.steps)
    assert sum((p.total for p in priced.lines), D("0")) + priced.shipping == priced.total


@pytest.mark.parametrize(
    ("lines", "kw", "code"),
    [
        ([TEA], {"coupon": CouponTerms("M", "amount", D("10"), min_spend=D("300"))}, "coupon_min_spend"),
        (
            [TEA],
            {
                "offers": [Offer("满200减20", D("200"), D("20"))],
                "coupon": CouponTerms("N", "amount", D("5"), stacks_with_offers=False),
            },
            "coupon_not_stackable",
        ),
        ([TEA], {"coupon": CouponTerms("X", "amount", D("5"), product_ids=frozenset({99}))}, "coupon_not_applicable"),
        ([TICKET], {"coupon": CouponTerms("T", "amount", D("5"))}, "coupon_not_applicable"),
        ([TEA], {"points": 150}, "invalid_points"),
        ([TEA], {"points": 10100}, "invalid_points"),  # more than half of 200
        ([], {}, "empty_cart"),
    ],
)
def test_refusals(lines, kw, code):
    with pytest.raises(ShopError) as err:
        price(lines, **kw)
    assert err.value.code == code


def test_random_carts_add_up_to_the_cent_and_never_go_negative():
    rng = random.Random(2026)
    for _ in range(300):
        lines = [
            PriceLine(
                f"l{i}",
                rng.choice(["goods", "goods", "ticket"]),
                D(rng.randint(1, 50000)) / 100,
                rng.randint(1, 5),
                weight_g=rng.randint(0, 3000),
                ships=True,
                category_id=rng.choice([1, 2]),
            )
            for i in range(rng.randint(1, 6))
        ]
        kw = {
            "member_percent": rng.choice([0, 5, 12]),
            "offers": [Offer("o", D(rng.randint(0, 500)), D(rng.randint(1, 80)))],
            "shipping": RATE,
        }
        if any(line.kind == "goods" for line in lines):
            kw["coupon"] = CouponTerms("r", rng.choice(["amount", "percent"]), D(rng.randint(1, 90)))
        priced = price(lines, **kw)
        assert priced.total >= 0
        assert all(p.total >= 0 for p in priced.lines)
        assert sum((p.total for p in priced.lines), D("0")) + priced.shipping == priced.total
        assert priced.subtotal - priced.discount + priced.shipping == priced.total


def test_share_gives_no_part_more_than_its_amount():
    rng = random.Random(7)
    for _ in range(500):
        parts = [D(rng.randint(0, 10000)) / 100 for _ in range(rng.randint(1, 7))]
        amount = D(rng.randint(0, 60000)) / 100
        shares = share(amount, parts)
        assert all(s <= p for s, p in zip(shares, parts, strict=True))
        assert sum(shares, D("0")) == min(amount, sum(parts, D("0")))
