"""A gate simulator: plays one or many gate devices against the API, over HTTP, like real gates.

Each simulated gate downloads its signed whitelist at start (and checks the signature with
the public key from `/api/v1/ticketing/keys`), sends heartbeats, and scans credentials from a
shared queue. A gate can be told to go offline for a number of scans: it then decides
locally from its whitelist (signature check of the QR token, uses left, keyed ID hashes),
records the scans, and uploads them as one batch when it is back online; the server's
reconciliation report (admissions, flagged duplicates, rejected rows) is part of the summary.
Used by demos (`manage.py gate_simulator`), tests and as a smoke load.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import requests


@dataclass
class Offline:
    gate: int
    after: int  # scans made online first
    count: int  # scans made offline


@dataclass
class GateResult:
    name: str
    online: Counter = field(default_factory=Counter)
    offline: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    upload: dict[str, Any] | None = None
    latencies_ms: list[float] = field(default_factory=list)


class SimulatedGate:
    def __init__(self, name: str, base_url: str, key: str, public_key_b64: str, *, session=None) -> None:
        self.name = name
        self.url = base_url.rstrip("/")
        self.key = key
        self.http = session or requests.Session()
        self.http.headers.update({"X-Api-Key": key, "Content-Type": "application/json"})
        self.public_key_b64 = public_key_b64
        self.whitelist: dict[str, Any] = {}
        self.entries: dict[str, dict] = {}
        self.by_id_hash: dict[str, str] = {}
        self.version: int | None = None
        self.local_log: list[dict] = []
        self.result = GateResult(name)
        self.seq = 0

    # --- online ------------------------------------------------------------------------------
    def _clock(self) -> int:
        return int(time.time() * 1000)

    def heartbeat(self) -> dict:
        body = {"clock": self._clock(), "whitelist_version": self.version, "offline_queue": len(self.local_log)}
        return self.http.post(f"{self.url}/api/v1/access/heartbeat", data=json.dumps(body), timeout=10).json()

    def download_whitelist(self, day: dt.date | None = None) -> dict:
        from django.utils import timezone

        from scenic_ops.access import offline

        params = {"date": (day or timezone.localdate()).isoformat()}
        if self.version:
            params["since"] = str(self.version)
        response = self.http.get(f"{self.url}/api/v1/access/whitelist", params=params, timeout=30)
        response.raise_for_status()
        data = offline.verify(response.json(), self.public_key_b64)  # refuses a tampered list
        if data["full"]:
            self.entries = {}
        for entry in data["entries"]:
            self.entries[entry["c"]] = dict(entry)
        for code in data["removed"]:
            self.entries.pop(code, None)
        self.by_id_hash = {e["i"]: c for c, e in self.entries.items() if e.get("i")}
        self.whitelist = data
        self.version = data["version"]
        return data

    def scan(self, kind: str, value: str, direction: str = "in") -> dict:
        self.seq += 1
        body = {
            "type": kind,
            "value": value,
            "direction": direction,
            "clock": self._clock(),
            "scan_id": f"{self.name}-{self.seq}",
        }
        started = time.perf_counter()
        response = self.http.post(f"{self.url}/api/v1/access/scan", data=json.dumps(body), timeout=10)
        self.result.latencies_ms.append((time.perf_counter() - started) * 1000)
        data = response.json()
        if response.status_code != 200:
            self.result.errors[data.get("code", str(response.status_code))] += 1
            return data
        self.result.online[data["reason"]] += 1
        if data.get("admit") and data.get("ticket") in self.entries:
            self.entries[data["ticket"]]["u"] = max(0, self.entries[data["ticket"]].get("u", 1) - 1)
        return data

    # --- offline ------------------------------------------------------------------------------
    def decide_offline(self, kind: str, value: str, direction: str = "in") -> dict:
        """What the gate does alone: verify, look up its whitelist, admit while uses are left."""
        from scenic_ops.ticketing import tokens

        self.seq += 1
        code, reason = None, "unknown"
        if kind == "qr":
            try:
                claims = tokens.verify(value, key=tokens.load_public_key(self.public_key_b64))
                code = claims.code
            except tokens.InvalidToken as exc:
                reason = "malformed" if str(exc).startswith("malformed") else "forged"
        elif kind == "id_card" and self.whitelist.get("id_key"):
            from scenic_ops.access import offline

            key = base64.urlsafe_b64decode(self.whitelist["id_key"] + "=" * (-len(self.whitelist["id_key"]) % 4))
            code = self.by_id_hash.get(offline.offline_hash(key, "id", value))
        entry = self.entries.get(code) if code else None
        if code and entry is None:
            reason = "unknown"
        admit = False
        if entry is not None:
            if direction == "out":
                admit, reason = True, "exited"
            elif entry.get("u", 0) > 0:
                entry["u"] -= 1
                admit, reason = True, "admitted"
            else:
                reason = "used"
        row = {
            "id": f"{self.name}-{self.seq}",
            "at": dt.datetime.now(dt.UTC).isoformat(),
            "direction": direction,
            "type": kind,
            "value": value,
            "result": "admitted" if admit else "denied",
            "reason": reason,
        }
        self.local_log.append(row)
        self.result.offline[reason] += 1
        return row

    def upload(self) -> dict:
        if not self.local_log:
            return {}
        body = {"batch": f"{self.name}-{uuid.uuid4().hex[:12]}", "rows": self.local_log}
        response = self.http.post(f"{self.url}/api/v1/access/offline-uploads", data=json.dumps(body), timeout=60)
        report = response.json()
        if response.status_code == 200:
            self.local_log = []
        self.result.upload = {k: report.get(k) for k in ("admitted", "duplicates", "conflicts", "applied", "rejected")}
        return report


def public_key(base_url: str) -> str:
    """The site's ticket-signing public key (raw, base64), as a gate fetches it once and keeps it."""
    return requests.get(f"{base_url.rstrip('/')}/api/v1/ticketing/keys", timeout=10).json()["public_key"]


