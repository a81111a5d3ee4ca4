#!/usr/bin/env python
"""Two versions of scenic-ops, benchmarked in the same run (not a test).

    .venv/bin/python bench/compare.py                    # this tree against BASELINE, 3 rounds
    .venv/bin/python bench/compare.py --baseline <ref> --rounds 5

A machine's speed drifts (other work, CPU stolen by the hypervisor), so figures measured on
different days cannot be compared. This script checks out `--baseline` in a temporary git work
tree (sharing this tree's .venv and node_modules), then alternates, round after round:
the calibration line (bench/calibrate.py: a bare Django view doing one conditional UPDATE),
`bench/booking.py --quick` and `bench/gates.py --quick` of the baseline, then of this tree.
It prints every round's figures, each divided by the calibration measured just before it, and at
the end the median of each figure for both versions and the change in percent.

BASELINE is the last commit before the restructuring of issue 11 (one door per domain, one path
per hot operation): the figures that must not drop by more than 5 %.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import harness

BASELINE = "d08d84e"
FIGURES = {
    # (script, regular expression on its output) -> name
    "booking_1": ("booking", r"^clients=1 ok_per_s=(\d+)"),
    "booking_64": ("booking", r"^clients=64 ok_per_s=(\d+)"),
    "read_64": ("booking", r"^read clients=64 req_per_s=(\d+)"),
    "scans_1": ("gates", r"^clients=1 scans_per_s=(\d+)"),
    "scans_64": ("gates", r"^clients=64 scans_per_s=(\d+)"),
}
# The CPU the server side spent per request in a phase (gunicorn + MariaDB + Redis, from the "# cpu:"
# line each phase prints): independent of how busy the rest of the machine was.
CPU = re.compile(r"gunicorn (\d+)%, wrk \d+%, MariaDB (\d+)% \(shared\), Redis (\d+)%")
CHECKS = {
    "oversold": r"oversold=(\d+)",
    "double_admits": r"double_admits=(\d+)",
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default=BASELINE, help=f"git ref to compare with (default {BASELINE})")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=6, help="seconds per benchmark phase")
    return parser.parse_args()


def checkout(ref: str) -> Path:
    tree = Path(tempfile.mkdtemp(prefix="scenic-baseline-"))
    tree.rmdir()
    subprocess.run(["git", "worktree", "add", "--detach", str(tree), ref], cwd=harness.ROOT, check=True)
    for shared in (".venv", "node_modules"):
        (tree / shared).symlink_to(harness.ROOT / shared)
    for secrets in (harness.ROOT / "sites").glob("*/secrets.local.toml"):
        shutil.copy(secrets, tree / "sites" / secrets.parent.name / secrets.name)
    return tree


def run(tree: Path, script: str, duration: int) -> str:
    command = [str(harness.ROOT / ".venv" / "bin" / "python"), str(tree / "bench" / f"{script}.py"), "--quick"]
    command += ["--duration", str(duration)]
    if script == "gates":
        command.append("--no-calibrate")
    result = subprocess.run(command, cwd=tree, capture_output=True, text=True, timeout=1800)
    if result.returncode != 0:
        raise SystemExit(f"{tree.name} bench/{script}.py failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
    return result.stdout


def calibration() -> float:
    """Bare-view requests/s at 64 clients, now."""
    import calibrate

    from scenic_ops.conf import load_site

    site = load_site()
    bench_db = f"{site.get('database', 'name')}_bench"
    harness.recreate_database(site, bench_db)
    work = Path(tempfile.mkdtemp(prefix="scenic-cal-"))
    try:
        return calibrate.measure(site, bench_db, port=harness.free_port(), workdir=work, duration=4)[64]
    finally:
        shutil.rmtree(work, ignore_errors=True)


def figures(output: str, script: str) -> dict[str, float]:
    found = {}
    lines = output.splitlines()
    for name, (owner, pattern) in FIGURES.items():
        if owner != script:
            continue
        for index, line in enumerate(lines):
            match = re.search(pattern, line)
            if not match:
                continue
            found[name] = per_second = float(match.group(1))
            usage = next((CPU.search(x) for x in lines[index + 1 : index + 4] if CPU.search(x)), None)
            if usage and per_second:
                share = sum(int(g) for g in usage.groups()) / 100 * (os.cpu_count() or 1)
                found[f"{name}_cpu_us"] = share / per_second * 1e6
            break
    for name, pattern in CHECKS.items():
        values = [int(v) for v in re.findall(pattern, output)]
        if values:
            found[name] = max(values)
    return found


def main() -> int:
    args = parse_args()
    if not harness.require_wrk():
        return 2
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=harness.ROOT, capture_output=True, text=True)
    base_tree = checkout(args.baseline)
    trees = {f"baseline {args.baseline}": base_tree, f"this tree {head.stdout.strip()}": harness.ROOT}
    normalised: dict[str, dict[str, list[float]]] = {label: {} for label in trees}
    try:
        print(f"# {os.cpu_count()} CPUs; {args.rounds} rounds; figures ÷ bare-view req/s at 64 clients", flush=True)
        for number in range(1, args.rounds + 1):
            for label, tree in trees.items():
                for script in ("booking", "gates"):
                    bare = calibration()
                    found = figures(run(tree, script, args.duration), script)
                    shown = " ".join(f"{k}={v:.0f}" for k, v in found.items())
                    print(f"round={number} version='{label}' bench={script} calibration_64={bare:.0f} {shown}")
                    for name, value in found.items():
                        if name in FIGURES:
                            normalised[label].setdefault(name, []).append(value / bare)
                        elif name.endswith("_cpu_us"):
                            normalised[label].setdefault(name, []).append(value)
                        elif value:
                            print(f"!! {label}: {name}={value:.0f}", flush=True)
                    sys.stdout.flush()
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(base_tree)], cwd=harness.ROOT, check=False)
    (base_label, base), (head_label, now) = normalised.items()
    print(f"# medians of figure ÷ calibration; change of '{head_label}' against '{base_label}'")
    worst = 0.0
    for name in FIGURES:
        if name not in base or name not in now:
            continue
        before, after = statistics.median(base[name]), statistics.median(now[name])
        change = (after - before) / before * 100
        worst = min(worst, change)
        print(f"{name} baseline={before:.3f} now={after:.3f} change={change:+.1f}%")
    print(f"worst_change={worst:+.1f}% (the issue allows -5 %)")
    print("# medians of the server side's CPU per request (µs: gunicorn + MariaDB + Redis), lower is better")
    for name in FIGURES:
        key = f"{name}_cpu_us"
        if key in base and key in now:
            before, after = statistics.median(base[key]), statistics.median(now[key])
            print(f"{key} baseline={before:.0f} now={after:.0f} change={(after - before) / before * 100:+.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
