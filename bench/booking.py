#!/usr/bin/env python
"""Booking benchmark (not a test): real gunicorn + MariaDB + Redis, load from wrk.

    .venv/bin/python bench/booking.py            # 1, 16, 64 and 256 clients, race, reads, million-row desk lists
    .venv/bin/python bench/booking.py --quick    # 1 and 64 clients only (bookings and reads)

What it does:
1. drops and re-creates `<site db>_bench`, migrates it, and uses its own Redis database;
2. seeds one site: hourly entry slots with a huge capacity (one hot slot takes every
   booking: the same day, slot and product rows for every request), and a partner key;
3. starts gunicorn exactly as the Procfile does (`scenic_ops.wsgi`, production settings,
   DEBUG off, 3 gthread workers x 8 threads; `--worker-class sync` to compare) on a free port;
4. for each client count, drives `wrk` (Debian package) with `bench/booking.lua`: every
   request is a distinct, pre-signed partner call `POST /api/v1/ticketing/partner/orders`
   creating a confirmed order with one real-name ticket (signature, nonce and rate limit,
   GB 11643 check, per-ID limit, inventory, order, ticket, Ed25519 token);
5. a race: 64 clients against a 200-place slot, far more attempts than places;
6. the remaining-inventory read `GET /api/v1/ticketing/availability` at the same client counts;
7. (full run) a million orders and tickets, then the desk's order and ticket lists.

Each phase checks the database afterwards: `oversold` counts tickets beyond a bucket's
capacity or a bucket whose `used` disagrees with its tickets. Figures are printed as measured.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import harness

LUA = harness.ROOT / "bench" / "booking.lua"
PATH = "/api/v1/ticketing/partner/orders"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 and 64 clients only, short runs")
    parser.add_argument("--duration", type=int, default=0, help="seconds per phase (default 10, quick 6)")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", 3)))
    parser.add_argument(
        "--worker-class", default="gthread", choices=["gthread", "sync"], help="gthread as the Procfile, or sync"
    )
    parser.add_argument(
        "--threads", type=int, default=int(os.environ.get("WEB_THREADS", 8)), help="threads per worker (gthread)"
    )
    parser.add_argument("--redis-db", type=int, default=14, help="Redis database number used by the benchmark")
    parser.add_argument("--clients", default="", help="comma-separated client counts (overrides the defaults)")
    parser.add_argument("--rows", type=int, default=1_000_000, help="orders and tickets for the desk phase")
    parser.add_argument("--keep", action="store_true", help="leave the bench database and server files")
    return parser.parse_args()


# --- seed ---------------------------------------------------------------------------------------------
def seed():
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from scenic_ops.core.services import ensure_site_profile
    from scenic_ops.ticketing import capacity
    from scenic_ops.ticketing.models import Bucket, Price, PriceCategory, Product, SlotTemplate, TimeSlot
    from scenic_ops.ticketing.partners import create_partner

    profile = ensure_site_profile()
    profile.max_daily_capacity = 100_000_000
    profile.open_ratio_percent = 100
    profile.save()
    adult = PriceCategory.objects.create(code="adult", name="成人", name_en="Adult")
    senior = PriceCategory.objects.create(code="senior", name="老年人", name_en="Senior", min_age=60)
    entry = Product.objects.create(
        code="entry", name="门票", kind="admission", draws_site_capacity=True, id_limit_per_day=1
    )
    cable = Product.objects.create(code="cable", name="索道", kind="transport", per_slot_capacity=500)
    for product, category, amount in ((entry, adult, "100"), (entry, senior, "0"), (cable, adult, "60")):
        Price.objects.create(product=product, category=category, amount=Decimal(amount))
    SlotTemplate.objects.create(
        name="hourly", first_start=dt.time(8), last_start=dt.time(16), interval_minutes=60, capacity=100_000_000
    )
    day = timezone.localdate() + dt.timedelta(days=1)
    capacity.generate(day, 2)
    hot = TimeSlot.objects.get(date=day, start=dt.time(9), owner_key=0)
    race = TimeSlot.objects.get(date=day + dt.timedelta(days=1), start=dt.time(9), owner_key=0)
    capacity.change_bucket(Bucket.objects.get(kind="slot", slot=race), capacity=200)
    creds = create_partner("bench", "Bench OTA", rate_limit_per_minute=10_000_000)
    return hot, race, creds


# --- request files ------------------------------------------------------------------------------------
class Ids:
    """Distinct, valid GB 11643 numbers: region × birth date × sequence."""

    def __init__(self) -> None:
        import datetime as dt

        self.born = dt.date(1950, 1, 1)
        self.seq = 0

    def next(self) -> str:
        import datetime as dt

        from scenic_ops.ticketing.idcard import make_number

        self.seq += 1
        if self.seq == 1000:
            self.seq = 1
            self.born += dt.timedelta(days=1)
        return make_number("320506", self.born, self.seq)


def write_requests(prefix: Path, tag: str, slot_id: int, count: int, threads: int, creds, ids: Ids) -> None:
    from scenic_ops.ticketing.api_auth import signature

    files = [open(f"{prefix}.{t}.txt", "w", encoding="ascii") for t in range(threads)]  # noqa: SIM115
    now = str(int(time.time()))
    try:
        for i in range(count):
            body = json.dumps(
                {
                    "external_id": f"{tag}-{i}",
                    "slot": slot_id,
                    "items": [
                        {
                            "product": "entry",
                            "category": "adult",
                            "visitors": [{"name": "Bench Visitor", "id_type": "resident", "id_number": ids.next()}],
                        }
                    ],
                },
                separators=(",", ":"),
            )
            nonce = f"{tag}n{i:09d}"
            sig = signature(creds.signing_secret, now, nonce, "POST", PATH, body.encode())
            files[i % threads].write(f"{now}\t{nonce}\t{sig}\t{body}\n")
    finally:
        for f in files:
            f.close()


def run_wrk(url: str, clients: int, duration: int, args: list[str], server) -> dict:
    return harness.run_wrk(LUA, url, clients, duration, args, server)


def warm_up(base_url: str, work: Path, slot, creds, ids: Ids, server) -> None:
    """Not measured: every worker opens its connections and loads its caches."""
    prefix = work / "warm"
    write_requests(prefix, "warm", slot.id, 1500, 2, creds, ids)
    run_wrk(base_url, 16, 2, [str(prefix), creds.api_key, "book"], server)


def booking_case(base_url: str, work: Path, clients: int, duration: int, slot, creds, ids: Ids, server, meter=None):
    """One timed case: `clients` wrk connections booking in `slot` for `duration` s (bench/shop.py runs it too).

    The CPU meter, if given, starts once the request files are written."""
    expected = duration * min(900 * clients, 1400)
    threads = harness.wrk_threads(clients)
    prefix = work / f"book{clients}"
    write_requests(prefix, f"c{clients}", slot.id, int(expected * 1.5) + 200, threads, creds, ids)
    if meter is not None:
        meter.start()
    return run_wrk(base_url, clients, duration, [str(prefix), creds.api_key, "book"], server)


# --- where the CPU went during a phase -----------------------------------------------------------------
def _pid_ticks(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (FileNotFoundError, ProcessLookupError, IndexError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def _machine() -> tuple[float, float, float]:
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle, steal = values[3] + values[4], values[7] if len(values) > 7 else 0
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(values) - idle - steal) / tick, steal / tick, sum(values) / tick


class CpuMeter:
    """CPU seconds of the server's workers, the load generator, MariaDB and Redis, and of the whole
    machine, over one phase: the 2 cores are shared, and the figures mean little without this."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid

    def _pids(self, name: str) -> list[int]:
        out = subprocess.run(["pgrep", "-x", name], capture_output=True, text=True).stdout.split()
        return [int(p) for p in out]

    def start(self) -> None:
        import resource

        workers = subprocess.run(["pgrep", "-P", str(self.server_pid)], capture_output=True, text=True)
        self.workers = [int(p) for p in workers.stdout.split()] + [self.server_pid]
        self.db, self.redis = self._pids("mariadbd"), self._pids("redis-server")
        self.t0 = (
            _pid_ticks(self.workers),
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
            + resource.getrusage(resource.RUSAGE_CHILDREN).ru_stime,
            _pid_ticks(self.db),
            _pid_ticks(self.redis),
            *_machine(),
        )

    def line(self) -> str:
        import resource

        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        now = (
            _pid_ticks(self.workers),
            children.ru_utime + children.ru_stime,
            _pid_ticks(self.db),
            _pid_ticks(self.redis),
            *_machine(),
        )
        server, wrk, db, rds, busy, steal, total = (b - a for a, b in zip(self.t0, now, strict=True))
        share = lambda x: 100 * x / total if total else 0  # noqa: E731
        others = max(0.0, busy - server - wrk - db - rds)
        return (
            f"# cpu: machine busy {share(busy):.0f}% of 2 cores — gunicorn {share(server):.0f}%, wrk {share(wrk):.0f}%, "
            f"MariaDB {share(db):.0f}% (shared), Redis {share(rds):.0f}%, other processes {share(others):.0f}%; "
            f"stolen by the hypervisor {share(steal):.0f}%"
        )


