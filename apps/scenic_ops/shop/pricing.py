"""The pricing chain: one fixed order of steps, a per-line breakdown, never below zero.

    1. activity   the flash-sale (秒杀) or group-buy price replaces the shelf price of its line
    2. member     the member level's percentage off goods lines at their shelf price (not on
                  activity prices: an activity price is already the lowest)
    3. offer      满减: the best spend-and-save rule the goods reach after step 2
    4. coupon     on the goods the coupon covers, after step 3; a coupon that does not combine
                  with 满减 is refused on an order that gets one
    5. points     100 points = 1 CNY, in whole hundreds, at most half of the goods left
    6. shipping   by weight to the province, free from the rate's amount (goods after step 4)

Tickets keep ticketing's price (set by the site's price rules, checked by ticketing when it
books them): steps 2–5 apply to goods only. Each discount is capped at what is left of the
lines it covers and shared out among them by amount, to the cent, so no line and no total
goes below zero and the lines add up to the total exactly.

Pure functions over plain values; `services.checkout` loads the terms and stores the result.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from scenic_ops.shop.errors import Code, ShopError

CENT = Decimal("0.01")
POINTS_PER_YUAN = 100
POINTS_SHARE = Decimal("0.5")
STEPS = ("activity", "member", "offer", "coupon", "points")


def cents(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class PriceLine:
    key: str
    kind: str  # goods | ticket | card
    unit_price: Decimal
    quantity: int
    activity_price: Decimal | None = None
    activity: str = ""
    weight_g: int = 0
    product_id: int | None = None
    category_id: int | None = None
    ships: bool = False


@dataclass
class Offer:
    name: str
    min_amount: Decimal
    off_amount: Decimal


@dataclass
class CouponTerms:
    code: str
    kind: str  # amount | percent
    value: Decimal
    min_spend: Decimal = Decimal("0")
    product_ids: frozenset[int] = frozenset()
    category_ids: frozenset[int] = frozenset()
    stacks_with_offers: bool = True

    def covers(self, line: PriceLine) -> bool:
        if line.kind == "ticket":
            return False
        if not self.product_ids and not self.category_ids:
            return True
        return line.product_id in self.product_ids or line.category_id in self.category_ids


@dataclass
class ShippingTerms:
    first_kg: Decimal
    extra_kg: Decimal
    free_over: Decimal | None = None


@dataclass
class LinePrice:
    key: str
    shelf: Decimal
    steps: dict[str, Decimal] = field(default_factory=dict)
    total: Decimal = Decimal("0")

    @property
    def discount(self) -> Decimal:
        return sum(self.steps.values(), Decimal("0"))


@dataclass
class Priced:
    lines: list[LinePrice]
    subtotal: Decimal
    steps: dict[str, Decimal]
    offer: str = ""
    coupon: str = ""
    points_used: int = 0
    shipping: Decimal = Decimal("0")
    total: Decimal = Decimal("0")

    @property
    def discount(self) -> Decimal:
        return sum(self.steps.values(), Decimal("0"))

    def as_dict(self) -> dict:
        return {
            "subtotal": str(self.subtotal),
            "steps": {k: str(v) for k, v in self.steps.items()},
            "offer": self.offer,
            "coupon": self.coupon,
            "points_used": self.points_used,
            "shipping": str(self.shipping),
            "total": str(self.total),
            "lines": [
                {
                    "key": p.key,
                    "shelf": str(p.shelf),
                    "steps": {k: str(v) for k, v in p.steps.items()},
                    "total": str(p.total),
                }
                for p in self.lines
            ],
        }


def share(amount: Decimal, among: list[Decimal]) -> list[Decimal]:
    """`amount` shared out in proportion to `among`, to the cent, never more than a part's own amount."""
    total_cents = sum(int(a / CENT) for a in among)
    want = min(int(cents(amount) / CENT), total_cents)
    if want <= 0 or total_cents <= 0:
        return [Decimal("0")] * len(among)
    parts = [int(a / CENT) for a in among]
    exact = [want * p / total_cents for p in parts]
    given = [min(math.floor(x), p) for x, p in zip(exact, parts, strict=True)]
    left = want - sum(given)
    order = sorted(range(len(parts)), key=lambda i: (exact[i] - given[i], parts[i]), reverse=True)
    while left > 0:
        for i in order:
            if left and given[i] < parts[i]:
                given[i] += 1
                left -= 1
    return [Decimal(g) * CENT for g in given]


