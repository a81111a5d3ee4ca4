#!/usr/bin/env python
"""Shop checkout benchmark (not a test): real gunicorn + MariaDB + Redis, load from wrk.

    .venv/bin/python bench/shop.py            # 1 and 64 clients, 10 s each, the race, booking's figures
    .venv/bin/python bench/shop.py --quick    # the same, 6 s per timed case

What it does:
1. drops and re-creates `<site db>_bench_shop`, migrates it, and uses its own Redis database;
2. seeds a shop: a warehouse and a store in the park, one category, one product with one hot SKU
   whose one stock row holds 10^6 units (so no timed checkout is refused), a second SKU with
   100 units for the race, a shipping rate; and, for the comparison, booking.py's site;
3. starts gunicorn exactly as the Procfile does (`scenic_ops.wsgi`, production settings,
   DEBUG off, 3 gthread workers x 8 threads) on a free port;
4. for each client count, drives `wrk` with `bench/shop.lua`: every request is a real
   `POST /api/v1/shop/checkout` (the production path, `services.checkout`) of one unit of the
   hot SKU by a new member (a distinct phone number per request), picked up at the store —
   whose stock row the pick-up draws on (`--delivery ship`: delivered, from the warehouse's);
5. runs booking.py's own timed case (`booking.booking_case`) at the same client counts, each
   right after the shop's, and compares: the shop's target is half of booking's figure;
6. a race: 64 clients for a few seconds on the 100-unit SKU.

201 is a checkout, 409 `out_of_stock` a refusal. After each phase the database is checked:
`oversold` counts units missing from `available + reserved + sold = initial`, held reservations
disagreeing with `reserved`, and units held beyond the stock. Figures are printed as measured.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import booking
import harness

LUA = harness.ROOT / "bench" / "shop.lua"
HOT_STOCK = 1_000_000
RACE_STOCK = 100
STORE = "gate-shop"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short runs")
    parser.add_argument("--duration", type=int, default=0, help="seconds per timed case (default 10, quick 6)")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", 3)))
    parser.add_argument(
        "--worker-class", default="gthread", choices=["gthread", "sync"], help="gthread as the Procfile, or sync"
    )
    parser.add_argument(
        "--threads", type=int, default=int(os.environ.get("WEB_THREADS", 8)), help="threads per worker (gthread)"
    )
    parser.add_argument("--redis-db", type=int, default=13, help="Redis database number used by the benchmark")
    parser.add_argument("--clients", default="1,64", help="comma-separated client counts (at most 8)")
    parser.add_argument(
        "--delivery", default="pickup", choices=["pickup", "ship"], help="pick-up at the store, or shipped"
    )
    parser.add_argument("--keep", action="store_true", help="leave the bench database and server files")
    return parser.parse_args()


# --- seed ---------------------------------------------------------------------------------------------
def seed(delivery: str):
    """The shop's rows (as tests/shop/conftest.py builds them); returns the hot and the race stock rows."""
    from decimal import Decimal

    from scenic_ops.shop.models import Category, Product, ShippingRate, ShopPoint, Sku, Stock

    warehouse = ShopPoint.objects.create(code="wh", name="苏州仓", kind="warehouse", priority=1)
    store = ShopPoint.objects.create(code=STORE, name="南门特产店", name_en="South gate shop", kind="store")
    gifts = Category.objects.create(code="gifts", name="文创", name_en="Souvenirs")
    fan = Product.objects.create(code="fan", category=gifts, name="云岫山折扇", name_en="Folding fan")
    hot = Sku.objects.create(product=fan, code="hot-1", spec="", price=Decimal("39.90"), weight_g=150)
    race = Sku.objects.create(product=fan, code="race-1", spec="", price=Decimal("39.90"), weight_g=150)
    ShippingRate.objects.create(region="*", first_kg=Decimal("12"), extra_kg=Decimal("5"))
    # a pick-up draws on the pick-up point's stock, a delivery on the warehouses' (shop.stock.points_for)
    point = store if delivery == "pickup" else warehouse
    return (
        Stock.objects.create(sku=hot, point=point, available=HOT_STOCK),
        Stock.objects.create(sku=race, point=point, available=RACE_STOCK),
    )


def body_around_phone(sku: str, delivery: str) -> tuple[str, str]:
    """The checkout's JSON body, split where the phone number goes (shop.lua puts it in)."""
    body = {"phone": "PHONE", "items": [{"sku": sku, "quantity": 1}], "delivery": delivery}
    if delivery == "pickup":
        body["pickup_point"] = STORE
    else:
        body.update(contact_name="王小明", region="江苏省", city="苏州市", address="吴中区东山镇紫金路8号")
    before, after = json.dumps(body, ensure_ascii=False, separators=(",", ":")).split("PHONE")
    return before, after


def run_wrk(base_url: str, clients: int, duration: int, run: int, sku: str, delivery: str, server) -> dict:
    before, after = body_around_phone(sku, delivery)
    return harness.run_wrk(LUA, base_url, clients, duration, [str(run), before, after], server)


# --- checks -----------------------------------------------------------------------------------------
def stock_check(stock_id: int, initial: int, *, settle: float = 15.0) -> tuple[int, int, int]:
    """(units held, orders holding them, oversold) for one stock row, from the database.

    wrk stops the clock with requests still in the server: wait (up to `settle` s) for them to commit."""
    deadline = time.monotonic() + settle
    while True:
        held, orders, bad = _stock_check(stock_id, initial)
        if bad == 0 or time.monotonic() > deadline:
            return held, orders, bad
        time.sleep(0.5)