# --- checks -----------------------------------------------------------------------------------------
def oversold(slot, *, settle: float = 15.0) -> int:
    """Tickets beyond any bucket's capacity, plus buckets whose `used` disagrees with their tickets.

    wrk stops the clock with requests still in the server: wait (up to `settle` s) for them to commit.
    """
    deadline = time.monotonic() + settle
    while True:
        bad = _oversold(slot)
        if bad == 0 or time.monotonic() > deadline:
            return bad
        time.sleep(0.5)


def _oversold(slot) -> int:
    from django.db import connection

    from scenic_ops.ticketing import inventory
    from scenic_ops.ticketing.models import Bucket, Ticket

    connection.close()  # a fresh view of the data the server wrote
    expected: dict[int, int] = {}
    for takes in Ticket.objects.filter(slot=slot, status__in=["held", "valid", "used"]).values_list("takes", flat=True):
        for take in inventory.decode(takes):
            expected[take.bucket] = expected.get(take.bucket, 0) + take.used
    bad = 0
    for bucket in Bucket.objects.filter(pk__in=list(expected)):
        bad += max(0, expected[bucket.pk] - bucket.capacity) + abs(expected[bucket.pk] - bucket.used)
    return bad


# --- desk at a million rows -------------------------------------------------------------------------
def fill_rows(rows: int, slot, product_id: int, category_id: int) -> float:
    """A million orders and tickets over 119 visit days (coprime with the 5 channels and 8 statuses,
    so every combination of filters is as common as in real data)."""
    from django.db import connection

    started = time.perf_counter()
    chunk = 200_000
    with connection.cursor() as cur:
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM ticketing_order")
        base = cur.fetchone()[0]
        for offset in range(0, rows, chunk):
            n = min(chunk, rows - offset)
            cur.execute(
                "INSERT INTO ticketing_order (id, number, channel, status, visit_date, ticket_count, total, "
                "refunded_amount, payment_method, contact_name_masked, contact_phone_index, contact_phone_masked, "
                "group_name, language, created_at, confirmed_at) "
                "SELECT %s + seq, CONCAT('M', LPAD(%s + seq, 12, '0')), "
                "ELT(1 + seq %% 5, 'web', 'counter', 'partner', 'agency', 'staff'), "
                "ELT(1 + seq %% 8, 'confirmed', 'confirmed', 'confirmed', 'confirmed', 'confirmed', 'refunded', "
                "'expired', 'cancelled'), DATE_ADD(%s, INTERVAL CAST(seq %% 119 AS SIGNED) - 89 DAY), 1, 100, 0, 'online', '张*', "
                "SHA2(CONCAT('p', seq %% 200000), 256), '138****0000', '', 'zh-hans', "
                "NOW() - INTERVAL seq SECOND, NOW() - INTERVAL seq SECOND "
                f"FROM seq_1_to_{n}",
                [base + offset, base + offset, slot.date],
            )
            cur.execute(
                "INSERT INTO ticketing_ticket (code, order_id, product_id, category_id, slot_id, date, price, status, "
                "id_type, id_number_index, id_number_masked, name_masked, phone_masked, region_code, sex, "
                "check_document, takes, claim_scope, uses_allowed, used_count, created_at, personal_data_purged) "
                "SELECT CONCAT('M', LPAD(%s + seq, 11, '0')), %s + seq, %s, %s, %s, "
                "DATE_ADD(%s, INTERVAL CAST(seq %% 119 AS SIGNED) - 89 DAY), 100, "
                "ELT(1 + seq %% 8, 'valid', 'used', 'used', 'used', 'valid', 'refunded', 'expired', 'cancelled'), "
                "'resident', SHA2(CONCAT('id', seq), 256), '3205**********0000', '游*', '', '320506', 'M', '', '', "
                f"'admission', 1, 0, NOW() - INTERVAL seq SECOND, 0 FROM seq_1_to_{n}",
                [base + offset, base + offset, product_id, category_id, slot.id, slot.date],
            )
    return time.perf_counter() - started