def price(
    lines: list[PriceLine],
    *,
    member_percent: int = 0,
    offers: list[Offer] = (),
    coupon: CouponTerms | None = None,
    points: int = 0,
    shipping: ShippingTerms | None = None,
) -> Priced:
    if not lines:
        raise ShopError(Code.EMPTY_CART)
    result = [LinePrice(line.key, cents(line.unit_price * line.quantity)) for line in lines]
    left = [p.shelf for p in result]

    def take(step: str, index: int, amount: Decimal) -> None:
        amount = min(cents(amount), left[index])
        if amount > 0:
            result[index].steps[step] = result[index].steps.get(step, Decimal("0")) + amount
            left[index] -= amount

    goods = [i for i, line in enumerate(lines) if line.kind != "ticket"]

    # 1. activity price
    for i, line in enumerate(lines):
        if line.activity_price is not None and line.activity_price < line.unit_price:
            take("activity", i, (line.unit_price - line.activity_price) * line.quantity)

    # 2. member discount (goods at their shelf price)
    if member_percent:
        for i in goods:
            if "activity" not in result[i].steps:
                take("member", i, left[i] * Decimal(member_percent) / 100)

    # 3. 满减: the best rule the goods reach
    offer_name = ""
    goods_left = sum((left[i] for i in goods), Decimal("0"))
    reached = [o for o in offers if goods_left >= o.min_amount and o.off_amount > 0]
    if reached:
        best = max(reached, key=lambda o: (o.off_amount, o.min_amount))
        offer_name = best.name
        for i, part in zip(goods, share(best.off_amount, [left[i] for i in goods]), strict=True):
            take("offer", i, part)

    # 4. coupon
    coupon_code = ""
    if coupon is not None:
        covered = [i for i in goods if coupon.covers(lines[i])]
        if not covered:
            raise ShopError(Code.COUPON_NOT_APPLICABLE)
        if offer_name and not coupon.stacks_with_offers:
            raise ShopError(Code.COUPON_NOT_STACKABLE)
        base = sum((left[i] for i in covered), Decimal("0"))
        if base < coupon.min_spend:
            raise ShopError(Code.COUPON_MIN_SPEND, amount=str(coupon.min_spend))
        off = coupon.value if coupon.kind == "amount" else base * coupon.value / 100
        for i, part in zip(covered, share(cents(off), [left[i] for i in covered]), strict=True):
            take("coupon", i, part)
        coupon_code = coupon.code

    # 5. points
    if points:
        if points < 0 or points % POINTS_PER_YUAN:
            raise ShopError(Code.INVALID_POINTS)
        goods_left = sum((left[i] for i in goods), Decimal("0"))
        value = Decimal(points // POINTS_PER_YUAN)
        if value > (goods_left * POINTS_SHARE).quantize(Decimal("1"), rounding="ROUND_FLOOR"):
            raise ShopError(Code.INVALID_POINTS)
        for i, part in zip(goods, share(value, [left[i] for i in goods]), strict=True):
            take("points", i, part)

    # 6. shipping
    fee = Decimal("0")
    weight = sum(line.weight_g * line.quantity for line in lines if line.ships)
    if shipping is not None and any(line.ships for line in lines):
        goods_after_coupon = sum((left[i] for i in goods), Decimal("0")) + sum(
            (result[i].steps.get("points", Decimal("0")) for i in goods), Decimal("0")
        )
        if shipping.free_over is None or goods_after_coupon < shipping.free_over:
            kilos = max(1, math.ceil(weight / 1000))
            fee = cents(shipping.first_kg + shipping.extra_kg * (kilos - 1))

    for i, p in enumerate(result):
        p.total = left[i]
    steps = {step: sum((p.steps.get(step, Decimal("0")) for p in result), Decimal("0")) for step in STEPS}
    subtotal = sum((p.shelf for p in result), Decimal("0"))
    total = max(Decimal("0"), sum(left, Decimal("0")) + fee)
    return Priced(
        lines=result,
        subtotal=subtotal,
        steps={k: v for k, v in steps.items() if v},
        offer=offer_name,
        coupon=coupon_code,
        points_used=points if "points" in {s for p in result for s in p.steps} else 0,
        shipping=fee,
        total=total,
    )
