"""Fuzz every reader (and cleaning and the pipeline) with many generated inputs; count crashes.

    python benchmarks/fuzz_readers.py [--examples 10000] [--only text html ...] [--seed 0]

Uses the strategies and checks of tests/fuzz_inputs.py (the same ones the CI profile of
tests/test_fuzz.py runs with 40 inputs). Each reader runs in its own child process, so its
memory figure is its own: ``rss_start_mb`` after imports and one warm-up input,
``rss_peak_mb`` the child's peak (``ru_maxrss``). A crash is any exception other than the
reader's documented outcomes, or a broken invariant (an AssertionError of the check); the
first few are printed with the input that caused them. ``worst_ms`` is the slowest single
input (``worst_input_bytes`` its size), lazy model loading included; ``worst_ms_warm`` the
slowest after the first 100 inputs.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


# Lazy loads (language model, date parser, trafilatura's metadata) happen on the first input
# that reaches them, which may be any of the first few: worst_ms_warm skips these inputs.
WARM_AFTER = 100


def _size(data: object) -> int:
    if isinstance(data, (bytes, str)):
        return len(data)
    if isinstance(data, list):
        return sum(_size(x) for x in data)
    return len(json.dumps(data, default=str))


def run_one(name: str, examples: int, seed: int) -> dict:
    import logging
    import warnings

    from fuzz_inputs import TARGETS
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hseed

    warnings.simplefilter("ignore")
    logging.disable(logging.CRITICAL)
    target = TARGETS[name]
    stats = {"reader": name, "examples": 0, "crashes": 0, "worst_ms": 0.0,
             "worst_input_bytes": 0, "total_s": 0.0, "crash_samples": []}

    @hseed(seed)
    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(target.strategy)
    def fuzz(data: object) -> None:
        start = time.perf_counter()
        try:
            target.check(data)
        except Exception as exc:  # noqa: BLE001 - counting crashes is the point
            stats["crashes"] += 1
            if len(stats["crash_samples"]) < 5:
                stats["crash_samples"].append({
                    "error": f"{exc.__class__.__name__}: {exc}"[:300],
                    "input": repr(data)[:300],
                    "where": traceback.format_exc().strip().splitlines()[-3][:200],
                })
        elapsed = time.perf_counter() - start
        stats["examples"] += 1
        stats["total_s"] += elapsed
        if stats["examples"] > WARM_AFTER:
            stats["worst_ms_warm"] = max(stats.get("worst_ms_warm", 0.0), elapsed * 1000)
        if elapsed * 1000 > stats["worst_ms"]:
            stats["worst_ms"] = elapsed * 1000
            stats["worst_input_bytes"] = _size(data)
            stats["worst_input"] = repr(data)[:200]

    @settings(max_examples=3, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(target.strategy)
    def warm(data: object) -> None:
        """Imports and model loading happen here, outside the figures."""
        try:
            target.check(data)
        except Exception:  # noqa: BLE001, S110 - warm-up only; the real run counts crashes
            pass

    warm()
    rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    wall = time.perf_counter()
    fuzz()
    stats["wall_s"] = round(time.perf_counter() - wall, 1)
    stats["rss_start_mb"] = round(rss_start, 1)
    stats["rss_peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    stats["worst_ms"] = round(stats["worst_ms"], 1)
    stats["worst_ms_warm"] = round(stats.get("worst_ms_warm", 0.0), 1)
    stats["mean_ms"] = round(1000 * stats["total_s"] / max(1, stats["examples"]), 2)
    stats["total_s"] = round(stats["total_s"], 1)
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=10_000, help="inputs per reader")
    parser.add_argument("--only", nargs="*", default=None, help="readers to run (default all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)  # child mode
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one, args.examples, args.seed)), flush=True)
        return 0
    from fuzz_inputs import TARGETS

    names = args.only or list(TARGETS)
    results = []
    for name in names:
        done = subprocess.run(
            [sys.executable, __file__, "--one", name, "--examples", str(args.examples),
             "--seed", str(args.seed)],
            capture_output=True, text=True, check=False, cwd=ROOT,
        )
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if done.returncode != 0 or not lines:
            # The child itself died (a crash the check could not catch: recursion, OOM, abort).
            result = {"reader": name, "child_rc": done.returncode, "crashes": "child died",
                      "stderr": done.stderr[-800:]}
        else:
            result = json.loads(lines[-1])
        results.append(result)
        print(json.dumps(result), flush=True)
    print("\nreader      inputs  crashes  mean ms  worst ms  worst ms after 100  "
          "RSS start/peak MB")
    for r in results:
        if "examples" in r:
            print(f"{r['reader']:<10} {r['examples']:>7} {r['crashes']:>8} {r['mean_ms']:>8} "
                  f"{r['worst_ms']:>9} {r['worst_ms_warm']:>19}  "
                  f"{r['rss_start_mb']}/{r['rss_peak_mb']}")
        else:
            print(f"{r['reader']:<10} child died (rc {r.get('child_rc')})")
    return 1 if any(r.get("crashes") for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