def desk_timings(base_url: str, date) -> dict[str, float]:
    import requests

    from scenic_ops.core import services

    services.upsert_staff("bench-admin", password="Bench-Password-2026", superuser=True)
    session = requests.Session()
    login = session.get(f"{base_url}/admin/login/")
    token = session.cookies.get(next(c for c in session.cookies.keys() if c.endswith("csrftoken")))
    session.post(
        f"{base_url}/admin/login/",
        data={"username": "bench-admin", "password": "Bench-Password-2026", "csrfmiddlewaretoken": token},
        headers={"Referer": login.url},
    )
    pages = {
        "order_list": "/admin/ticketing/order/",
        "order_filtered": f"/admin/ticketing/order/?status__exact=confirmed&channel__exact=partner&visit_date={date}",
        "order_search": "/admin/ticketing/order/?q=M000000500000",
        "ticket_list": "/admin/ticketing/ticket/",
        "ticket_filtered": f"/admin/ticketing/ticket/?status__exact=valid&date={date}",
        "ticket_page_50": "/admin/ticketing/ticket/?p=50",
    }
    out = {}
    for name, path in pages.items():
        times = []
        for _ in range(5):
            started = time.perf_counter()
            response = session.get(base_url + path)
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{path}: HTTP {response.status_code}")
        out[name] = statistics.median(times)
    return out


