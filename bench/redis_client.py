"""Redis clients on the hot paths: the project's lean RESP client against redis-py (with hiredis).

The booking and remaining-places paths run two Lua scripts per request (announce pending places,
read the view). This benchmark runs those calls — EVALSHA with the same keys and arguments —
through `ticketing.fastredis.FastScript`, redis-py with its pure-Python parser, and redis-py with
hiredis (when installed), interleaved in the same run, and prints calls/s with p50/p99 and the CPU
time per call of this process. The lean client stays only if it wins by more than 10 %.

    .venv/bin/python bench/redis_client.py [--calls 20000] [--threads 1,8] [--url redis://127.0.0.1:6379/14]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "apps"))

import redis  # noqa: E402
from redis._parsers import _HiredisParser, _RESP2Parser  # noqa: E402
from redis.utils import HIREDIS_AVAILABLE  # noqa: E402

from scenic_ops.ticketing.fastredis import FastScript  # noqa: E402

# The shapes of the two hot scripts: pend (a guard plus HINCRBY per bucket) and read (a joined string).
PEND = """
for i = 1, #ARGV, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('EXPIRE', KEYS[1], 70)
return 1
"""
READ = """
local out = {}
local state = redis.call('HGETALL', KEYS[1])
for i = 1, #state, 2 do out[#out + 1] = state[i] .. ':' .. state[i + 1] end
return table.concat(out, ';')
"""


def _clients(url: str) -> dict[str, tuple]:
    out = {}

    def redis_py(parser):
        pool = redis.ConnectionPool.from_url(url, parser_class=parser, max_connections=64)
        client = redis.Redis(connection_pool=pool)
        return client.register_script(PEND), client.register_script(READ)

    plain = redis_py(_RESP2Parser)
    out["fastredis"] = (FastScript(url, PEND, plain[0]), FastScript(url, READ, plain[1]))
    out["redis-py"] = plain
    if HIREDIS_AVAILABLE:
        out["redis-py+hiredis"] = redis_py(_HiredisParser)
    return out


def _prepare(url: str) -> None:
    client = redis.Redis.from_url(url)
    client.delete("bench:rc:state", "bench:rc:pend")
    client.hset("bench:rc:state", mapping={str(1000 + i): f"{i}:500:{i}:0:0" for i in range(40)})


def _run(script, keys, args, calls: int, threads: int) -> dict[str, float]:
    latencies: list[list[float]] = [[] for _ in range(threads)]
    per_thread = calls // threads

    def work(slot: int) -> None:
        mine = latencies[slot]
        for _ in range(per_thread):
            start = time.perf_counter()
            script(keys=keys, args=args)
            mine.append(time.perf_counter() - start)

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    flat = sorted(x for row in latencies for x in row)
    done = len(flat)
    return {
        "calls_per_s": done / wall,
        "p50_us": statistics.median(flat) * 1e6,
        "p99_us": flat[int(done * 0.99) - 1] * 1e6,
        "cpu_us_per_call": cpu / done * 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--threads", default="1,8")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the median round is printed")
    opts = parser.parse_args()
    _prepare(opts.url)
    clients = _clients(opts.url)
    pend_args = [b for i in range(3) for b in (1000 + i, 1)]
    cases = {"pend": (["bench:rc:pend"], pend_args), "read": (["bench:rc:state"], [])}
    if not HIREDIS_AVAILABLE:
        print("hiredis is not installed: pip install hiredis to compare it too")
    for threads in [int(t) for t in opts.threads.split(",")]:
        for case, (keys, args) in cases.items():
            results: dict[str, list[dict]] = {name: [] for name in clients}
            for _round in range(opts.rounds):
                for name, (pend, read) in clients.items():  # interleaved: the machine's state is shared
                    script = pend if case == "pend" else read
                    script(keys=keys, args=args)  # load the script, open the connection
                    results[name].append(_run(script, keys, args, opts.calls, threads))
            base = None
            for name, runs in results.items():
                runs.sort(key=lambda r: r["calls_per_s"])
                mid = runs[len(runs) // 2]
                base = base or mid
                gain = mid["cpu_us_per_call"] / base["cpu_us_per_call"]
                print(
                    f"case={case} threads={threads} client={name} calls_per_s={mid['calls_per_s']:.0f} "
                    f"p50_us={mid['p50_us']:.0f} p99_us={mid['p99_us']:.0f} "
                    f"cpu_us_per_call={mid['cpu_us_per_call']:.1f} cpu_vs_fastredis={gain:.2f}"
                )


if __name__ == "__main__":
    main()
