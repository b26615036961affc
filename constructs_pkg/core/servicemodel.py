"""Field-level limits, read from the SageMaker service model that botocore ships.

botocore's own client-side validation checks only required members, types and minimums.
This module checks every constraint the model declares for ``CreateHyperParameterTuningJob``
(lengths, patterns, enums, minimum and maximum values, list and map sizes), so no limit is
copied by hand. Cross-field and warm-start rules live in :mod:`constructs_pkg.core.rules`.

Rule ids: ``F-REQUIRED``, ``F-TYPE``, ``F-LENGTH``, ``F-PATTERN``, ``F-ENUM``, ``F-RANGE``,
``F-SIZE``.

The model is read from the installed botocore, so a newer botocore brings SageMaker's newer
limits (new instance types, say). Reading it means importing most of botocore and parsing
the whole SageMaker model, about a quarter of a second, so the shapes the request reaches
(a few hundred, some 70 KB) are kept in a cache file per botocore version, under
``$XDG_CACHE_HOME/constructs_pkg`` (``~/.cache/constructs_pkg``). A cache file that cannot
be written or read is simply not used. ``CONSTRUCTS_PKG_MODEL_CACHE=off`` turns it off.
"""

from __future__ import annotations

import difflib
import functools
import json
import math
import os
import re
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from constructs_pkg.core.findings import Finding, RuleContext, Severity

OPERATION = "CreateHyperParameterTuningJob"
SERVICE = "sagemaker"
CACHE_VARIABLE = "CONSTRUCTS_PKG_MODEL_CACHE"
_CACHE_FORMAT = 1
"""Part of the cache file's name: a change to what is cached gets a new file."""

# botocore patterns use Java's Unicode classes, which Python's `re` lacks. The tag patterns
# are the only ones that need them; these approximations accept the same ASCII characters
# and, for other scripts, what Python calls word characters (letters, digits, marks).
_UNICODE_CLASSES = {
    r"\p{L}": r"\w",
    r"\p{N}": r"\w",
    r"\p{Z}": r" \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000",
}

_NUMBER_KINDS = ("integer", "long", "float", "double")
_WHOLE_NUMBER_LIMITS = {"integer": 2**31 - 1, "long": 2**63 - 1}
_LARGEST_DOUBLE = int(sys.float_info.max)

_ENUM_LIST_LIMIT = 12
"""Enums longer than this are summarised in messages (instance types have over 200 values)."""


class Shape:
    """One shape of the service model: what the validator needs of botocore's ``Shape``."""

    __slots__ = (
        "enum",
        "key",
        "max",
        "member",
        "members",
        "min",
        "name",
        "pattern",
        "required_members",
        "type_name",
        "value",
    )

    def __init__(self, name: str, spec: Mapping[str, Any]) -> None:
        self.name = name
        self.type_name: str = spec["type"]
        self.required_members: tuple[str, ...] = tuple(spec.get("required", ()))
        self.min: int | float | None = spec.get("min")
        self.max: int | float | None = spec.get("max")
        self.pattern: str | None = spec.get("pattern")
        self.enum: tuple[str, ...] = tuple(spec.get("enum", ()))
        # Filled in by ``_link`` once every shape exists (shapes may refer to each other).
        self.members: dict[str, Shape] = {}
        self.member: Shape | None = None
        self.key: Shape | None = None
        self.value: Shape | None = None


