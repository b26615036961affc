"""What a user waits for: ``cdk synth`` of N tuning jobs against N bare custom resources.

``synth_overhead.py`` times the app's own process after start-up. This script times the
whole command a user runs, ``node_modules/.bin/cdk synth``, for three apps: N
``TuningJob``s (``lib``), N plain ``CustomResource``s carrying the same Spec payload through
a trivial provider (``bare``, written with ``aws_cdk`` alone and importing nothing of the
library, see ``_bare_app.py``), and the library's app with no jobs (``empty``, t(0)). So the
library's overhead includes its import. Variants are interleaved in a shuffled order every
round; medians are reported.

    .venv/bin/python benchmarks/cdk_synth.py [--quick] [--rounds R] [--n N ...]

Prints, per N, the library's overhead (t_lib - t_bare) / t_lib (target at N=100: at most
10%) and, with two Ns, the linearity (t(N2) - t(0)) / (t(N1) - t(0)); both from the wall
time and from the CPU time of all the processes of a synth (the CLI, Python, jsii's Node),
which other load on a shared machine disturbs far less than wall time. ``paired overhead``
is the median of the ratios within each round.
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import median, offline_environment, spread, table, verdict
from synth_overhead import render_payload

REPO = Path(__file__).resolve().parent.parent
CDK = REPO / "node_modules" / ".bin" / "cdk"
APP = Path(__file__).resolve().parent / "_synth_app.py"


def synth_seconds(variant: str, n: int, payload_file: Path) -> tuple[float, float]:
    """Wall time and CPU time (user + system, of every child process) of one ``cdk synth``."""
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
            f"{sys.executable} {APP} {variant} {n} {payload_file}",
            "--output",
            out,
        ]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, cwd=REPO, env=env, check=True, capture_output=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


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
    # The bare app's Spec strings, rendered by the library once, here and untimed.
    work = Path(tempfile.mkdtemp(prefix="constructs-pkg-cdk-synth-payload-"))
    payload_file = work / "payload.json"
    payload_file.write_text(render_payload().to_json())
    synth_seconds("empty", 0, payload_file)  # warm the caches and the file system, untimed

    samples: dict[tuple[str, int], list[tuple[float, float]]] = {v: [] for v in variants}
    order = random.Random(args.seed)
    started = time.perf_counter()
    for round_number in range(rounds):
        shuffled = variants[:]
        order.shuffle(shuffled)
        for variant in shuffled:
            samples[variant].append(synth_seconds(variant[0], variant[1], payload_file))
        print(f"  round {round_number + 1}/{rounds} ({time.perf_counter() - started:.0f} s)")

    for index, clock in ((0, "wall time"), (1, "CPU time (user + system, all processes)")):

        def times(variant: str, n: int, index: int = index) -> list[float]:
            return [sample[index] for sample in samples[(variant, n)]]

        t0 = median(times("empty", 0))
        rows = [["N", "t_lib s", "t_bare s", "overhead", "paired overhead", "lib range"]]
        for n in ns:
            lib, bare = median(times("lib", n)), median(times("bare", n))
            paired = median(
                (a - b) / a for a, b in zip(times("lib", n), times("bare", n), strict=True)
            )
            rows.append(
                [
                    str(n),
                    f"{lib:.2f}",
                    f"{bare:.2f}",
                    f"{(lib - bare) / lib:+.1%}",
                    f"{paired:+.1%}",
                    spread(times("lib", n), 2),
                ]
            )
        print(f"\n== {clock}")
        print(f"t(0) (no jobs) median {t0:.2f} s")
        print(table(rows))
        if 100 in ns:
            lib, bare = median(times("lib", 100)), median(times("bare", 100))
            overhead = (lib - bare) / lib
            print(f"overhead at N=100: {overhead:+.1%}   target <= 10%: {verdict(overhead, 0.10)}")
        if len(ns) >= 2:
            low, high = ns[0], ns[-1]
            ratio = (median(times("lib", high)) - t0) / (median(times("lib", low)) - t0)
            print(f"linearity (t({high}) - t(0)) / (t({low}) - t(0)) = {ratio:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
