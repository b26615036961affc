"""Cost of the definition and warm-start rules for a large child with five large parents.

The child and each of its five parents have 99 hyperparameters of their own (30 tunable:
10 integer, 15 continuous, 5 categorical; 69 static), which with the one SageMaker adds
(``_tuning_objective_metric``) is SageMaker's limit of 100. Names and range types are
shared, data and image are identical (``IdenticalDataAndAlgorithm``), and each parent
differs from the child in two static values, so W7 (names), W8 (range types), W9 (change
budget), W12 (channels, image) and W14 (environment) do their full comparisons. The
parents are seen as at deploy: described, Completed, with a creation time and a count of
launched training jobs, so W4, W5 and W11 run too.

Timed in one process, interleaved (the operations run in a shuffled order in every round,
each as a batch of calls; medians over the rounds):

* baseline ``to_request``: ``TuningJobDefinition.to_request`` of the child (rendering
  its Create request, which ``check_definition`` itself does once);
* baseline ``deepcopy``: ``copy.deepcopy`` of that request;
* ``check_definition(child)`` and ``check_warm_start(child, five parents)`` with the
  deploy-time context (no value is a token), as the handler runs them;
* the same two checks with the construct's token test (``is_unresolved``), as the
  construct runs them at synth (only a non-primitive value costs a call into jsii). Skip
  these with ``--no-jsii``.

Printed: ms per call and the ratio of each check to each baseline. No target is set for
these ratios; they say how many request renderings one check costs.

    .venv/bin/python benchmarks/rule_check.py [--quick] [--no-jsii]
"""

from __future__ import annotations

import argparse
import copy
import gc
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ensure_repo_on_path, go_offline, median, table

go_offline()
ensure_repo_on_path()

from constructs_pkg.core.findings import Finding, RuleContext, Severity  # noqa: E402
from constructs_pkg.core.model import (  # noqa: E402
    CategoricalRange,
    Channel,
    ContinuousRange,
    IntegerRange,
    MetricDefinition,
    Objective,
    Range,
    TrainingDefinition,
    TuningJobDefinition,
    WarmStartConfig,
    WarmStartType,
)
from constructs_pkg.core.rules import ParentJob, check_definition, check_warm_start  # noqa: E402

CHILD_NAME = "bench-child-0123456789"
PARENT_COUNT = 5
INTEGER_RANGES, CONTINUOUS_RANGES, CATEGORICAL_RANGES = 10, 15, 5
STATIC_COUNT = 69
CHANGED_STATIC_PER_PARENT = 2
"""Each parent differs from the child in this many static values (2 changes each)."""
TARGET_BATCH_SECONDS = 0.02


# --------------------------------------------------------------------------- definitions


def ranges(narrow: bool) -> dict[str, Range]:
    """30 tunable hyperparameters; the child's are narrower than the parents'."""
    result: dict[str, Range] = {}
    for i in range(INTEGER_RANGES):
        result[f"int_param_{i:02d}"] = IntegerRange(2 if narrow else 1, 50 if narrow else 100)
    for i in range(CONTINUOUS_RANGES):
        result[f"float_param_{i:02d}"] = ContinuousRange(
            0.001 if narrow else 0.0001, 0.5 if narrow else 1.0
        )
    for i in range(CATEGORICAL_RANGES):
        result[f"choice_param_{i:02d}"] = CategoricalRange(["a", "b", "c", "d"])
    return result


def static_hyperparameters(changed: range = range(0)) -> dict[str, str | int | float | bool]:
    """69 static values of mixed types; those whose index is in ``changed`` differ."""
    values: dict[str, str | int | float | bool] = {}
    for i in range(STATIC_COUNT):
        bump = i in changed
        kind = i % 4
        if kind == 0:
            values[f"static_int_{i:02d}"] = i + (1000 if bump else 0)
        elif kind == 1:
            values[f"static_float_{i:02d}"] = i / 7 + (1.5 if bump else 0.0)
        elif kind == 2:
            values[f"static_text_{i:02d}"] = f"value-{i}" + ("-new" if bump else "")
        else:
            values[f"static_flag_{i:02d}"] = (i % 8 == 3) != bump
    return values


