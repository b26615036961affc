"""Python-level shape of a definition: the right value objects in the right places.

The value objects accept anything, so that a bad value becomes a finding rather than a
traceback. Before a definition is rendered, :func:`structure_findings` checks that each
container holds what rendering needs (a mapping of ranges, a tuple of channels and so on);
scalar values are left to the service-model check, which names the field and the limit.
Rule id: ``F-TYPE``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from typing import Any

from constructs_pkg.core.findings import Finding, Severity
from constructs_pkg.core.model import (
    CategoricalRange,
    Channel,
    CompletionCriteria,
    ContinuousRange,
    HyperbandConfig,
    IntegerRange,
    MetricDefinition,
    Objective,
    TrainingDefinition,
    TuningJobDefinition,
    VpcConfig,
    WarmStartConfig,
)

RULE_ID = "F-TYPE"
_SCALARS = (str, int, float, bool)


def _finding(field: str, expected: str, value: object) -> Finding:
    shown = type(value).__name__
    return Finding(RULE_ID, Severity.ERROR, field, f"must be {expected}; got a {shown}")


def _optional(field: str, value: object, kind: type, expected: str) -> Iterator[Finding]:
    if value is not None and not isinstance(value, kind):
        yield _finding(field, expected, value)


def structure_findings(definition: Any) -> list[Finding]:
    """Every container of the definition that does not hold what it should."""
    if not isinstance(definition, TuningJobDefinition):
        return [_finding("definition", "a TuningJobDefinition", definition)]
    findings: list[Finding] = []
    findings.extend(_training(definition.training))
    findings.extend(_optional("objective", definition.objective, Objective, "an Objective"))
    findings.extend(_ranges(definition.ranges))
    findings.extend(
        _optional("hyperband", definition.hyperband, HyperbandConfig, "a HyperbandConfig")
    )
    findings.extend(
        _optional("completion", definition.completion, CompletionCriteria, "CompletionCriteria")
    )
    findings.extend(
        _optional("warm_start", definition.warm_start, WarmStartConfig, "a WarmStartConfig")
    )
    if isinstance(definition.warm_start, WarmStartConfig) and not isinstance(
        definition.warm_start.parents, tuple
    ):
        findings.append(
            _finding("warm_start.parents", "a list of parents", definition.warm_start.parents)
        )
    return findings


def _ranges(ranges: object) -> Iterator[Finding]:
    if not isinstance(ranges, Mapping):
        yield _finding("ranges", "a mapping of hyperparameter name to range", ranges)
        return
    for name, value in ranges.items():
        if not isinstance(name, str):
            yield _finding(f"ranges[{name!r}]", "keyed by a string name", name)
        elif not isinstance(value, ContinuousRange | IntegerRange | CategoricalRange):
            yield _finding(
                f"ranges[{name!r}]", "a ContinuousRange, IntegerRange or CategoricalRange", value
            )
        elif isinstance(value, CategoricalRange) and not isinstance(value.values, tuple):
            yield _finding(f"ranges[{name!r}].values", "a list of values", value.values)


def _training(training: object) -> Iterator[Finding]:
    if not isinstance(training, TrainingDefinition):
        yield _finding("training", "a TrainingDefinition", training)
        return
    yield from _mapping(
        "training.static_hyperparameters", training.static_hyperparameters, _SCALARS
    )
    yield from _mapping("training.environment", training.environment, (str,))
    yield from _sequence("training.inputs", training.inputs, Channel, "a Channel")
    yield from _sequence(
        "training.metric_definitions",
        training.metric_definitions,
        MetricDefinition,
        "a MetricDefinition",
    )
    yield from _optional("training.vpc", training.vpc, VpcConfig, "a VpcConfig")
    if isinstance(training.vpc, VpcConfig):
        for part in ("subnets", "security_group_ids"):
            value = getattr(training.vpc, part)
            if not isinstance(value, tuple):
                yield _finding(f"training.vpc.{part}", "a list of ids", value)


def _mapping(field: str, value: object, kinds: tuple[type, ...]) -> Iterator[Finding]:
    if not isinstance(value, Mapping):
        yield _finding(field, "a mapping", value)
        return
    names = " or ".join(k.__name__ for k in kinds)
    for key, item in value.items():
        if not isinstance(key, str):
            yield _finding(f"{field}[{key!r}]", "keyed by a string", key)
        elif not isinstance(item, kinds):
            yield _finding(f"{field}[{key!r}]", f"a {names}", item)
        elif isinstance(item, float) and not math.isfinite(item):
            yield Finding(
                RULE_ID,
                Severity.ERROR,
                f"{field}[{key!r}]",
                f"must be a finite number; got {item}",
            )


def _sequence(field: str, value: object, kind: type, expected: str) -> Iterator[Finding]:
    if not isinstance(value, tuple):
        yield _finding(field, "a list", value)
        return
    for index, item in enumerate(value):
        if not isinstance(item, kind):
            yield _finding(f"{field}[{index}]", expected, item)


def repaired(definition: TuningJobDefinition) -> TuningJobDefinition | None:
    """``definition`` with every container that ``structure_findings`` faults made neutral
    (emptied, or the bad entries dropped), so the other checks can still run on the rest.

    ``None`` when too little is left to check (no ``TrainingDefinition``).
    """
    if not isinstance(definition, TuningJobDefinition) or not isinstance(
        definition.training, TrainingDefinition
    ):
        return None
    training = definition.training
    vpc = training.vpc if isinstance(training.vpc, VpcConfig) else None
    if vpc is not None and not (
        isinstance(vpc.subnets, tuple) and isinstance(vpc.security_group_ids, tuple)
    ):
        vpc = None
    fixed_training = replace(
        training,
        static_hyperparameters=_good_entries(training.static_hyperparameters, _SCALARS),
        environment=_good_entries(training.environment, (str,)),
        inputs=_good_items(training.inputs, Channel),
        metric_definitions=_good_items(training.metric_definitions, MetricDefinition),
        vpc=vpc,
    )
    warm_start = definition.warm_start
    if not isinstance(warm_start, WarmStartConfig) or not isinstance(warm_start.parents, tuple):
        warm_start = None
    return replace(
        definition,
        training=fixed_training,
        objective=definition.objective if isinstance(definition.objective, Objective) else None,
        ranges=_good_ranges(definition.ranges),
        hyperband=(
            definition.hyperband if isinstance(definition.hyperband, HyperbandConfig) else None
        ),
        completion=(
            definition.completion
            if isinstance(definition.completion, CompletionCriteria)
            else None
        ),
        warm_start=warm_start,
    )


def caused_by(field: str, faulted: set[str]) -> bool:
    """Whether a finding on ``field`` follows from a faulted container: it is inside one,
    or it is the list or mapping whose bad entry was dropped."""
    return any(
        field.startswith(fault) or fault.startswith((field + "[", field + "."))
        for fault in faulted
    )


def _good_entries(value: object, kinds: tuple[type, ...]) -> dict[str, Any]:
    return _kept(
        value,
        lambda item: (
            isinstance(item, kinds) and not (isinstance(item, float) and not math.isfinite(item))
        ),
    )


def _good_items(value: object, kind: type) -> tuple[Any, ...]:
    return (
        tuple(item for item in value if isinstance(item, kind)) if isinstance(value, tuple) else ()
    )


def _good_ranges(ranges: object) -> dict[str, Any]:
    return _kept(
        ranges,
        lambda item: (
            isinstance(item, ContinuousRange | IntegerRange | CategoricalRange)
            and not (isinstance(item, CategoricalRange) and not isinstance(item.values, tuple))
        ),
    )


def _kept(value: object, good: Callable[[object], bool]) -> dict[str, Any]:
    """The entries of a mapping with a string key and a ``good`` value; {} for a non-mapping."""
    if not isinstance(value, Mapping):
        return {}
    return {key: item for key, item in value.items() if isinstance(key, str) and good(item)}