# --- main ---------------------------------------------------------------------------------------
def main() -> int:
    args = parse_args()
    if not harness.require_wrk():
        return 2
    duration = args.duration or (6 if args.quick else 10)
    client_counts = [int(c) for c in args.clients.split(",") if c] or ([1, 64] if args.quick else [1, 16, 64, 256])

    _site, _bench_db, env = harness.fresh_site("_bench", args.redis_db)
    from django.db import connection

    hot, race, creds = seed()
    connection.close()

    work = Path(tempfile.mkdtemp(prefix="scenic-bench-"))
    port = harness.free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = harness.start_gunicorn(
        port, work, env, workers=args.workers, worker_class=args.worker_class, threads=args.threads
    )
    try:
        import requests

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
            "bench/booking.lua sends distinct pre-signed partner requests (HMAC signature, nonce, real-name ID) "
            f"that each create a confirmed order with one ticket in the same hot slot; {duration}s per phase",
            flush=True,
        )
        ids = Ids()
        meter = CpuMeter(server.pid)
        warm_up(base_url, work, hot, creds, ids, server)
        for clients in client_counts:
            result = booking_case(base_url, work, clients, duration, hot, creds, ids, server, meter)
            usage = meter.line()
            seconds = result["duration_us"] / 1e6
            bad = oversold(hot)
            print(
                f"clients={clients} ok_per_s={result['ok'] / seconds:.0f} {harness.latencies(result)} "
                f"rejected={result['rejected']} oversold={bad}"
                + (f" other={result['other']}" if result["other"] else "")
                + harness.socket_errors(result),
                flush=True,
            )
            print(usage, flush=True)
        # Race: demand far beyond a 200-place slot.
        prefix = work / "race"
        write_requests(prefix, "race", race.id, 4000, 2, creds, ids)
        result = run_wrk(base_url, 64, 3, [str(prefix), creds.api_key, "book"], server)
        from scenic_ops.ticketing.models import Bucket, Ticket

        connection.close()
        sold = Ticket.objects.filter(slot=race).count()
        bucket = Bucket.objects.get(kind="slot", slot=race)
        print(
            f"race clients=64 capacity=200 attempts={result['requests']} ok={result['ok']} tickets={sold} "
            f"bucket_used={bucket.used} rejected={result['rejected']} oversold={max(0, sold - 200) + oversold(race)}",
            flush=True,
        )
        # Remaining-inventory reads.
        read_file = work / "reads.txt"
        read_file.write_text(f"/api/v1/ticketing/availability?date={hot.date.isoformat()}\n")
        shown = requests.get(f"{base_url}/api/v1/ticketing/availability?date={hot.date.isoformat()}").json()
        slot_view = next(s for s in shown["slots"] if s["id"] == hot.id)
        hot_bucket = Bucket.objects.get(kind="slot", slot=hot)
        truth = hot_bucket.capacity - hot_bucket.used - hot_bucket.reserved
        print(f"# read check: shown remaining {slot_view['remaining']}, database says {truth}", flush=True)
        for clients in client_counts:
            meter.start()
            result = run_wrk(base_url, clients, duration, [str(read_file), creds.api_key, "read"], server)
            usage = meter.line()
            seconds = result["duration_us"] / 1e6
            print(
                f"read clients={clients} req_per_s={result['ok'] / seconds:.0f} {harness.latencies(result, (50, 99))}"
                + (f" errors={result['other']}" if result["other"] else ""),
                flush=True,
            )
            print(usage, flush=True)
        if not args.quick and args.rows:
            from scenic_ops.ticketing.models import Ticket as T

            first = T.objects.filter(slot=hot).first()
            took = fill_rows(args.rows, hot, first.product_id, first.category_id)
            print(f"# desk: inserted {args.rows} orders and {args.rows} tickets in {took:.0f}s", flush=True)
            timings = desk_timings(base_url, hot.date)
            print(
                f"desk rows={args.rows} " + " ".join(f"{k}_ms={v:.0f}" for k, v in timings.items()),
                flush=True,
            )
    finally:
        harness.stop(server, work, keep=args.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