def forge(token: str) -> str:
    head, signature = token.rsplit(".", 1)
    return f"{head}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"


def run(
    base_url: str,
    keys: list[str],
    credentials: list[tuple[str, str]],
    *,
    repeat: float = 0.0,
    forged: float = 0.0,
    offline: list[Offline] | None = None,
    rate: float = 0.0,
    seed: int = 1,
    progress=None,
) -> list[GateResult]:
    """Play len(keys) gates, in parallel threads, over the credentials (kind, value); returns their results."""
    rng = random.Random(seed)
    pub = public_key(base_url)
    gates = [SimulatedGate(f"g{i + 1}", base_url, key, pub) for i, key in enumerate(keys)]
    for gate in gates:
        gate.heartbeat()
        gate.download_whitelist()
    plan: list[tuple[str, str]] = []
    shown: list[tuple[str, str]] = []
    for kind, value in credentials:
        roll = rng.random()
        if kind == "qr" and roll < forged:
            plan.append(("qr", forge(value)))
        if shown and roll > 1 - repeat:
            plan.append(shown[rng.randrange(len(shown))])
        plan.append((kind, value))
        shown.append((kind, value))
    lock = threading.Lock()
    cursor = {"next": 0, "done": 0}
    offline_by_gate = {o.gate: o for o in offline or []}

    def take():
        with lock:
            if cursor["next"] >= len(plan):
                return None
            item = plan[cursor["next"]]
            cursor["next"] += 1
            return item

    def play(index: int, gate: SimulatedGate):
        made = 0
        spec = offline_by_gate.get(index)
        while True:
            item = take()
            if item is None:
                break
            if spec and spec.after <= made < spec.after + spec.count:
                gate.decide_offline(*item)
            else:
                if spec and made == spec.after + spec.count and gate.local_log:
                    gate.upload()  # back online: send what was decided alone
                gate.scan(*item)
            made += 1
            with lock:
                cursor["done"] += 1
                if progress:
                    progress(cursor["done"], len(plan))
            if rate:
                time.sleep(1 / rate)
        if gate.local_log:
            gate.upload()
        gate.heartbeat()

    threads = [threading.Thread(target=play, args=(i, g), daemon=True) for i, g in enumerate(gates)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [g.result for g in gates]
