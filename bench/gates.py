#!/usr/bin/env python
"""Gate benchmark (not a test): real gunicorn + MariaDB + Redis, load from wrk.

    .venv/bin/python bench/gates.py            # 1, 16 and 64 gate clients
    .venv/bin/python bench/gates.py --quick    # 1 and 64 clients, short runs

What it does:
1. drops and re-creates `<site db>_bench_gates`, migrates it, and uses its own Redis database;
2. seeds one site: an entrance with one lane per wrk thread, each with its own gate device
   and API key, an admission product, and for every phase enough confirmed single-use
   tickets for today (inserted in bulk) with their signed QR tokens (Ed25519, as ticketing
   signs them);
3. starts gunicorn as the Procfile does (`scenic_ops.wsgi`, production settings, DEBUG off,
   3 gthread workers x 8 threads, no access log) on a free port;
4. for each client count, drives `wrk` (Debian package) with `bench/gates.lua`: every request
   is a real `POST /api/v1/access/scan` with the device key, the token and the gate's clock.
   The mix per thread: 80 % fresh valid tokens, 10 % repeats of tokens this thread had
   admitted (answer: used), 10 % forged tokens (a valid token with its signature altered);
   with two threads, 3 % of the fresh tokens are sent by both threads at the same position,
   so two lanes race for the same ticket;
5. after each phase, checks the database: `double_admits` counts tickets admitted more often
   than they allow; the in-park count (visitor flow) must equal the admissions;
6. before each phase, measures the issue's reference — a bare Django view doing one
   conditional UPDATE (bench/calibrate.py) — on the same machine and database, so the figures
   can be judged against how much of the (shared) machine was free at that moment.

Figures are printed as measured, one line per client count.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import harness

LUA = harness.ROOT / "bench" / "gates.lua"
SCAN_PATH = "/api/v1/access/scan"
MIX = {"valid": 0.8, "repeat": 0.1, "forged": 0.1}
RACE_SHARE = 0.03


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 and 64 clients only, short runs")
    parser.add_argument("--duration", type=int, default=0, help="seconds per phase (default 10, quick 6)")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", 3)))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", 8)))
    parser.add_argument(
        "--worker-class", default="gthread", choices=["gthread", "sync"], help="gthread as the Procfile, or sync"
    )
    parser.add_argument("--redis-db", type=int, default=12, help="Redis database number used by the benchmark")
    parser.add_argument("--clients", default="", help="comma-separated client counts (overrides the defaults)")
    parser.add_argument("--keep", action="store_true", help="leave the server's temporary files")
    parser.add_argument(
        "--no-calibrate", action="store_true", help="skip measuring the bare-view reference before each phase"
    )
    return parser.parse_args()


# --- seed -------------------------------------------------------------------------------------------
def seed(lanes: int):
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from scenic_ops.access import services
    from scenic_ops.access.models import Gate, Lane
    from scenic_ops.core.models import SiteProfile, Zone
    from scenic_ops.core.services import ensure_site_profile
    from scenic_ops.ticketing import capacity
    from scenic_ops.ticketing.models import Price, PriceCategory, Product, SlotTemplate, TimeSlot

    profile = ensure_site_profile()
    SiteProfile.objects.filter(pk=profile.pk).update(
        max_daily_capacity=100_000_000, open_ratio_percent=100, opening_time=dt.time(0), closing_time=dt.time(23, 59)
    )
    zone = Zone.objects.create(code="gate-south", name="南山门", kind="entrance")
    adult = PriceCategory.objects.create(code="adult", name="成人", name_en="Adult")
    entry = Product.objects.create(code="entry", name="门票", name_en="Admission", kind="admission")
    Price.objects.create(product=entry, category=adult, amount=Decimal("100"))
    SlotTemplate.objects.create(
        name="all day", first_start=dt.time(0), last_start=dt.time(23), interval_minutes=60, capacity=100_000_000
    )
    today = timezone.localdate()
    capacity.generate(today, 1)
    slot = TimeSlot.objects.get(date=today, start=dt.time(0), owner_key=0)  # its window is open all day
    gate = Gate.objects.create(code="south", name="南山门", name_en="South Gate", zone=zone)
    keys = []
    for n in range(lanes):
        lane = Lane.objects.create(gate=gate, code=f"s-in-{n + 1}", name=f"入口{n + 1}", direction="in")
        _device, secret = services.create_device(lane, f"reader-{n + 1}", f"入口{n + 1}读头")
        keys.append(secret)
    return slot, entry, adult, keys


def make_tickets(count: int, slot, product, category, tag: str) -> list[str]:
    """Confirmed single-use tickets for today, inserted in bulk; returns their signed tokens."""
    from django.db import connection

    from scenic_ops.ticketing import tokens

    with connection.cursor() as cur:
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM ticketing_order")
        base = cur.fetchone()[0]
        cur.execute(
            "INSERT INTO ticketing_order (id, number, channel, status, visit_date, ticket_count, total, "
            "refunded_amount, payment_method, contact_name_masked, contact_phone_index, contact_phone_masked, "
            "group_name, language, created_at, confirmed_at) "
            "SELECT %s + seq, CONCAT(%s, LPAD(seq, 10, '0')), 'web', 'confirmed', %s, 1, 100, 0, 'online', '张*', "
            f"'', '', '', 'zh-hans', NOW(), NOW() FROM seq_1_to_{count}",
            [base, tag, slot.date],
        )
        cur.execute(
            "INSERT INTO ticketing_ticket (code, order_id, product_id, category_id, slot_id, date, price, status, "
            "id_type, id_number_index, id_number_masked, name_masked, phone_masked, region_code, sex, "
            "check_document, takes, claim_scope, uses_allowed, used_count, created_at, personal_data_purged) "
            "SELECT CONCAT(%s, LPAD(seq, 10, '0')), %s + seq, %s, %s, %s, %s, 100, 'valid', 'resident', "
            "SHA2(CONCAT(%s, seq), 256), '3205**********0000', '游*', '', '320506', 'M', '', '', '', 1, 0, NOW(), 0 "
            f"FROM seq_1_to_{count}",
            [tag, base, product.id, category.id, slot.id, slot.date, tag],
        )
    return [
        tokens.sign(f"{tag}{n:010d}", slot.date, slot.start, slot.end, product.code, category.code, 1)
        for n in range(1, count + 1)
    ]


def forge(token: str) -> str:
    head, signature = token.rsplit(".", 1)
    flipped = "A" if signature[5] != "A" else "B"
    return f"{head}.{signature[:5]}{flipped}{signature[6:]}"


def write_mix(prefix: Path, fresh: list[str], threads: int, per_thread: int, rng: random.Random) -> dict:
    """One file per wrk thread: fresh, repeated (already admitted by this thread) and forged tokens."""
    lines: list[list[str]] = [[] for _ in range(threads)]
    pool = iter(fresh)
    races = 0
    admitted: list[list[str]] = [[] for _ in range(threads)]
    for _ in range(per_thread):
        shared = None
        if threads > 1 and rng.random() < RACE_SHARE * MIX["valid"]:
            shared = next(pool)  # both threads send this one at the same position: lanes race
            races += 1
        for t in range(threads):
            roll = rng.random()
            if shared is not None:
                token = shared
                admitted[t].append(token)
            elif roll < MIX["forged"]:
                token = forge(next(pool))
            elif roll < MIX["forged"] + MIX["repeat"] and len(admitted[t]) > 50:
                token = admitted[t][rng.randrange(len(admitted[t]) - 50)]
            else:
                token = next(pool)
                admitted[t].append(token)
            lines[t].append(token)
    for t in range(threads):
        (prefix.parent / f"{prefix.name}.{t}.txt").write_text("\n".join(lines[t]) + "\n", encoding="ascii")
    return {"races": races}


def run_wrk(url: str, clients: int, duration: int, prefix: Path, keys: list[str], server) -> dict:
    threads = harness.wrk_threads(clients)
    return harness.run_wrk(LUA, url, clients, duration, [str(prefix), ",".join(keys[:threads])], server)


# --- checks -------------------------------------------------------------------------------------------
def check(settle: float = 10.0) -> dict:
    """Double admissions, and the in-park count against the admissions (after in-flight requests commit)."""
    deadline = time.monotonic() + settle
    while True:
        result = _check()
        if (result["double_admits"] == 0 and result["count_gap"] == 0) or time.monotonic() > deadline:
            return result
        time.sleep(0.5)


def _check() -> dict:
    from django.db import connection

    connection.close()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT COUNT(*) FROM (SELECT s.ticket_id FROM access_scan s JOIN ticketing_ticket t ON t.id = s.ticket_id "
            "WHERE s.outcome = 'admitted' GROUP BY s.ticket_id, t.uses_allowed HAVING COUNT(*) > t.uses_allowed) x"
        )
        double = cur.fetchone()[0]
        cur.execute("SELECT COUNT(*) FROM access_scan WHERE outcome = 'admitted'")
        admissions = cur.fetchone()[0]
        cur.execute("SELECT COUNT(*) FROM ticketing_ticket WHERE used_count > 0")
        used = cur.fetchone()[0]
        cur.execute("SELECT COALESCE(SUM(entries), 0) FROM flow_flowcount WHERE zone_key = 0")
        entries = int(cur.fetchone()[0])
    return {
        "double_admits": double,
        "admissions": admissions,
        "tickets_used": used,
        "count_gap": abs(entries - admissions) + abs(used - admissions),
        "in_park_entries": entries,
    }


# --- main ---------------------------------------------------------------------------------------------
def main() -> int:
    args = parse_args()
    if not harness.require_wrk():
        return 2
    duration = args.duration or (6 if args.quick else 10)
    client_counts = [int(c) for c in args.clients.split(",") if c] or ([1, 64] if args.quick else [1, 16, 64])

    site, bench_db, env = harness.fresh_site("_bench_gates", args.redis_db)
    from django.db import connection

    slot, product, category, keys = seed(2)
    connection.close()

    work = Path(tempfile.mkdtemp(prefix="scenic-gates-"))
    port = harness.free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = harness.start_gunicorn(
        port,
        work,
        env,
        workers=args.workers,
        worker_class=args.worker_class,
        threads=args.threads if args.worker_class == "gthread" else None,
    )
    rng = random.Random(2026)
    try:
        harness.wait_until_serving(base_url, server, attempts=100)
        print(
            f"# server: gunicorn {args.workers} {args.worker_class} workers"
            + (
                f" x {args.threads} threads (as the Procfile)"
                if args.worker_class == "gthread"
                else " (one request each)"
            )
            + ", no access log, DEBUG=False, "
            f"PyMySQL, MariaDB {harness.database_version()}, Redis; "
            f"{os.cpu_count()} CPUs shared with the load generator",
            flush=True,
        )
        print(
            f"# load: {harness.wrk_version()} (Debian package), 1 thread for 1 client else 2 "
            "(one gate device and key per thread), keep-alive; bench/gates.lua posts QR scans (token + gate clock); "
            f"mix per thread: {MIX['valid']:.0%} fresh valid, {MIX['repeat']:.0%} repeats of admitted tickets, "
            f"{MIX['forged']:.0%} forged signatures; with 2 threads {RACE_SHARE:.0%} of the valid tokens are sent "
            f"by both lanes at once; {duration}s per phase",
            flush=True,
        )
        for n, clients in enumerate(client_counts):
            if not args.no_calibrate:
                import calibrate

                bare = calibrate.measure(site, bench_db, port=harness.free_port(), workdir=work, duration=4)
                print(
                    f"# calibration now: bare Django view, one conditional UPDATE, 4 sync workers: "
                    f"{bare[1]:.0f} req/s at 1 client, {bare[64]:.0f} req/s at 64 (about 586 and 1,124 on an idle "
                    "machine: the issue's reference)",
                    flush=True,
                )
            threads = harness.wrk_threads(clients)
            per_thread = int(duration * min(900 * clients, 1600) / threads * 1.3) + 500
            fresh = make_tickets(int(per_thread * threads * 1.05) + 100, slot, product, category, f"B{n}")
            connection.close()
            prefix = work / f"scan{clients}"
            mix = write_mix(prefix, fresh, threads, per_thread, rng)
            result = run_wrk(base_url, clients, duration, prefix, keys, server)
            seconds = result["duration_us"] / 1e6
            state = check()
            print(
                f"clients={clients} scans_per_s={result['requests'] / seconds:.0f} "
                f"{harness.latencies(result)} double_admits={state['double_admits']}"
                + (f" errors={result['errors']}" if result["errors"] else "")
                + harness.socket_errors(result),
                flush=True,
            )
            print(
                f"#   admitted={result['admitted']} refused={result['refused']} races={mix['races']} "
                f"spent={result['spent']}; database: admissions={state['admissions']} "
                f"tickets_used={state['tickets_used']} in_park_entries={state['in_park_entries']} "
                f"count_gap={state['count_gap']}",
                flush=True,
            )
        from scenic_ops.access import scanlog

        connection.close()
        waiting = scanlog.pending()
        flushed = scanlog.flush()
        print(f"# refusals decided before the database: {waiting} buffered in Redis, {flushed} written to the log")
    finally:
        harness.stop(server, work, keep=args.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
