"""Hypothesis strategies for valid tuning-job definitions and warm-start children.

Every strategy here draws only definitions that SageMaker (as the service model and the
library's rule catalogue describe it) accepts:

* ranges of every kind and every scaling type where it is valid (Logarithmic only above 0,
  ReverseLogarithmic only on continuous ranges within ``0 <= value < 1``);
* every strategy: Bayesian and Random; Hyperband with valid resources (or an epochs
  hyperparameter instead of ``max_resource``) and early stopping Off; Grid with categorical
  ranges only and ``max_jobs`` equal to the number of grid points (or unset);
* search spaces of integer and categorical ranges only always have at least ``max_jobs``
  combinations;
* channels whose Pipe-only settings (Gzip, RecordIO, augmented manifests) are read in Pipe
  mode, with unique names;
* static hyperparameters of type str, int, float and bool;
* warm-start children that keep the parent's name set, range kinds and objective (and its
  data, image and fixed training fields for IdenticalDataAndAlgorithm), within the budget
  of 10 changes.

Warnings (quotas, singleton ranges, credential-like names...) may occur; errors may not.
The one known library bug these strategies steer around is noted at ``completions``.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from constructs_pkg.core.model import (
    SERVICE_OBJECTIVE_KEY,
    CategoricalRange,
    Channel,
    CompletionCriteria,
    CompressionType,
    ContinuousRange,
    EarlyStopping,
    HyperbandConfig,
    InputMode,
    IntegerRange,
    MetricDefinition,
    Objective,
    ObjectiveType,
    Range,
    RecordWrapper,
    S3DataDistribution,
    S3DataType,
    ScalingType,
    Strategy,
    TrainingDefinition,
    TuningJobDefinition,
    VpcConfig,
    WarmStartConfig,
    WarmStartType,
    render_value,
)
from constructs_pkg.core.rules import (
    BUILTIN_ALGORITHM_REPOSITORIES,
    HYPERBAND_EPOCH_KEYS,
    MAX_HYPERBAND_RESOURCE,
    MAX_WARM_START_CHANGES,
)
from constructs_pkg.core.servicemodel import enum_values

QUOTA = 750
"""The default training-job quota; generated budgets stay within it."""
MAX_GRID_POINTS = 200

INSTANCE_TYPES = sorted(enum_values("TrainingInstanceType"))
REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2")


LOWER = string.ascii_lowercase
ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"


def _run(alphabet: str, min_size: int, max_size: int) -> st.SearchStrategy[str]:
    """A run of characters from ``alphabet`` (cheaper to draw than ``st.from_regex``)."""
    return st.text(alphabet=alphabet, min_size=min_size, max_size=max_size)


def _seq(*parts: str | st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """The concatenation of literal strings and drawn parts."""
    drawn = [st.just(p) if isinstance(p, str) else p for p in parts]
    return st.tuples(*drawn).map("".join)


def _edged(inner: str, edge: str, max_size: int) -> st.SearchStrategy[str]:
    """1 to ``max_size`` characters; the first and last from ``edge``, the rest ``inner``."""
    return st.one_of(
        _run(edge, 1, 1),
        _seq(_run(edge, 1, 1), _run(inner, 0, max_size - 2), _run(edge, 1, 1)),
    )


def _uuid() -> st.SearchStrategy[str]:
    return _seq(
        _run(HEX, 8, 8),
        "-",
        _run(HEX, 4, 4),
        "-",
        _run(HEX, 4, 4),
        "-",
        _run(HEX, 4, 4),
        "-",
        _run(HEX, 12, 12),
    )


# --------------------------------------------------------------------------- names and values

hyperparameter_names = _seq(_run(LOWER, 1, 1), _run(LOWER + string.digits + "_.:-", 0, 15)).filter(
    lambda name: name != SERVICE_OBJECTIVE_KEY
)
job_names = _edged(ALNUM + "-", ALNUM, 32)
metric_names = _seq(
    _run(LOWER, 1, 1),
    _run(LOWER + string.digits + "_", 0, 10),
    ":",
    _run(LOWER, 1, 1),
    _run(LOWER + string.digits + "_-", 0, 20),
)
metric_regexes = st.sampled_from(
    [r"accuracy=([0-9\.]+)", r"loss: (\S+)", r"#quality_metric: host=\S+, .*?=(\S+)", ".+"]
)
account_ids = _run(string.digits, 12, 12)
buckets = _seq(_run(LOWER + string.digits, 1, 1), _run(LOWER + string.digits + "-", 2, 20))
s3_keys = st.tuples(
    st.lists(_run(ALNUM + "_.-", 1, 12), min_size=1, max_size=4), st.sampled_from(["", "/"])
).map(lambda parts: "/".join(parts[0]) + parts[1])

static_values: st.SearchStrategy[str | int | float | bool] = st.one_of(
    st.text(max_size=30),
    st.integers(min_value=-(10**9), max_value=10**9),
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False),
    st.booleans(),
)
"""Static hyperparameter values of the four supported types."""

categorical_values: st.SearchStrategy[str | int | float | bool] = st.one_of(
    st.text(alphabet=string.ascii_letters + string.digits + "_.-", min_size=1, max_size=12),
    st.integers(min_value=-1000, max_value=1000),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False),
    st.booleans(),
)

# Tag keys and values: letters, numbers and separators of any script, and `_.:/=+-@`.
_TAG_CHARACTERS = st.characters(categories=("L", "N", "Zs"), include_characters="_.:/=+-@")
tag_keys = st.text(_TAG_CHARACTERS, min_size=1, max_size=20).filter(
    lambda key: not key.lower().startswith("aws:")
)
tag_values = st.text(_TAG_CHARACTERS, max_size=20)
tags = st.dictionaries(tag_keys, tag_values, max_size=5)

regions = st.sampled_from(REGIONS)
s3_uris = st.builds(lambda bucket, key: f"s3://{bucket}/{key}", buckets, s3_keys)
role_arns = st.builds(
    lambda account, path, name: f"arn:aws:iam::{account}:role/{path}{name}",
    account_ids,
    st.sampled_from(["", "service-role/", "ml/tuning/"]),
    _run(ALNUM + "_+=,.@-", 1, 30),
)
kms_key_ids = st.one_of(
    _uuid(),
    _seq("alias/", _run(ALNUM + "_-", 1, 20)),
    st.builds(
        lambda region, account, key: f"arn:aws:kms:{region}:{account}:key/{key}",
        regions,
        account_ids,
        _uuid(),
    ),
)


def _image(
    repository: st.SearchStrategy[str], tag: st.SearchStrategy[str]
) -> st.SearchStrategy[str]:
    return st.builds(
        lambda account, region, path, version: (
            f"{account}.dkr.ecr.{region}.amazonaws.com/{path}:{version}"
        ),
        account_ids,
        regions,
        repository,
        tag,
    )


builtin_images = _image(
    st.sampled_from(sorted(BUILTIN_ALGORITHM_REPOSITORIES)),
    st.sampled_from(["1", "latest", "1.7-1", "2.0"]),
)
custom_images = _image(
    _seq(
        _run(LOWER, 1, 1),
        _run(LOWER + string.digits + "-", 2, 20),
        st.sampled_from(["", "/v2", "/team-a"]),
    ).filter(lambda path: path not in BUILTIN_ALGORITHM_REPOSITORIES),
    _run(ALNUM + "_.-", 1, 20),
)
_plain_algorithm_names = _edged(ALNUM + "-", ALNUM, 42)
algorithm_names = st.one_of(
    _plain_algorithm_names,
    st.builds(
        lambda region, account, name: f"arn:aws:sagemaker:{region}:{account}:algorithm/{name}",
        regions,
        account_ids,
        _plain_algorithm_names,
    ),
)
metric_definitions = st.lists(
    st.builds(MetricDefinition, metric_names, metric_regexes),
    max_size=3,
    unique_by=lambda m: m.name,
)


def _optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


# --------------------------------------------------------------------------- ranges

_FINITE = {"allow_nan": False, "allow_infinity": False}
_INTEGER_SCALINGS = st.sampled_from(
    [ScalingType.AUTO, ScalingType.LINEAR, ScalingType.LOGARITHMIC]
)
_CONTINUOUS_SCALINGS = st.sampled_from(list(ScalingType))
_LOG_MINIMUM = st.floats(min_value=1e-8, max_value=1e3, **_FINITE)  # type: ignore[arg-type]
_REVERSE_LOG_MINIMUM = st.floats(min_value=0.0, max_value=0.99, **_FINITE)  # type: ignore[arg-type]
_LINEAR_MINIMUM = st.floats(min_value=-1e4, max_value=1e4, **_FINITE)  # type: ignore[arg-type]


@st.composite
def integer_ranges(draw: st.DrawFn) -> IntegerRange:
    scaling = draw(_INTEGER_SCALINGS)
    low = draw(
        st.integers(min_value=1 if scaling is ScalingType.LOGARITHMIC else -1000, max_value=1000)
    )
    high = draw(st.integers(min_value=low, max_value=low + 5000))
    # An integral float bound renders as an integer ("2.0" -> "2").
    low_bound: int | float = float(low) if draw(st.booleans()) else low
    if draw(st.booleans()):
        return IntegerRange(low_bound, high)
    return IntegerRange(low_bound, high, scaling)


@st.composite
def continuous_ranges(draw: st.DrawFn) -> ContinuousRange:
    scaling = draw(_CONTINUOUS_SCALINGS)
    if scaling is ScalingType.LOGARITHMIC:
        low = draw(_LOG_MINIMUM)
        high = draw(st.floats(min_value=low, max_value=1e4, **_FINITE))  # type: ignore[arg-type]
    elif scaling is ScalingType.REVERSE_LOGARITHMIC:
        low = draw(_REVERSE_LOG_MINIMUM)
        high = draw(st.floats(min_value=low, max_value=1.0, exclude_max=True, **_FINITE))  # type: ignore[arg-type]
    else:
        low = draw(_LINEAR_MINIMUM)
        high = draw(st.floats(min_value=low, max_value=1e5, **_FINITE))  # type: ignore[arg-type]
    bounds: tuple[Any, Any] = (low, high)
    if draw(st.booleans()) and low.is_integer() and high.is_integer():
        bounds = (int(low), int(high))  # integral bounds may be given as ints
    if scaling is ScalingType.AUTO and draw(st.booleans()):
        return ContinuousRange(*bounds)
    return ContinuousRange(*bounds, scaling)


def _categorical_ranges(max_values: int) -> st.SearchStrategy[CategoricalRange]:
    return st.builds(
        CategoricalRange,
        st.lists(
            categorical_values,
            min_size=1,
            max_size=max_values,
            unique_by=lambda value: str(render_value(value)),
        ),
    )


categorical_ranges = _categorical_ranges(6)
grid_ranges = _categorical_ranges(4)
RANGES_OF_KIND: dict[str, st.SearchStrategy[Any]] = {
    "Integer": integer_ranges(),
    "Continuous": continuous_ranges(),
    "Categorical": categorical_ranges,
}
any_range: st.SearchStrategy[Range] = st.one_of(*RANGES_OF_KIND.values())


def combinations(ranges: Mapping[str, Range]) -> int | None:
    """Hyperparameter combinations of a finite search space; None with a continuous range."""
    total = 1
    for value in ranges.values():
        if isinstance(value, ContinuousRange):
            return None
        if isinstance(value, CategoricalRange):
            total *= len(value.values)
        else:
            total *= int(value.max) - int(value.min) + 1
    return total


def max_jobs_for(draw: st.DrawFn, ranges: Mapping[str, Range], strategy: Strategy) -> int | None:
    """A budget the search space allows (S5, S6) within the default quota."""
    points = combinations(ranges)
    if strategy is Strategy.GRID:
        return points if draw(st.booleans()) else None
    if draw(st.booleans()):
        return None
    ceiling = QUOTA if points is None else min(points, QUOTA)
    return draw(st.integers(min_value=1, max_value=ceiling))


# --------------------------------------------------------------------------- training

_CHANNEL_NAMES = st.lists(_run(ALNUM + "._-", 1, 20), max_size=4, unique=True)
_CHANNEL_MODES = _optional(st.sampled_from(list(InputMode)))
_DISTRIBUTIONS = _optional(st.sampled_from(list(S3DataDistribution)))
_CONTENT_TYPES = _optional(st.sampled_from(["text/csv", "application/x-recordio", ""]))
_PIPE_ONLY = {
    # (data types, compressions, record wrappers) allowed in Pipe mode, and in other modes
    True: (
        st.sampled_from(list(S3DataType)),
        _optional(st.sampled_from(list(CompressionType))),
        _optional(st.sampled_from(list(RecordWrapper))),
    ),
    False: (
        st.sampled_from([S3DataType.S3_PREFIX, S3DataType.MANIFEST_FILE]),
        _optional(st.just(CompressionType.NONE)),
        _optional(st.just(RecordWrapper.NONE)),
    ),
}


def channels(draw: st.DrawFn, training_mode: InputMode) -> tuple[Channel, ...]:
    """Uniquely named channels whose Pipe-only settings are read in Pipe mode."""
    result = []
    for name in draw(_CHANNEL_NAMES):
        mode = draw(_CHANNEL_MODES)
        data_types, compressions, wrappers = _PIPE_ONLY[(mode or training_mode) is InputMode.PIPE]
        result.append(
            Channel(
                name=name,
                s3_uri=draw(s3_uris),
                s3_data_type=draw(data_types),
                distribution=draw(_DISTRIBUTIONS),
                content_type=draw(_CONTENT_TYPES),
                compression=draw(compressions),
                record_wrapper=draw(wrappers),
                input_mode=mode,
            )
        )
    return tuple(result)


_ALGORITHM_KINDS = st.sampled_from(["builtin", "custom", "algorithm"])


def algorithms(
    draw: st.DrawFn, objective_metric: str
) -> tuple[dict[str, Any], tuple[MetricDefinition, ...]]:
    """``image_uri`` or ``algorithm_name``, and metric definitions that satisfy S13."""
    kind = draw(_ALGORITHM_KINDS)
    metrics = [m for m in draw(metric_definitions) if m.name != objective_metric]
    if kind == "custom" or metrics:  # the objective must be among the definitions
        position = draw(st.integers(min_value=0, max_value=len(metrics)))
        metrics.insert(position, MetricDefinition(objective_metric, draw(metric_regexes)))
    if kind == "algorithm":
        return {"algorithm_name": draw(algorithm_names)}, tuple(metrics)
    image = draw(custom_images if kind == "custom" else builtin_images)
    return {"image_uri": image}, tuple(metrics)


_INPUT_MODES = st.sampled_from(list(InputMode))
_INSTANCE_TYPES = st.sampled_from(INSTANCE_TYPES)
_INSTANCE_COUNTS = st.integers(min_value=1, max_value=20)
_VOLUME_SIZES = st.integers(min_value=0, max_value=16_384)
_RUNTIMES = st.integers(min_value=1, max_value=2_419_200)
_ENVIRONMENTS = st.dictionaries(
    _seq(_run(string.ascii_letters + "_", 1, 1), _run(ALNUM + "_", 0, 15)),
    st.text(max_size=20),
    max_size=3,
)
_VPCS = _optional(
    st.builds(
        VpcConfig,
        st.lists(_seq("subnet-", _run(HEX, 8, 17)), min_size=1, max_size=3),
        st.lists(_seq("sg-", _run(HEX, 8, 17)), min_size=1, max_size=3),
    )
)
_RETRIES = _optional(st.integers(min_value=1, max_value=30))


@st.composite
def trainings(
    draw: st.DrawFn, static: Mapping[str, object], objective_metric: str
) -> TrainingDefinition:
    input_mode = draw(_INPUT_MODES)
    algorithm, metrics = algorithms(draw, objective_metric)
    max_runtime = draw(_RUNTIMES)
    spot = draw(st.booleans())
    return TrainingDefinition(
        role=draw(role_arns),
        output_path=draw(s3_uris),
        inputs=channels(draw, input_mode),
        **algorithm,
        instance_type=draw(_INSTANCE_TYPES),
        instance_count=draw(_INSTANCE_COUNTS),
        volume_size_gb=draw(_VOLUME_SIZES),
        max_runtime_seconds=max_runtime,
        static_hyperparameters=dict(static),
        metric_definitions=metrics,
        input_mode=input_mode,
        environment=draw(_ENVIRONMENTS),
        vpc=draw(_VPCS),
        enable_network_isolation=draw(st.booleans()),
        enable_inter_container_traffic_encryption=draw(st.booleans()),
        use_spot_instances=spot,
        max_wait_seconds=(
            draw(st.integers(min_value=max_runtime, max_value=max_runtime + 10**6))
            if spot
            else None
        ),
        checkpoint_s3_uri=draw(_optional(s3_uris)),
        retry_attempts=draw(_RETRIES),
        volume_kms_key_id=draw(_optional(kms_key_ids)),
        output_kms_key_id=draw(_optional(kms_key_ids)),
    )


# --------------------------------------------------------------------------- tuning config

_CRITERIA: dict[str, st.SearchStrategy[Any]] = {
    "target_objective_value": st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    "max_jobs_not_improving": st.integers(min_value=3, max_value=500),
    "complete_on_convergence": st.booleans(),
}
completions = (
    st.sets(st.sampled_from(sorted(_CRITERIA)), min_size=1)
    .flatmap(lambda chosen: st.fixed_dictionaries({name: _CRITERIA[name] for name in chosen}))
    .map(lambda values: CompletionCriteria(**values))
)
"""Completion criteria with at least one criterion.

