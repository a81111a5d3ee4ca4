"""Play gates against the API: `manage.py gate_simulator --url http://127.0.0.1:8000 --lanes s-in-1,s-in-2 --tickets 200`."""

from __future__ import annotations

import sys
from collections import Counter

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Simulate gate devices scanning tickets through the API, with an optional offline period and its upload. "
        "With --lanes, fresh device keys are issued for those lanes; with --tickets, tickets for today are booked."
    )

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="base URL of the scenic-ops server")
        parser.add_argument("--key", action="append", default=[], help="a gate device key (repeatable)")
        parser.add_argument("--lanes", default="", help="comma-separated lane codes: issue keys for their devices")
        parser.add_argument("--tickets", type=int, default=0, help="book this many tickets for today first")
        parser.add_argument("--product", default="", help="product code for --tickets (default: first admission)")
        parser.add_argument("--tokens", default="", help="a file of QR tokens, one per line")
        parser.add_argument("--id-cards", type=float, default=0.0, help="share of booked tickets scanned by ID card")
        parser.add_argument("--repeat", type=float, default=0.1, help="share of scans repeating a shown ticket")
        parser.add_argument("--forged", type=float, default=0.05, help="share of forged QR codes")
        parser.add_argument(
            "--offline",
            action="append",
            default=[],
            metavar="GATE:AFTER:COUNT",
            help="gate number (1-based) goes offline after AFTER scans for COUNT scans, then uploads",
        )
        parser.add_argument(
            "--rate", type=float, default=0.0, help="scans per second per gate (0 = as fast as possible)"
        )
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **o):
        from scenic_ops.access import simulator

        keys = list(o["key"])
        if o["lanes"]:
            keys += self._keys_for_lanes([c.strip() for c in o["lanes"].split(",") if c.strip()])
        if not keys:
            raise CommandError("give --key (device keys) or --lanes (lane codes on this site)")
        credentials: list[tuple[str, str]] = []
        if o["tokens"]:
            with open(o["tokens"], encoding="ascii") as handle:
                credentials += [("qr", line.strip()) for line in handle if line.strip()]
        if o["tickets"]:
            credentials += self._book(o["tickets"], o["product"], o["id_cards"], o["seed"])
        if not credentials:
            raise CommandError("nothing to scan: give --tickets or --tokens")
        offline = []
        for spec in o["offline"]:
            try:
                gate, after, count = (int(x) for x in spec.split(":"))
            except ValueError:
                raise CommandError(f"--offline {spec}: expected GATE:AFTER:COUNT") from None
            if not 1 <= gate <= len(keys):
                raise CommandError(f"--offline {spec}: there are {len(keys)} gates")
            offline.append(simulator.Offline(gate - 1, after, count))
        step = {"last": -1}

        def progress(done: int, total: int) -> None:
            tenth = done * 10 // total
            if tenth != step["last"]:
                step["last"] = tenth
                sys.stderr.write(f"\r[{'#' * tenth}{'.' * (10 - tenth)}] {done}/{total} scans")
                sys.stderr.flush()

        results = simulator.run(
            o["url"],
            keys,
            credentials,
            repeat=o["repeat"],
            forged=o["forged"],
            offline=offline,
            rate=o["rate"],
            seed=o["seed"],
            progress=progress,
        )
        sys.stderr.write("\n")
        total_online, total_offline = Counter(), Counter()
        for r in results:
            total_online.update(r.online)
            total_offline.update(r.offline)
            latencies = sorted(r.latencies_ms)
            p50 = latencies[len(latencies) // 2] if latencies else 0.0
            line = f"{r.name}: online {dict(r.online)} p50_ms={p50:.1f}"
            if r.offline:
                line += f" offline {dict(r.offline)} upload {r.upload}"
            if r.errors:
                line += f" errors {dict(r.errors)}"
            self.stdout.write(line)
        uploads = [r.upload for r in results if r.upload]
        self.stdout.write(
            f"total: admitted_online={total_online['admitted'] + total_online['readmitted']} "
            f"refused_online={sum(v for k, v in total_online.items() if k not in ('admitted', 'readmitted', 'exited'))} "
            f"offline_scans={sum(total_offline.values())} "
            f"offline_admitted={sum(u.get('admitted') or 0 for u in uploads)} "
            f"duplicates_flagged={sum(u.get('duplicates') or 0 for u in uploads)}"
        )

    def _keys_for_lanes(self, codes: list[str]) -> list[str]:
        from scenic_ops.access import services
        from scenic_ops.access.models import GateDevice, Lane

        keys = []
        for code in codes:
            lane = Lane.objects.filter(code=code).first()
            if lane is None:
                raise CommandError(f"no lane {code}")
            device = GateDevice.objects.filter(lane=lane, active=True).first()
            if device is None:
                device, secret = services.create_device(lane, f"sim-{code}", f"模拟闸机 {code}")
            else:
                secret = services.rotate_device_key(device)
            keys.append(secret)
        return keys

    def _book(self, count: int, product_code: str, id_share: float, seed: int) -> list[tuple[str, str]]:
        import datetime as dt
        import random

        from django.utils import timezone

        from scenic_ops.ticketing import catalog, idcard, selectors
        from scenic_ops.ticketing.services import BookingRequest, ItemIn, VisitorIn, book

        rng = random.Random(seed)
        cat = catalog.get()
        admissions = sorted(
            (p for p in cat.products.values() if p.kind == "admission" and p.active and not p.own_slots),
            key=lambda p: p.sort_order,
        )
        product = cat.product(product_code) if product_code else (admissions[0] if admissions else None)
        categories = sorted(
            (c for c in cat.categories.values() if c.active and not c.needs_document and not c.group_only),
            key=lambda c: c.sort_order,
        )
        category = categories[0] if categories else None
        if product is None or category is None:
            raise CommandError("no admission product or price category to book")
        now = timezone.now()
        slot = selectors.next_bookable_slot(now)
        if slot is None:
            raise CommandError("no time slot left today to book into")
        out = []
        born = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(15000))
        for n in range(count):
            number = idcard.make_number("320506", born + dt.timedelta(days=n // 900), 100 + n % 900)
            req = BookingRequest(
                slot_id=slot,
                items=[ItemIn(product.code, category.code, [VisitorIn(f"模拟游客{n}", "resident", number)])],
                channel="counter",
                confirm=True,
                payment_method="cash",
            )
            ticket = book(req).tickets[0]
            out.append(("id_card", number) if rng.random() < id_share else ("qr", ticket.token))
        return out