def _extract() -> dict[str, Any]:
    """The shapes the operation's input reaches, read from botocore, as plain data."""
    import botocore.session  # costly: only when no cache file has the extract

    model = botocore.session.get_session().get_service_model(SERVICE)
    input_shape: Any = model.operation_model(OPERATION).input_shape
    shapes: dict[str, dict[str, Any]] = {}
    todo: list[Any] = [input_shape]
    while todo:
        shape = todo.pop()
        if shape.name in shapes:
            continue
        spec: dict[str, Any] = {"type": shape.type_name}
        for key in ("min", "max", "pattern"):
            if key in shape.metadata:
                spec[key] = shape.metadata[key]
        if getattr(shape, "enum", None):
            spec["enum"] = list(shape.enum)
        if shape.type_name == "structure":
            spec["members"] = {name: m.name for name, m in shape.members.items()}
            spec["required"] = list(shape.required_members)
            todo.extend(shape.members.values())
        elif shape.type_name == "list":
            spec["member"] = shape.member.name
            todo.append(shape.member)
        elif shape.type_name == "map":
            spec["key"], spec["value"] = shape.key.name, shape.value.name
            todo.extend((shape.key, shape.value))
        shapes[shape.name] = spec
    return {
        "service": SERVICE,
        "operation": OPERATION,
        "input": input_shape.name,
        "shapes": dict(sorted(shapes.items())),
    }


def _cache_file() -> Path | None:
    """Where this botocore's extract is cached, or ``None`` when it is not to be."""
    if os.environ.get(CACHE_VARIABLE, "").lower() in ("off", "0", "false", "no"):
        return None
    if os.environ.get("AWS_DATA_PATH") or Path("~/.aws/models", SERVICE).expanduser().exists():
        return None  # botocore may read a model other than its own: always ask botocore
    import botocore  # the package alone, for its version: a few ms

    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):
        return None
    return Path(
        base,
        "constructs_pkg",
        f"{SERVICE}-{OPERATION}-{botocore.__version__}-v{_CACHE_FORMAT}.json",
    )


def load_model_extract() -> dict[str, Any]:
    """The shapes of the operation's input, from the cache file or else from botocore."""
    path = _cache_file()
    if path is not None:
        try:
            extract = json.loads(path.read_text(encoding="utf-8"))
            if extract.get("operation") == OPERATION and extract.get("input") in extract.get(
                "shapes", {}
            ):
                return dict(extract)
        except (OSError, ValueError, AttributeError):
            pass  # absent or unreadable: read botocore and write it again
    extract = _extract()
    if path is not None:
        _write(path, extract)
    return extract