``CompletionCriteria()`` with none is valid too, but ``from_api`` reads its empty rendering
back as no criteria at all (pinned by
``test_valid_definitions.py::test_empty_completion_criteria_round_trip``), so it is left out
here to keep the round-trip properties about everything else.
"""

_STRATEGIES = st.sampled_from(list(Strategy))
_NAME_LISTS = st.lists(hyperparameter_names, min_size=1, max_size=10, unique=True)
_EARLY_STOPPING = st.sampled_from(list(EarlyStopping))
_OBJECTIVE_TYPES = st.sampled_from(list(ObjectiveType))
_PARALLEL = st.integers(min_value=1, max_value=10)
_TUNING_RUNTIMES = _optional(st.integers(min_value=120, max_value=15_768_000))
_COMPLETIONS = _optional(completions)
_SEEDS = _optional(st.integers(min_value=0, max_value=2**31 - 1))
_HYPERBAND_MAXIMUM = st.integers(min_value=1, max_value=MAX_HYPERBAND_RESOURCE)
_EPOCHS = st.integers(min_value=1, max_value=500)


def hyperband_settings(
    draw: st.DrawFn, static: dict[str, object], ranges: Mapping[str, Range]
) -> HyperbandConfig | None:
    """Valid Hyperband resources; without ``max_resource`` an epochs hyperparameter is added."""
    free_epoch_keys = [k for k in HYPERBAND_EPOCH_KEYS if k not in ranges]
    if free_epoch_keys and draw(st.booleans()):
        static[draw(st.sampled_from(free_epoch_keys))] = draw(_EPOCHS)
        if draw(st.booleans()):
            return None
        return HyperbandConfig(min_resource=draw(_optional(_EPOCHS)))
    high = draw(_HYPERBAND_MAXIMUM)
    low = draw(_optional(st.integers(min_value=1, max_value=high)))
    return HyperbandConfig(min_resource=low, max_resource=high)


@st.composite
def definitions(draw: st.DrawFn) -> TuningJobDefinition:
    """A valid definition without warm start, of any strategy."""
    strategy = draw(_STRATEGIES)
    names = draw(_NAME_LISTS)
    tunable = draw(st.integers(min_value=1, max_value=min(len(names), 6)))
    range_names, static_names = names[:tunable], names[tunable:]

    ranges: dict[str, Range] = {}
    if strategy is Strategy.GRID:
        for name in range_names:
            ranges[name] = draw(grid_ranges)
        while (combinations(ranges) or 0) > MAX_GRID_POINTS:
            ranges.popitem()
    else:
        for name in range_names:
            ranges[name] = draw(any_range)
    static: dict[str, object] = {name: draw(static_values) for name in static_names}

    hyperband = None
    early_stopping = draw(_EARLY_STOPPING)
    if strategy is Strategy.HYPERBAND:
        hyperband = hyperband_settings(draw, static, ranges)
        early_stopping = EarlyStopping.OFF

    objective = Objective(draw(_OBJECTIVE_TYPES), draw(metric_names))
    return TuningJobDefinition(
        training=draw(trainings(static, objective.metric_name)),
        objective=objective,
        ranges=ranges,
        max_parallel_jobs=draw(_PARALLEL),
        max_jobs=max_jobs_for(draw, ranges, strategy),
        strategy=strategy,
        max_tuning_runtime_seconds=draw(_TUNING_RUNTIMES),
        early_stopping=early_stopping,
        hyperband=hyperband,
        completion=draw(_COMPLETIONS),
        random_seed=draw(_SEEDS),
    )


# --------------------------------------------------------------------------- warm start

_STATIC_CHOICES = st.sampled_from(["keep", "change", "tunable"])
_CHILD_STRATEGIES = st.sampled_from([Strategy.BAYESIAN, Strategy.RANDOM])
_WARM_START_TYPES = st.sampled_from(list(WarmStartType))


def change_cost(value: Range) -> int:
    """What making a tunable hyperparameter static costs (the rules' W9 arithmetic)."""
    return len(value.values) if isinstance(value, CategoricalRange) else 1


@st.composite
def children(
    draw: st.DrawFn,
    parent: TuningJobDefinition,
    warm_start_type: WarmStartType,
    parent_names: tuple[str, ...],
) -> TuningJobDefinition:
    """A valid warm-start child of ``parent`` (named ``parent_names``).

    The set of hyperparameter names stays; a name tunable in both keeps its range kind; a
    tunable name may become static and a static value may change within the budget of 10
    changes, and a static name may become tunable (free).
    """
    budget = MAX_WARM_START_CHANGES
    ranges: dict[str, Range] = {}
    static: dict[str, object] = {}

    tunable = sorted(parent.ranges)
    keep = draw(st.sampled_from(tunable))  # at least one hyperparameter stays tunable
    for name in tunable:
        before = parent.ranges[name]
        if name != keep and change_cost(before) <= budget and draw(st.booleans()):
            budget -= change_cost(before)
            static[name] = draw(static_values)
        else:
            ranges[name] = draw(RANGES_OF_KIND[before.kind])  # W8: the same kind
    for name, value in parent.training.static_hyperparameters.items():
        choice = draw(_STATIC_CHOICES)
        if choice == "change" and budget >= 2:
            budget -= 2
            static[name] = draw(static_values)
        elif choice == "tunable":
            ranges[name] = draw(any_range)
        else:
            static[name] = value

    strategy = draw(_CHILD_STRATEGIES)
    return TuningJobDefinition(
        training=child_training(draw, parent.training, warm_start_type, static, parent.objective),
        objective=parent.objective,
        ranges=ranges,
        max_parallel_jobs=draw(_PARALLEL),
        max_jobs=max_jobs_for(draw, ranges, strategy),
        strategy=strategy,
        max_tuning_runtime_seconds=draw(_TUNING_RUNTIMES),
        early_stopping=draw(_EARLY_STOPPING),
        completion=draw(_COMPLETIONS),
        random_seed=draw(_SEEDS),
        warm_start=WarmStartConfig(warm_start_type, parent_names),
    )


def child_training(
    draw: st.DrawFn,
    parent: TrainingDefinition,
    warm_start_type: WarmStartType,
    static: Mapping[str, object],
    objective: Objective | None,
) -> TrainingDefinition:
    """The parent's training definition with what warm start lets a child change.

    Both types may change the role, output, resources, stopping condition, checkpoints
    and VPC; TransferLearning may also change the data and the image. The environment,
    network isolation, traffic encryption and retries stay (W14), and so do the data and
    the image for IdenticalDataAndAlgorithm (W12).
    """
    changes: dict[str, Any] = {"static_hyperparameters": dict(static)}
    if draw(st.booleans()):
        changes["role"] = draw(role_arns)
    if draw(st.booleans()):
        changes["output_path"] = draw(s3_uris)
    if draw(st.booleans()):
        changes["instance_type"] = draw(_INSTANCE_TYPES)
        changes["instance_count"] = draw(_INSTANCE_COUNTS)
    if draw(st.booleans()):
        runtime = draw(_RUNTIMES)
        changes["max_runtime_seconds"] = runtime
        if parent.use_spot_instances:
            changes["max_wait_seconds"] = draw(st.integers(runtime, runtime + 10**5))
    if draw(st.booleans()):
        changes["checkpoint_s3_uri"] = draw(_optional(s3_uris))
    if draw(st.booleans()):
        changes["vpc"] = draw(_VPCS)
    if warm_start_type is WarmStartType.TRANSFER_LEARNING and draw(st.booleans()):
        mode = draw(_INPUT_MODES)
        changes["input_mode"] = mode
        changes["inputs"] = channels(draw, mode)
        if objective is not None and draw(st.booleans()):
            algorithm, metrics = algorithms(draw, objective.metric_name)
            changes.update({"image_uri": None, "algorithm_name": None})
            changes.update(algorithm)
            changes["metric_definitions"] = metrics
    return parent.replace(**changes)


@dataclass(frozen=True)
class Family:
    """A parent and its warm-start child, with the names the child lists."""

    parent: TuningJobDefinition
    parent_name: str
    child: TuningJobDefinition


@st.composite
def families(draw: st.DrawFn) -> Family:
    parent = draw(definitions())
    parent_name = draw(job_names)
    child = draw(children(parent, draw(_WARM_START_TYPES), (parent_name,)))
    return Family(parent, parent_name, child)


any_definitions = st.one_of(definitions(), families().map(lambda family: family.child))
"""A valid definition, with or without warm start (parents known by name only)."""
