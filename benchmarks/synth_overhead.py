"""Synth cost of N ``TuningJob``s against N bare ``CustomResource``s carrying the same Spec.

Everything runs in ONE Python process (jsii starts a Node process once, ~3 s; never per
sample). Each sample builds a fresh ``App`` in a fresh output directory and times two
phases separately:

* **build**: ``App()`` + ``Stack()`` + the N constructs. For ``TuningJob`` this is where
  the library does its work: the definition and warm-start rules, the Spec, IAM grants.
* **synth**: ``app.synth()`` (resolve, validate, write the cloud assembly).

Variants, interleaved in a shuffled order inside every round:

* ``lib``: N/2 parents and N/2 warm-start children (``parent.derive(...)``), so the
  definition rules and the warm-start rules run for every child.
* ``bare``: the same app shape written with plain CDK: one shared ``custom_resources.Provider``
  with a trivial inline Lambda, and N ``CustomResource``s of type
  ``Custom::SageMakerTuningJob`` whose properties carry the same Spec JSON (pre-rendered
  outside the timed region; a child's Spec and ``Parents`` refer to its parent's ``Ref``,
  as the library's do).
* ``empty``: the same App and Stack with no jobs: t(0). Every variant's stack also holds one
  placeholder ``AWS::CloudFormation::WaitConditionHandle``, so the empty template is valid.

Printed per N: median t_lib and t_bare, the library overhead (t_lib - t_bare) / t_lib, and
the linearity ratio (t(N3) - t(0)) / (t(N2) - t(0)) for both apps (3.0 is linear).
Targets (printed, not asserted): overhead <= 10 % at N=100; linearity <= 3.3.

    .venv/bin/python benchmarks/synth_overhead.py [--quick] [--repeats R]
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    ensure_repo_on_path,
    go_offline,
    median,
    spread,
    table,
    verdict,
)

go_offline()
ensure_repo_on_path()

import aws_cdk as cdk  # noqa: E402
from _bare_app import RESOURCE_TYPE as BARE_RESOURCE_TYPE  # noqa: E402
from _bare_app import Payload, build_bare_app, new_app  # noqa: E402

from constructs_pkg import (  # noqa: E402
    Channel,
    ContinuousRange,
    Objective,
    TrainingDefinition,
    TuningJob,
    WarmStartType,
)
from constructs_pkg.cdk.tuning_job import RESOURCE_TYPE  # noqa: E402
from constructs_pkg.core.model import (  # noqa: E402
    TuningJobDefinition,
    WarmStartConfig,
    canonical_json,
    definition_hash,
    definition_spec,
)

if BARE_RESOURCE_TYPE != RESOURCE_TYPE:
    raise SystemExit("benchmarks/_bare_app.py must use the library's resource type")

FULL_SIZES = (10, 100, 300)
QUICK_SIZES = (10, 50, 150)
OVERHEAD_TARGET = 0.10
LINEARITY_TARGET = 3.3
ROLE_ARN = "arn:aws:iam::123456789012:role/sagemaker-training"
PARENT_PLACEHOLDER = "@@PARENT-JOB-NAME@@"

TRAINING = TrainingDefinition(
    image_uri="811284229777.dkr.ecr.us-east-1.amazonaws.com/image-classification:1",
    role=ROLE_ARN,
    inputs=(
        Channel("train", "s3://bench-data/caltech-256/train/"),
        Channel("validation", "s3://bench-data/caltech-256/validation/"),
    ),
    output_path="s3://bench-artifacts/tuning",
    instance_type="ml.p3.2xlarge",
    max_runtime_seconds=6 * 3600,
    static_hyperparameters={"num_layers": 18, "epochs": 30, "optimizer": "sgd"},
)
OBJECTIVE = Objective.maximize("validation:accuracy")
PARENT_RANGES = {
    "learning_rate": ContinuousRange(0.0, 0.1),
    "momentum": ContinuousRange(0.0, 0.99),
}
CHILD_RANGES = {
    "learning_rate": ContinuousRange(0.0001, 0.05),
    "momentum": ContinuousRange(0.5, 0.99),
}
PARENT_MAX_JOBS, CHILD_MAX_JOBS, MAX_PARALLEL_JOBS = 10, 20, 2


# --------------------------------------------------------------------------- the apps


def build_library_app(outdir: str, n: int) -> cdk.App:
    app, stack = new_app(outdir)
    for i in range(n // 2):
        parent = TuningJob(
            stack,
            f"Parent{i}",
            training=TRAINING,
            objective=OBJECTIVE,
            ranges=PARENT_RANGES,
            max_jobs=PARENT_MAX_JOBS,
            max_parallel_jobs=MAX_PARALLEL_JOBS,
        )
        parent.derive(
            stack,
            f"Child{i}",
            warm_start_type=WarmStartType.IDENTICAL_DATA_AND_ALGORITHM,
            ranges=CHILD_RANGES,
            max_jobs=CHILD_MAX_JOBS,
        )
    return app


def render_payload() -> Payload:
    parent = TuningJobDefinition(
        training=TRAINING,
        objective=OBJECTIVE,
        ranges=PARENT_RANGES,
        max_jobs=PARENT_MAX_JOBS,
        max_parallel_jobs=MAX_PARALLEL_JOBS,
    )
    child = TuningJobDefinition(
        training=TRAINING,
        objective=OBJECTIVE,
        ranges=CHILD_RANGES,
        warm_start=WarmStartConfig(
            WarmStartType.IDENTICAL_DATA_AND_ALGORITHM, [PARENT_PLACEHOLDER]
        ),
        max_jobs=CHILD_MAX_JOBS,
        max_parallel_jobs=MAX_PARALLEL_JOBS,
    )
    head, tail = canonical_json(definition_spec(child)).split(PARENT_PLACEHOLDER)
    return Payload(
        parent_spec=canonical_json(definition_spec(parent)),
        parent_hash=definition_hash(parent),
        child_spec_head=head,
        child_spec_tail=tail,
        child_hash=definition_hash(child),
    )


# --------------------------------------------------------------------------- timing


@dataclass(frozen=True)
class Sample:
    build: float
    synth: float

    @property
    def total(self) -> float:
        return self.build + self.synth


def measure(build: Callable[[str], cdk.App]) -> Sample:
    with tempfile.TemporaryDirectory(prefix="constructs-pkg-synth-bench-") as outdir:
        gc.collect()
        start = time.perf_counter()
        app = build(outdir)
        built = time.perf_counter()
        app.synth()
        done = time.perf_counter()
    return Sample(build=built - start, synth=done - built)


def describe_shapes(n: int, payload: Payload) -> str:
    """What the two templates hold at one N (untimed), to show the apps compare."""
    lines = []
    variants: tuple[tuple[str, Callable[[str], cdk.App]], ...] = (
        ("lib", lambda d: build_library_app(d, n)),
        ("bare", lambda d: build_bare_app(d, n, payload)),
    )
    for name, build in variants:
        with tempfile.TemporaryDirectory(prefix="constructs-pkg-synth-bench-") as outdir:
            assembly = build(outdir).synth()
            template = assembly.get_stack_by_name("Tuning").template
            resources = template["Resources"]
            jobs = [r for r in resources.values() if r["Type"] == RESOURCE_TYPE]
            size = Path(outdir, "Tuning.template.json").stat().st_size
            lines.append(
                f"  {name:<4}: {len(resources)} resources ({len(jobs)} {RESOURCE_TYPE}), "
                f"template {size / 1024:.0f} KiB"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N = 10, 50, 150; fewer rounds")
    parser.add_argument("--repeats", type=int, help="rounds of samples per variant and N")
    parser.add_argument("--seed", type=int, default=20240601, help="shuffle seed")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="after the timings, cProfile one library app at the middle N and print the "
        "library functions and jsii calls that dominate",
    )
    args = parser.parse_args(argv)
    sizes = QUICK_SIZES if args.quick else FULL_SIZES
    repeats = args.repeats or (3 if args.quick else 7)
    small, mid, large = sizes

    payload = render_payload()

    def builder(variant: str, n: int) -> Callable[[str], cdk.App]:
        if variant == "lib":
            return lambda outdir: build_library_app(outdir, n)
        return lambda outdir: build_bare_app(outdir, 0 if variant == "empty" else n, payload)

    print(f"synth overhead: N = {', '.join(map(str, sizes))}; {repeats} rounds; one process")
    started = time.perf_counter()
    # Warm-up, untimed: loads the jsii modules, stages the handler and Provider assets.
    for variant in ("lib", "bare", "empty"):
        measure(builder(variant, small))
    print(f"warm-up done in {time.perf_counter() - started:.1f} s")
    print(f"app shapes at N={mid} (untimed):\n{describe_shapes(mid, payload)}")

    samples: dict[tuple[str, int], list[Sample]] = defaultdict(list)
    rounds: list[dict[tuple[str, int], Sample]] = []
    for round_index in range(repeats):
        tasks = [(v, n) for n in sizes for v in ("lib", "bare")] + [("empty", 0)]
        random.Random(args.seed + round_index).shuffle(tasks)
        this_round = {}
        for variant, n in tasks:
            sample = measure(builder(variant, n))
            samples[variant, n].append(sample)
            this_round[variant, n] = sample
        rounds.append(this_round)
        print(
            f"  round {round_index + 1}/{repeats} done "
            f"({time.perf_counter() - started:.0f} s elapsed)",
            flush=True,
        )

    for phase, title in (
        ("total", "build + app.synth() (what `cdk synth` runs in the app process)"),
        ("synth", "app.synth() alone (constructs already built)"),
        ("build", "build alone (App, Stack and the N constructs)"),
    ):

        def t(variant: str, n: int, phase: str = phase) -> float:
            return median(getattr(s, phase) for s in samples[variant, n])

        t0 = t("empty", 0)
        rows = [
            ["N", "t_lib s (med)", "t_bare s (med)", "overhead", "paired overhead", "lib range"]
        ]
        for n in sizes:
            lib, bare = t("lib", n), t("bare", n)
            paired = median(
                (getattr(r["lib", n], phase) - getattr(r["bare", n], phase))
                / getattr(r["lib", n], phase)
                for r in rounds
            )
            rows.append(
                [
                    str(n),
                    f"{lib:.3f}",
                    f"{bare:.3f}",
                    f"{(lib - bare) / lib:+.1%}",
                    f"{paired:+.1%}",
                    spread([getattr(s, phase) for s in samples["lib", n]]),
                ]
            )
        print(f"\n== {title}")
        print(f"t(0) (empty app) median {t0:.3f} s")
        print(table(rows))
        for variant in ("lib", "bare"):
            denominator = t(variant, mid) - t0
            ratio = (t(variant, large) - t0) / denominator if denominator > 0 else float("nan")
            print(
                f"linearity {variant:<4} (t({large}) - t(0)) / (t({mid}) - t(0)) = {ratio:.2f}"
                + (
                    f"   target <= {LINEARITY_TARGET}: {verdict(ratio, LINEARITY_TARGET)}"
                    if variant == "lib" and phase != "build"
                    else ""
                )
            )
        if phase != "build":
            lib, bare = t("lib", mid), t("bare", mid)
            marginal = (
                (t("lib", large) - t("lib", mid)) - (t("bare", large) - t("bare", mid))
            ) / (large - mid)
            print(
                f"overhead at N={mid}: {(lib - bare) / lib:+.1%} of this phase (the "
                f"{OVERHEAD_TARGET:.0%} target is for a whole `cdk synth`, start-up included: "
                f"see cdk_synth.py); each job beyond N={mid} costs {marginal * 1000:.2f} ms more "
                "than a bare one"
            )

    if args.profile:
        profile_library_app(mid)
    print(f"\nelapsed {time.perf_counter() - started:.0f} s")
    return 0


def profile_library_app(n: int) -> None:
    """cProfile one build + synth of the library app; print where the time goes."""
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    with tempfile.TemporaryDirectory(prefix="constructs-pkg-synth-bench-") as outdir:
        profiler.enable()
        build_library_app(outdir, n).synth()
        profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(
        r"constructs_pkg|is_unresolved|process.py.*send", 25
    )
    print(f"\n== cProfile of one library app, N={n} (build + synth), cumulative time")
    print("\n".join(line for line in text.getvalue().splitlines() if line.strip()))


if __name__ == "__main__":
    sys.exit(main())
