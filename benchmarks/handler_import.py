"""Cold import of the Lambda handler against ``import boto3``, each in a fresh interpreter.

Every sample is a new ``python`` process (no jsii here, so a process per sample is cheap)
that times one import statement with ``time.perf_counter`` and reports it, together with
what the import left in ``sys.modules``. The variants run interleaved (a shuffled order in
every round); medians over the rounds:

* ``boto3``: ``import boto3``, the baseline every Python Lambda pays for on first use;
* ``handler``: ``import constructs_pkg.runtime.handler``;
* ``handler+boto3``: the handler, then ``import boto3`` in the same statement: what the
  Lambda has paid for when the first event creates its clients (the handler imports
  boto3 lazily, on the first event);
* ``asset+boto3``: the same, but the handler comes from a copy of the Lambda asset
  (``constructs_pkg.cdk.asset.handler_asset_dir()``: ``constructs_pkg/__init__.py``,
  ``core/``, ``runtime/``) with no ``__pycache__`` and ``PYTHONDONTWRITEBYTECODE=1``, so
  its modules are compiled from source on every import, as on a Lambda cold start (the
  function's code directory is read-only and ships no byte-code).

The first three use the byte-code already cached in the tree and the venv.

The parent also takes the wall clock of each whole process (interpreter start-up and exit
included). Printed: medians, the ratios to ``boto3`` (target <= 1.3), and per variant
whether ``boto3``, ``botocore``, ``aws_cdk``, ``jsii`` or ``constructs`` were imported.
The script fails if the handler import brings in ``aws_cdk`` (or jsii/constructs).

    .venv/bin/python benchmarks/handler_import.py [--quick] [--runs R]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO_ROOT, median, offline_environment, spread, table, verdict

RATIO_TARGET = 1.3
FORBIDDEN = ("aws_cdk", "jsii", "constructs")
WATCHED = ("boto3", "botocore", *FORBIDDEN)

VARIANTS = {
    "boto3": "import boto3",
    "handler": "import constructs_pkg.runtime.handler",
    "handler+boto3": "import constructs_pkg.runtime.handler, boto3",
    "asset+boto3": "import constructs_pkg.runtime.handler, boto3",
}
FROM_ASSET = frozenset({"asset+boto3"})

PROBE = """
import json, sys, time
sys.path[:0] = {path!r}
start = time.perf_counter()
{statement}
elapsed = time.perf_counter() - start
top = {{name.partition(".")[0] for name in sys.modules}}
package = sys.modules.get("constructs_pkg")
print(json.dumps({{"seconds": elapsed, "loaded": sorted(n for n in {watched!r} if n in top),
                  "modules": len(sys.modules),
                  "origin": getattr(package, "__file__", None)}}))
"""


@dataclass(frozen=True)
class Setup:
    env: dict[str, str]
    """Environment of the probes that use the tree's (cached) byte-code."""
    asset_env: dict[str, str]
    """Environment of the probes that import the handler from the asset copy."""
    asset_dir: str


def run_once(variant: str, setup: Setup) -> tuple[float, float, dict[str, object]]:
    """(import seconds, whole-process seconds, report) of one fresh interpreter."""
    from_asset = variant in FROM_ASSET
    code = PROBE.format(
        statement=VARIANTS[variant],
        watched=WATCHED,
        path=[setup.asset_dir] if from_asset else [],
    )
    start = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-c", code],
        cwd=setup.asset_dir if from_asset else REPO_ROOT,
        env=setup.asset_env if from_asset else setup.env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    if completed.returncode != 0:
        raise SystemExit(f"{variant}: the probe failed:\n{completed.stderr}")
    report: dict[str, object] = json.loads(completed.stdout.strip().splitlines()[-1])
    origin = str(report["origin"] or "")
    if from_asset != origin.startswith(setup.asset_dir):
        raise SystemExit(f"{variant}: constructs_pkg was imported from {origin}")
    return float(report["seconds"]), wall, report  # type: ignore[arg-type]


def copy_asset(target: Path) -> str:
    """A copy of the Lambda asset without byte-code; returns its directory."""
    from constructs_pkg.cdk.asset import handler_asset_dir  # no aws_cdk import

    shutil.copytree(
        handler_asset_dir(), target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    return str(target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="8 runs per variant")
    parser.add_argument("--runs", type=int, help="runs per variant (default 21)")
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args(argv)
    runs = args.runs or (8 if args.quick else 21)
    with tempfile.TemporaryDirectory(prefix="constructs-pkg-import-bench-") as temp:
        env = offline_environment()
        # Byte-code may be written by the warm-up; every timed run then reads it.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        asset_env = {**env, "PYTHONDONTWRITEBYTECODE": "1"}
        setup = Setup(env=env, asset_env=asset_env, asset_dir=copy_asset(Path(temp, "asset")))
        return measure(setup, runs, args.seed)


def measure(setup: Setup, runs: int, seed: int) -> int:
    print(f"handler import: {runs} fresh interpreters per variant, interleaved ({sys.executable})")
    for variant in VARIANTS:  # warm-up, untimed: byte-code and the OS page cache
        run_once(variant, setup)

    imports: dict[str, list[float]] = {v: [] for v in VARIANTS}
    walls: dict[str, list[float]] = {v: [] for v in VARIANTS}
    loaded: dict[str, set[str]] = {v: set() for v in VARIANTS}
    modules: dict[str, int] = {}
    started = time.perf_counter()
    for round_index in range(runs):
        order = list(VARIANTS)
        random.Random(seed + round_index).shuffle(order)
        for variant in order:
            seconds, wall, report = run_once(variant, setup)
            imports[variant].append(seconds)
            walls[variant].append(wall)
            loaded[variant].update(report["loaded"])  # type: ignore[arg-type]
            modules[variant] = int(report["modules"])  # type: ignore[call-overload]
    print(f"done in {time.perf_counter() - started:.1f} s\n")

    base_import, base_wall = median(imports["boto3"]), median(walls["boto3"])
    rows = [
        [
            "variant",
            "import ms (med)",
            "import range ms",
            "x boto3",
            "process ms (med)",
            "x boto3",
            "modules",
            "top-level packages loaded",
        ]
    ]
    for variant in VARIANTS:
        imp, wall = median(imports[variant]), median(walls[variant])
        rows.append(
            [
                variant,
                f"{imp * 1000:.1f}",
                spread([s * 1000 for s in imports[variant]], digits=1),
                f"{imp / base_import:.2f}",
                f"{wall * 1000:.1f}",
                f"{wall / base_wall:.2f}",
                str(modules[variant]),
                ", ".join(sorted(loaded[variant])) or "-",
            ]
        )
    print(table(rows))

    handler_loaded = loaded["handler"]
    print(f"\naws_cdk in sys.modules after the handler import: {'aws_cdk' in handler_loaded}")
    print(f"boto3 in sys.modules after the handler import: {'boto3' in handler_loaded}")
    for variant in ("handler", "handler+boto3", "asset+boto3"):
        ratio = median(imports[variant]) / base_import
        print(
            f"ratio {variant} / boto3 (import time): {ratio:.2f}   "
            f"target <= {RATIO_TARGET}: {verdict(ratio, RATIO_TARGET)}"
        )
    bad = [name for name in FORBIDDEN if name in handler_loaded]
    if bad:
        print(f"FAIL: the handler import loaded {', '.join(bad)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