def training(static: dict[str, str | int | float | bool]) -> TrainingDefinition:
    return TrainingDefinition(
        role="arn:aws:iam::123456789012:role/sagemaker-training",
        output_path="s3://bench-artifacts/tuning",
        inputs=(
            Channel("train", "s3://bench-data/large/train/"),
            Channel("validation", "s3://bench-data/large/validation/"),
        ),
        image_uri="123456789012.dkr.ecr.us-east-1.amazonaws.com/custom-trainer:3",
        instance_type="ml.g5.2xlarge",
        max_runtime_seconds=36_000,
        static_hyperparameters=static,
        metric_definitions=(
            MetricDefinition("validation:loss", r"val_loss=([0-9\.]+)"),
            MetricDefinition("train:loss", r"train_loss=([0-9\.]+)"),
        ),
        environment={"LOG_LEVEL": "info", "FRAMEWORK": "torch"},
    )


def parents() -> list[ParentJob]:
    found = []
    for k in range(PARENT_COUNT):
        start = k * CHANGED_STATIC_PER_PARENT
        definition = TuningJobDefinition(
            training=training(static_hyperparameters(range(start, start + 2))),
            objective=Objective.minimize("validation:loss"),
            ranges=ranges(narrow=False),
            max_jobs=50,
            max_parallel_jobs=5,
        )
        found.append(
            ParentJob(
                name=f"bench-parent-{k}",
                label=f"bench-parent-{k}",
                definition=definition,
                status="Completed",
                creation_time=datetime(2025, 6, 1, 12, k, tzinfo=UTC),
                training_jobs_launched=50,
            )
        )
    return found


def child(parent_names: list[str]) -> TuningJobDefinition:
    return TuningJobDefinition(
        training=training(static_hyperparameters()),
        objective=Objective.minimize("validation:loss"),
        ranges=ranges(narrow=True),
        max_jobs=100,
        max_parallel_jobs=5,
        warm_start=WarmStartConfig(WarmStartType.IDENTICAL_DATA_AND_ALGORITHM, parent_names),
    )


def deploy_context() -> RuleContext:
    """What the handler passes at deploy: no value is a token."""
    return RuleContext(is_unresolved=lambda _value: False)


# --------------------------------------------------------------------------- timing


def calibrate(operation: Callable[[], object]) -> int:
    """Calls per batch so that one batch takes about TARGET_BATCH_SECONDS."""
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            operation()
        elapsed = time.perf_counter() - start
        if elapsed >= TARGET_BATCH_SECONDS or calls >= 100_000:
            return calls
        calls = max(calls * 2, int(calls * TARGET_BATCH_SECONDS / max(elapsed, 1e-9)))


def per_call(operation: Callable[[], object], calls: int) -> float:
    gc.collect()
    start = time.perf_counter()
    for _ in range(calls):
        operation()
    return (time.perf_counter() - start) / calls