def _stock_check(stock_id: int, initial: int) -> tuple[int, int, int]:
    from django.db import connection
    from django.db.models import Sum

    from scenic_ops.shop.models import Order, Reservation, Stock

    connection.close()  # a fresh view of the data the server wrote
    row = Stock.objects.get(pk=stock_id)
    mine = Reservation.objects.filter(stock_id=stock_id)
    held = mine.filter(state=Reservation.State.HELD).aggregate(n=Sum("quantity"))["n"] or 0
    consumed = mine.filter(state=Reservation.State.CONSUMED).aggregate(n=Sum("quantity"))["n"] or 0
    orders = Order.objects.filter(reservations__stock_id=stock_id).distinct().count()
    bad = (
        abs(row.available + row.reserved + row.sold - initial)
        + abs(held - row.reserved)
        + abs(consumed - row.sold)
        + max(0, held + consumed - initial)
    )
    return held, orders, bad


# --- main ---------------------------------------------------------------------------------------
def main() -> int:
    args = parse_args()
    if not harness.require_wrk():
        return 2
    duration = args.duration or (6 if args.quick else 10)
    client_counts = [int(c) for c in args.clients.split(",") if c][:8]

    _site, _bench_db, env = harness.fresh_site("_bench_shop", args.redis_db)
    from django.db import connection

    hot, race = seed(args.delivery)
    slot, _booking_race, creds = booking.seed()
    connection.close()

    work = Path(tempfile.mkdtemp(prefix="scenic-bench-"))
    port = harness.free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = harness.start_gunicorn(
        port, work, env, workers=args.workers, worker_class=args.worker_class, threads=args.threads
    )
    try:
        harness.wait_until_serving(base_url, server, attempts=150)
        time.sleep(1.0)  # let every worker finish booting before the clock starts
        print(
            f"# server: gunicorn {args.workers} {args.worker_class} workers"
            + (f" × {args.threads} threads" if args.worker_class == "gthread" else "")
            + " (the Procfile's command unless overridden, no access log), DEBUG=False, "
            f"PyMySQL, MariaDB {harness.database_version()}, Redis; "
            f"{os.cpu_count()} CPUs shared with the load generator",
            flush=True,
        )
        print(
            f"# load: {harness.wrk_version()} (Debian package), 1 thread for 1 client else 2, keep-alive; "
            f"bench/shop.lua checks out 1 unit of one hot SKU per request ({args.delivery}), "
            f"each by a new member; then bench/booking.lua at the same client count; {duration}s per case",
            flush=True,
        )
        meter = booking.CpuMeter(server.pid)
        ids = booking.Ids()
        # Warm-up (not measured): every worker opens its connections and loads its caches.
        run_wrk(base_url, 16, 2, 0, "hot-1", args.delivery, server)
        booking.warm_up(base_url, work, slot, creds, ids, server)
        shop_rate: dict[int, float] = {}
        booking_rate: dict[int, float] = {}
        for run, clients in enumerate(client_counts, start=1):
            meter.start()
            result = run_wrk(base_url, clients, duration, run, "hot-1", args.delivery, server)
            usage = meter.line()
            shop_rate[clients] = result["ok"] / (result["duration_us"] / 1e6)
            _held, _orders, bad = stock_check(hot.pk, HOT_STOCK)
            print(
                f"clients={clients} checkouts_per_s={shop_rate[clients]:.0f} {harness.latencies(result)} "
                f"refused={result['refused']} oversold={bad}"
                + (f" other={result['other']}" if result["other"] else "")
                + harness.socket_errors(result),
                flush=True,
            )
            print(usage, flush=True)
            result = booking.booking_case(base_url, work, clients, duration, slot, creds, ids, server, meter)
            usage = meter.line()
            booking_rate[clients] = result["ok"] / (result["duration_us"] / 1e6)
            print(
                f"booking clients={clients} ok_per_s={booking_rate[clients]:.0f} {harness.latencies(result)} "
                f"rejected={result['rejected']} oversold={booking.oversold(slot)}"
                + (f" other={result['other']}" if result["other"] else "")
                + harness.socket_errors(result),
                flush=True,
            )
            print(usage, flush=True)
        if 1 in shop_rate and 64 in shop_rate:
            verdicts = {c: shop_rate[c] >= booking_rate[c] / 2 for c in (1, 64)}
            print(
                f"target: shop >= half of booking: 1 client {shop_rate[1]:.0f} vs {booking_rate[1]:.0f}/2 "
                f"({'PASS' if verdicts[1] else 'FAIL'}), 64 clients {shop_rate[64]:.0f} vs {booking_rate[64]:.0f}/2 "
                f"({'PASS' if verdicts[64] else 'FAIL'}): {'PASS' if all(verdicts.values()) else 'FAIL'}",
                flush=True,
            )
        # Race: 64 clients, far more checkouts than the 100 units.
        result = run_wrk(base_url, 64, 3, 9, "race-1", args.delivery, server)
        sold, orders, bad = stock_check(race.pk, RACE_STOCK)
        bad += abs(orders - sold) + max(0, result["ok"] - RACE_STOCK)
        print(
            f"race clients=64 stock={RACE_STOCK} sold={sold} refused={result['refused']} oversold={bad} "
            f"attempts={result['requests']} ok={result['ok']} orders={orders}"
            + (f" other={result['other']}" if result["other"] else "")
            + harness.socket_errors(result),
            flush=True,
        )
    finally:
        harness.stop(server, work, keep=args.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
