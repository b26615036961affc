"""What a user waits for: ``cdk synth`` of N tuning jobs against N bare custom resources.

``synth_overhead.py`` times the app's own process after start-up. This script times the
whole command a user runs, ``node_modules/.bin/cdk synth``, for three apps built by the
same code: N ``TuningJob``s (``lib``), N plain ``CustomResource``s carrying the same Spec
payload through a trivial provider (``bare``), and no jobs (``empty``, t(0)). Variants are
interleaved in a shuffled order every round; medians are reported.

    .venv/bin/python benchmarks/cdk_synth.py [--quick] [--rounds R] [--n N ...]

Prints, per N, the library's overhead (t_lib - t_bare) / t_lib (target at N=100: at most
10%) and, with two Ns, the linearity (t(N2) - t(0)) / (t(N1) - t(0)).
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import median, offline_environment, spread, table, verdict

REPO = Path(__file__).resolve().parent.parent
CDK = REPO / "node_modules" / ".bin" / "cdk"
APP = Path(__file__).resolve().parent / "_synth_app.py"


def synth_seconds(variant: str, n: int) -> float:
    env = offline_environment()
    env.update(
        CDK_DISABLE_VERSION_CHECK="1",
        CDK_DISABLE_CLI_TELEMETRY="true",
        JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
        JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION="1",
    )
    with tempfile.TemporaryDirectory(prefix="constructs-pkg-cdk-synth-") as out:
        command = [
            str(CDK),
            "synth",
            "--quiet",
            "--no-notices",
            "--no-version-reporting",
            "--no-lookups",
            "--app",
            f"{sys.executable} {APP} {variant} {n}",
            "--output",
            out,
        ]
        start = time.perf_counter()
        subprocess.run(command, cwd=REPO, env=env, check=True, capture_output=True)
        return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N = 100 only, 3 rounds")
    parser.add_argument("--rounds", type=int, help="samples per variant and N")
    parser.add_argument("--n", type=int, nargs="+", help="job counts (default 100 300)")
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args(argv)
    if not CDK.exists():
        print("node_modules/.bin/cdk is missing: run `make node_modules` first", file=sys.stderr)
        return 2

    ns = args.n or ([100] if args.quick else [100, 300])
    rounds = args.rounds or (3 if args.quick else 5)
    variants = [("empty", 0)] + [(v, n) for n in ns for v in ("lib", "bare")]
    print(f"cdk synth wall time: N = {ns}, {rounds} rounds, variants interleaved")
    synth_seconds("empty", 0)  # warm the jsii cache and the file system first, untimed

    samples: dict[tuple[str, int], list[float]] = {v: [] for v in variants}
    order = random.Random(args.seed)
    started = time.perf_counter()
    for round_number in range(rounds):
        shuffled = variants[:]
        order.shuffle(shuffled)
        for variant in shuffled:
            samples[variant].append(synth_seconds(*variant))
        print(f"  round {round_number + 1}/{rounds} ({time.perf_counter() - started:.0f} s)")

    t0 = median(samples[("empty", 0)])
    rows = [["N", "t_lib s", "t_bare s", "overhead", "lib range"]]
    for n in ns:
        lib, bare = median(samples[("lib", n)]), median(samples[("bare", n)])
        overhead = (lib - bare) / lib
        rows.append(
            [
                str(n),
                f"{lib:.2f}",
                f"{bare:.2f}",
                f"{overhead:+.1%}",
                spread(samples[("lib", n)], 2),
            ]
        )
    print(f"t(0) (no jobs) median {t0:.2f} s")
    print(table(rows))
    if 100 in ns:
        lib, bare = median(samples[("lib", 100)]), median(samples[("bare", 100)])
        overhead = (lib - bare) / lib
        print(f"overhead at N=100: {overhead:+.1%}   target <= 10%: {verdict(overhead, 0.10)}")
    if len(ns) >= 2:
        low, high = ns[0], ns[-1]
        ratio = (median(samples[("lib", high)]) - t0) / (median(samples[("lib", low)]) - t0)
        print(f"linearity (t({high}) - t(0)) / (t({low}) - t(0)) = {ratio:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