def summary(findings: list[Finding]) -> str:
    errors = [f for f in findings if f.severity is Severity.ERROR]
    warnings = [f for f in findings if f.severity is Severity.WARNING]
    rules = sorted({f.rule_id for f in findings})
    return f"{len(errors)} errors, {len(warnings)} warnings" + (
        f" ({', '.join(rules)})" if rules else ""
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument("--rounds", type=int, help="rounds (default 25, quick 7)")
    parser.add_argument("--no-jsii", action="store_true", help="skip the synth-context checks")
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args(argv)
    rounds = args.rounds or (7 if args.quick else 25)

    the_parents = parents()
    the_child = child([p.name for p in the_parents])
    request = the_child.to_request(CHILD_NAME)
    names = the_child.hyperparameter_names()
    print(
        f"rule check: a child and {PARENT_COUNT} parents, each with {len(names)} "
        f"hyperparameters of its own ({len(the_child.ranges)} tunable, "
        f"{len(the_child.training.static_hyperparameters)} static) + the one SageMaker adds"
    )

    operations: dict[str, Callable[[], object]] = {
        "to_request (baseline)": lambda: the_child.to_request(CHILD_NAME),
        "deepcopy(request) (baseline)": lambda: copy.deepcopy(request),
        "check_definition [deploy ctx]": lambda: check_definition(
            the_child, deploy_context(), job_name=CHILD_NAME
        ),
        "check_warm_start [deploy ctx]": lambda: check_warm_start(
            the_child, the_parents, deploy_context()
        ),
    }
    print(
        "findings, deploy ctx: check_definition "
        f"{summary(check_definition(the_child, deploy_context(), job_name=CHILD_NAME))}; "
        f"check_warm_start {summary(check_warm_start(the_child, the_parents, deploy_context()))}"
    )

    if not args.no_jsii:
        started = time.perf_counter()
        from constructs_pkg.cdk.tuning_job import is_unresolved

        def synth_context() -> RuleContext:
            # The construct's token test: CDK's encoding in Python, jsii only for objects.
            return RuleContext(is_unresolved=is_unresolved)

        probe = synth_context()
        check_definition(the_child, probe, job_name=CHILD_NAME)
        jsii_calls_definition = _count_token_tests(
            lambda ctx: check_definition(the_child, ctx, job_name=CHILD_NAME)
        )
        jsii_calls_warm = _count_token_tests(
            lambda ctx: check_warm_start(the_child, the_parents, ctx)
        )
        print(
            f"jsii started in {time.perf_counter() - started:.1f} s; token tests per call: "
            f"check_definition {jsii_calls_definition}, check_warm_start {jsii_calls_warm}"
        )
        operations["check_definition [synth ctx, jsii]"] = lambda: check_definition(
            the_child, synth_context(), job_name=CHILD_NAME
        )
        operations["check_warm_start [synth ctx, jsii]"] = lambda: check_warm_start(
            the_child, the_parents, synth_context()
        )

    for operation in operations.values():  # warm-up, untimed
        operation()
    batch = {name: calibrate(operation) for name, operation in operations.items()}

    started = time.perf_counter()
    samples: dict[str, list[float]] = {name: [] for name in operations}
    for round_index in range(rounds):
        order = list(operations)
        random.Random(args.seed + round_index).shuffle(order)
        for name in order:
            samples[name].append(per_call(operations[name], batch[name]))
    print(f"{rounds} rounds, interleaved, in {time.perf_counter() - started:.1f} s\n")

    ms = {name: median(values) * 1000 for name, values in samples.items()}
    base_request = ms["to_request (baseline)"]
    base_copy = ms["deepcopy(request) (baseline)"]
    rows = [["operation", "ms/call (med)", "calls/batch", "x to_request", "x deepcopy"]]
    for name in operations:
        rows.append(
            [
                name,
                f"{ms[name]:.3f}",
                str(batch[name]),
                f"{ms[name] / base_request:.1f}",
                f"{ms[name] / base_copy:.1f}",
            ]
        )
    print(table(rows))
    both = ms["check_definition [deploy ctx]"] + ms["check_warm_start [deploy ctx]"]
    print(
        f"\ndeploy-time checks of this child, both: {both:.2f} ms "
        f"= {both / base_request:.1f} x to_request"
    )
    if not args.no_jsii:
        synth = ms["check_definition [synth ctx, jsii]"] + ms["check_warm_start [synth ctx, jsii]"]
        print(
            f"synth-time checks of this child, both: {synth:.2f} ms "
            f"= {synth / both:.1f} x the same checks at deploy (the difference is jsii "
            "round trips of the construct's token test, if any)"
        )
    return 0


def _count_token_tests(run: Callable[[RuleContext], object]) -> int:
    calls = 0

    def counting(_value: object) -> bool:
        nonlocal calls
        calls += 1
        return False

    run(RuleContext(is_unresolved=counting))
    return calls


if __name__ == "__main__":
    sys.exit(main())