def _write(path: Path, extract: Mapping[str, Any]) -> None:
    """Write the cache file whole or not at all (a rename is atomic)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".model-", dir=path.parent)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(extract, stream, separators=(",", ":"))
        os.replace(temporary, path)
    except OSError:
        pass  # a read-only home, say: the next run reads botocore again


@functools.lru_cache(maxsize=1)
def _shapes() -> dict[str, Shape]:
    extract = load_model_extract()
    shapes = {name: Shape(name, spec) for name, spec in extract["shapes"].items()}
    for name, spec in extract["shapes"].items():
        shape = shapes[name]
        shape.members = {m: shapes[target] for m, target in spec.get("members", {}).items()}
        for attribute in ("member", "key", "value"):
            if attribute in spec:
                setattr(shape, attribute, shapes[spec[attribute]])
    shapes[""] = shapes[extract["input"]]
    return shapes


def _input_shape() -> Shape:
    return _shapes()[""]


def model_loaded() -> bool:
    """Whether the service model has been read in this process."""
    return _shapes.cache_info().currsize > 0


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str] | None:
    translated = pattern
    for java, python in _UNICODE_CLASSES.items():
        translated = translated.replace(java, python)
    try:
        return re.compile(translated, re.DOTALL)
    except re.error:
        # A pattern Python cannot read is not checked; the service still checks it.
        return None


_COUNT = re.compile(r"(?<!\\)\{\d*,?\d*\}")


@functools.lru_cache(maxsize=256)
def _relaxed(pattern: str) -> re.Pattern[str] | None:
    """``pattern`` with every count (``{m,n}``) made ``*``: what it says of characters."""
    return _compiled(_COUNT.sub("*", pattern))


def enum_values(shape_name: str) -> list[str]:
    """The allowed values of an enum shape the request reaches, e.g. ``TrainingInstanceType``."""
    shape = _shapes().get(shape_name)
    return list(shape.enum) if shape is not None and shape_name else []


def validate_request(request: Mapping[str, Any], ctx: RuleContext | None = None) -> list[Finding]:
    """Every model constraint the request breaks, each as an error finding.

    Values that ``ctx.is_unresolved`` calls unresolved are skipped and remembered in
    ``ctx.unresolved``.
    """
    ctx = ctx or RuleContext()
    walker = _Walker(request, ctx)
    walker.visit(request, _input_shape(), "")
    return walker.findings


class _Walker:
    def __init__(self, request: Mapping[str, Any], ctx: RuleContext) -> None:
        self.request = request
        self.ctx = ctx
        self.findings: list[Finding] = []

    def report(self, rule_id: str, path: str, message: str) -> None:
        self.findings.append(
            Finding(rule_id, Severity.ERROR, user_field(path, self.request), message)
        )

    def visit(self, value: Any, shape: Shape, path: str) -> None:
        # The user-facing field name is worked out only for a token, not for every node.
        kind = shape.type_name
        if self.ctx.is_unresolved(value):
            if isinstance(value, str) and kind in (*_NUMBER_KINDS, "boolean"):
                # Its type is known now, and a string never becomes a number at deploy.
                self.report(
                    "F-TYPE",
                    path,
                    "must be a number, and this token stands for a string (a CfnParameter's "
                    "value_as_string, say); use a number token such as value_as_number",
                )
                return
            self.ctx.skip_if_unresolved(value, user_field(path, self.request))
            return
        if kind == "structure":
            self.visit_structure(value, shape, path)
        elif kind == "list":
            self.visit_list(value, shape, path)
        elif kind == "map":
            self.visit_map(value, shape, path)
        elif kind == "string":
            self.visit_string(value, shape, path)
        elif kind in ("integer", "long"):
            self.visit_number(value, shape, path, integral=True)
        elif kind in ("float", "double"):
            self.visit_number(value, shape, path, integral=False)
        elif kind == "boolean" and not isinstance(value, bool):
            self.report("F-TYPE", path, f"must be true or false; got {_show(value)}")

    def visit_structure(self, value: Any, shape: Shape, path: str) -> None:
        if not isinstance(value, Mapping):
            self.report("F-TYPE", path, f"must be an object; got {_show(value)}")
            return
        for name in shape.required_members:
            if value.get(name) is None:
                self.report("F-REQUIRED", _join(path, name), "is required")
        for name, member in value.items():
            if name not in shape.members:
                self.report("F-TYPE", _join(path, name), "is not a field SageMaker knows")
            elif member is not None or name not in shape.required_members:
                # A None the request carries (a field set to None) is a wrong type, which
                # botocore would refuse; a required one was reported above as missing.
                self.visit(member, shape.members[name], _join(path, name))

    def visit_list(self, value: Any, shape: Shape, path: str) -> None:
        assert shape.member is not None
        if not isinstance(value, list | tuple):
            self.report("F-TYPE", path, f"must be a list; got {_show(value)}")
            return
        self.check_size(len(value), shape, path, "items")
        for index, item in enumerate(value):
            self.visit(item, shape.member, f"{path}[{index}]")

    def visit_map(self, value: Any, shape: Shape, path: str) -> None:
        assert shape.key is not None and shape.value is not None
        if not isinstance(value, Mapping):
            self.report("F-TYPE", path, f"must be a mapping; got {_show(value)}")
            return
        self.check_size(len(value), shape, path, "entries")
        for key, item in value.items():
            entry = f"{path}[{key!r}]"
            self.visit(key, shape.key, entry + ".key")
            self.visit(item, shape.value, entry)

    def check_size(self, size: int, shape: Shape, path: str, noun: str) -> None:
        low, high = shape.min, shape.max
        if (low is not None and size < low) or (high is not None and size > high):
            self.report("F-SIZE", path, f"must have {_bounds(low, high)} {noun}; got {size}")

    def visit_string(self, value: Any, shape: Shape, path: str) -> None:
        if not isinstance(value, str):
            self.report("F-TYPE", path, f"must be a string; got {_show(value)}")
            return
        low, high = shape.min, shape.max
        bad_length = (low is not None and len(value) < low) or (
            high is not None and len(value) > high
        )
        if bad_length:
            self.report(
                "F-LENGTH",
                path,
                f"must be {_bounds(low, high)} characters long; got {len(value)} "
                f"({'value hidden' if _is_secret_prone(path) else _show(value)})",
            )
        elif shape.enum:
            if value not in shape.enum:
                self.report("F-ENUM", path, _enum_message(value, shape.enum))
            return
        if not shape.pattern or (bad_length and not value):
            return
        # After a length finding the pattern is checked without its counts ({0,31} and the
        # like), which only restate the length: a second finding means a wrong character.
        regex = _relaxed(shape.pattern) if bad_length else _compiled(shape.pattern)
        if regex is not None and regex.fullmatch(value) is None:
            shown = "a hidden value" if _is_secret_prone(path) else _show(value)
            self.report("F-PATTERN", path, f"must match `{shape.pattern}`; got {shown}")

    def visit_number(self, value: Any, shape: Shape, path: str, *, integral: bool) -> None:
        wanted = (int,) if integral else (int, float)
        if isinstance(value, bool) or not isinstance(value, wanted):
            noun = "a whole number" if integral else "a number"
            self.report("F-TYPE", path, f"must be {noun}; got {_show(value)}")
            return
        if isinstance(value, float) and not math.isfinite(value):
            self.report("F-RANGE", path, f"must be a finite number; got {value}")
            return
        low, high = shape.min, shape.max
        if (low is not None and value < low) or (high is not None and value > high):
            self.report("F-RANGE", path, f"must be {_bounds(low, high)}; got {_show(value)}")
            return
        # The service reads an `integer` as 32 bits, a `long` as 64, a `double` as a double.
        limit = _WHOLE_NUMBER_LIMITS.get(shape.type_name)
        if limit is not None and not -limit - 1 <= value <= limit:
            self.report(
                "F-RANGE", path, f"must be from {-limit - 1:,} to {limit:,}; got {_show(value)}"
            )
        elif limit is None and isinstance(value, int) and abs(value) > _LARGEST_DOUBLE:
            self.report("F-RANGE", path, f"is too large for a number; got {_show(value)}")


# --------------------------------------------------------------------------- messages


_SECRET_PRONE = (
    "TrainingJobDefinition.StaticHyperParameters[",
    "TrainingJobDefinition.Environment[",
)


def _is_secret_prone(path: str) -> bool:
    """Values of these maps may hold credentials, so messages never echo them."""
    return path.startswith(_SECRET_PRONE) and not path.endswith(".key")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _bounds(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"from {low:,} to {high:,}"
    if low is not None:
        return f"at least {low:,}"
    return f"at most {high:,}"


def _show(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _enum_message(value: str, allowed: Sequence[str]) -> str:
    if len(allowed) <= _ENUM_LIST_LIMIT:
        return f"must be one of {', '.join(allowed)}; got {_show(value)}"
    close = difflib.get_close_matches(value, allowed, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return f"must be one of the {len(allowed)} values SageMaker accepts; got {_show(value)}{hint}"


# --------------------------------------------------------------------------- field names

_PREFIXES: tuple[tuple[str, str], ...] = (
    ("HyperParameterTuningJobName", "job_name"),
    ("HyperParameterTuningJobConfig.Strategy", "strategy"),
    ("HyperParameterTuningJobConfig.ResourceLimits.MaxNumberOfTrainingJobs", "max_jobs"),
    ("HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs", "max_parallel_jobs"),
    (
        "HyperParameterTuningJobConfig.ResourceLimits.MaxRuntimeInSeconds",
        "max_tuning_runtime_seconds",
    ),
    ("HyperParameterTuningJobConfig.HyperParameterTuningJobObjective.MetricName", "objective"),
    ("HyperParameterTuningJobConfig.HyperParameterTuningJobObjective.Type", "objective"),
    ("HyperParameterTuningJobConfig.HyperParameterTuningJobObjective", "objective"),
    (
        "HyperParameterTuningJobConfig.StrategyConfig.HyperbandStrategyConfig.MinResource",
        "hyperband.min_resource",
    ),
    (
        "HyperParameterTuningJobConfig.StrategyConfig.HyperbandStrategyConfig.MaxResource",
        "hyperband.max_resource",
    ),
    ("HyperParameterTuningJobConfig.StrategyConfig", "hyperband"),
    (
        "HyperParameterTuningJobConfig.TuningJobCompletionCriteria.TargetObjectiveMetricValue",
        "completion.target_objective_value",
    ),
    (
        "HyperParameterTuningJobConfig.TuningJobCompletionCriteria.BestObjectiveNotImproving",
        "completion.max_jobs_not_improving",
    ),
    (
        "HyperParameterTuningJobConfig.TuningJobCompletionCriteria.ConvergenceDetected",
        "completion.complete_on_convergence",
    ),
    ("HyperParameterTuningJobConfig.TuningJobCompletionCriteria", "completion"),
    ("HyperParameterTuningJobConfig.RandomSeed", "random_seed"),
    ("HyperParameterTuningJobConfig.TrainingJobEarlyStoppingType", "early_stopping"),
    ("HyperParameterTuningJobConfig.ParameterRanges", "ranges"),
    ("TrainingJobDefinition.RoleArn", "training.role"),
    ("TrainingJobDefinition.AlgorithmSpecification.TrainingImage", "training.image_uri"),
    ("TrainingJobDefinition.AlgorithmSpecification.AlgorithmName", "training.algorithm_name"),
    ("TrainingJobDefinition.AlgorithmSpecification.TrainingInputMode", "training.input_mode"),
    (
        "TrainingJobDefinition.AlgorithmSpecification.MetricDefinitions",
        "training.metric_definitions",
    ),
    ("TrainingJobDefinition.OutputDataConfig.S3OutputPath", "training.output_path"),
    ("TrainingJobDefinition.OutputDataConfig.KmsKeyId", "training.output_kms_key_id"),
    ("TrainingJobDefinition.ResourceConfig.InstanceType", "training.instance_type"),
    ("TrainingJobDefinition.ResourceConfig.InstanceCount", "training.instance_count"),
    ("TrainingJobDefinition.ResourceConfig.VolumeSizeInGB", "training.volume_size_gb"),
    ("TrainingJobDefinition.ResourceConfig.VolumeKmsKeyId", "training.volume_kms_key_id"),
    (
        "TrainingJobDefinition.StoppingCondition.MaxRuntimeInSeconds",
        "training.max_runtime_seconds",
    ),
    ("TrainingJobDefinition.StoppingCondition.MaxWaitTimeInSeconds", "training.max_wait_seconds"),
    ("TrainingJobDefinition.StaticHyperParameters", "training.static_hyperparameters"),
    ("TrainingJobDefinition.InputDataConfig", "training.inputs"),
    ("TrainingJobDefinition.VpcConfig.Subnets", "training.vpc.subnets"),
    ("TrainingJobDefinition.VpcConfig.SecurityGroupIds", "training.vpc.security_group_ids"),
    ("TrainingJobDefinition.Environment", "training.environment"),
    ("TrainingJobDefinition.CheckpointConfig.S3Uri", "training.checkpoint_s3_uri"),
    ("TrainingJobDefinition.RetryStrategy.MaximumRetryAttempts", "training.retry_attempts"),
    ("TrainingJobDefinition.EnableManagedSpotTraining", "training.use_spot_instances"),
    ("TrainingJobDefinition.EnableNetworkIsolation", "training.enable_network_isolation"),
    (
        "TrainingJobDefinition.EnableInterContainerTrafficEncryption",
        "training.enable_inter_container_traffic_encryption",
    ),
    ("TrainingJobDefinition", "training"),
    ("WarmStartConfig.ParentHyperParameterTuningJobs", "warm_start.parents"),
    ("WarmStartConfig.WarmStartType", "warm_start.type"),
    ("WarmStartConfig", "warm_start"),
    ("Tags", "tags"),
)

_RANGE_PATH = re.compile(
    r"HyperParameterTuningJobConfig\.ParameterRanges\.(\w+)ParameterRanges\[(\d+)\](.*)"
)
_TAG_PATH = re.compile(r"Tags\[(\d+)\](\.Key|\.Value)?")
_PARENT_PATH = re.compile(
    r"WarmStartConfig\.ParentHyperParameterTuningJobs\[(\d+)\]\.HyperParameterTuningJobName"
)
_RANGE_MEMBERS = {
    ".MinValue": ".min",
    ".MaxValue": ".max",
    ".ScalingType": ".scaling",
    ".Values": ".values",
    ".Name": "",
}
_CHANNEL_MEMBERS = {
    ".ChannelName": ".name",
    ".DataSource.S3DataSource.S3Uri": ".s3_uri",
    ".DataSource.S3DataSource.S3DataType": ".s3_data_type",
    ".DataSource.S3DataSource.S3DataDistributionType": ".distribution",
    ".ContentType": ".content_type",
    ".CompressionType": ".compression",
    ".RecordWrapperType": ".record_wrapper",
    ".InputMode": ".input_mode",
}


def user_field(api_path: str, request: Mapping[str, Any] | None = None) -> str:
    """The user-facing field for an API path, e.g. ``ranges['lr'].min``.

    An API path with no user-facing name is returned as it is.
    """
    match = _RANGE_PATH.fullmatch(api_path)
    if match and request is not None:
        kind, index, rest = match.group(1), int(match.group(2)), match.group(3)
        try:
            lists = request["HyperParameterTuningJobConfig"]["ParameterRanges"]
            name = lists[f"{kind}ParameterRanges"][index]["Name"]
        except (KeyError, IndexError, TypeError):
            name = f"{kind.lower()}#{index}"
        for api, user in _RANGE_MEMBERS.items():
            if rest.startswith(api):
                return f"ranges[{name!r}]{user}{rest[len(api) :]}"
        return f"ranges[{name!r}]{rest}"

    tag = _TAG_PATH.fullmatch(api_path)
    if tag and request is not None:
        try:
            key = request["Tags"][int(tag.group(1))]["Key"]
        except (KeyError, IndexError, TypeError, ValueError):
            key = f"#{tag.group(1)}"
        return f"tags[{key!r}]" + (".key" if tag.group(2) == ".Key" else "")

    parent = _PARENT_PATH.fullmatch(api_path)
    if parent:
        return f"warm_start.parents[{parent.group(1)}]"

    for prefix, user in _PREFIXES:
        if api_path == prefix or api_path.startswith((prefix + ".", prefix + "[")):
            rest = api_path[len(prefix) :]
            if user == "training.inputs":
                for api, name in _CHANNEL_MEMBERS.items():
                    at = rest.find(api)
                    if at >= 0:
                        return f"{user}{rest[:at]}{name}{rest[at + len(api) :]}"
            if user == "objective" or user.startswith("completion."):
                return user
            return user + _snake(rest)
    return api_path


def _snake(rest: str) -> str:
    """``.MaxRuntimeInSeconds`` -> ``.max_runtime_in_seconds``; indexes are kept."""
    return re.sub(r"\.([A-Z][A-Za-z0-9]*)", lambda m: "." + _to_snake(m.group(1)), rest)


def _to_snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
