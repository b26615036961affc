"""Frozen value objects for a hyperparameter tuning-job definition.

A :class:`TuningJobDefinition` renders the exact ``CreateHyperParameterTuningJob`` request
(:meth:`TuningJobDefinition.to_request`) and is rebuilt from a request or from a
``DescribeHyperParameterTuningJob`` response (:meth:`TuningJobDefinition.from_api`).

Construction never raises on a bad value: a value object keeps what it was given, and the
rule engine (:mod:`constructs_pkg.core.rules`) reports every problem at once with the field
that holds it. Only the library's own programming errors surface as exceptions.

Hyperparameter values are rendered to strings by one rule (:func:`render_value`):

* ``bool`` becomes ``"true"`` or ``"false"``;
* ``int`` becomes its decimal digits;
* ``float`` becomes the shortest text that reads back as the same float (``repr``),
  so ``0.001`` stays ``"0.001"`` and ``1e-05`` stays ``"1e-05"``;
* ``str`` is kept as it is.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, TypeAlias, cast

from constructs_pkg.core.findings import looks_like_token

SCHEMA_VERSION = 1
"""Version of the canonical spec that travels in the custom resource's properties."""

SERVICE_OBJECTIVE_KEY = "_tuning_objective_metric"
"""Static hyperparameter that SageMaker adds to every tuning job by itself."""

HyperparameterValue: TypeAlias = str | int | float | bool
Number: TypeAlias = int | float | str


class Strategy(StrEnum):
    """Search strategy; values are the API strings."""

    BAYESIAN = "Bayesian"
    RANDOM = "Random"
    HYPERBAND = "Hyperband"
    GRID = "Grid"


class ScalingType(StrEnum):
    """Scaling of an integer or continuous range; values are the API strings."""

    AUTO = "Auto"
    LINEAR = "Linear"
    LOGARITHMIC = "Logarithmic"
    REVERSE_LOGARITHMIC = "ReverseLogarithmic"


class ObjectiveType(StrEnum):
    MAXIMIZE = "Maximize"
    MINIMIZE = "Minimize"


class WarmStartType(StrEnum):
    """Warm-start type; values are exactly the API strings."""

    IDENTICAL_DATA_AND_ALGORITHM = "IdenticalDataAndAlgorithm"
    TRANSFER_LEARNING = "TransferLearning"


class EarlyStopping(StrEnum):
    OFF = "Off"
    AUTO = "Auto"


class InputMode(StrEnum):
    FILE = "File"
    PIPE = "Pipe"
    FAST_FILE = "FastFile"


class S3DataType(StrEnum):
    S3_PREFIX = "S3Prefix"
    MANIFEST_FILE = "ManifestFile"
    AUGMENTED_MANIFEST_FILE = "AugmentedManifestFile"


class S3DataDistribution(StrEnum):
    FULLY_REPLICATED = "FullyReplicated"
    SHARDED_BY_S3_KEY = "ShardedByS3Key"


class CompressionType(StrEnum):
    NONE = "None"
    GZIP = "Gzip"


class RecordWrapper(StrEnum):
    NONE = "None"
    RECORD_IO = "RecordIO"


def api_value(value: object) -> object:
    """The wire form of an enum member; anything else is returned unchanged."""
    if isinstance(value, StrEnum):
        return value.value
    return value


def render_value(value: object) -> object:
    """Render a hyperparameter or range bound to its API string (see the module docstring).

    A value of an unsupported type is returned unchanged, so that the rule engine reports it
    with its field instead of this function raising.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # NaN and infinities become text ("nan", "inf"), which the range rules reject and
        # which, unlike the floats themselves, JSON can carry.
        return repr(value)
    if isinstance(value, StrEnum):
        return value.value
    return value


def canonical_value(value: object) -> str:
    """A comparison key for static values: numbers compare by value, not by spelling.

    ``"1e-3"`` and ``"0.001"`` are the same static value; ``"adam"`` is compared as text.
    """
    text = render_value(value)
    if not isinstance(text, str):
        return repr(text)
    try:
        number = float(text)
    except ValueError:
        return text
    if not math.isfinite(number):
        return text
    return repr(number)


# --------------------------------------------------------------------------- ranges


@dataclass(frozen=True)
class ContinuousRange:
    """A continuous hyperparameter searched between ``min`` and ``max`` (floats)."""

    min: Number
    max: Number
    scaling: ScalingType = ScalingType.AUTO

    kind = "Continuous"

    def to_api(self, name: str) -> dict[str, object]:
        return {
            "Name": name,
            "MinValue": render_value(self.min),
            "MaxValue": render_value(self.max),
            "ScalingType": api_value(self.scaling),
        }


@dataclass(frozen=True)
class IntegerRange:
    """An integer hyperparameter searched between ``min`` and ``max`` inclusive."""

    min: Number
    max: Number
    scaling: ScalingType = ScalingType.AUTO

    kind = "Integer"

    def to_api(self, name: str) -> dict[str, object]:
        return {
            "Name": name,
            "MinValue": _integer_bound(self.min),
            "MaxValue": _integer_bound(self.max),
            "ScalingType": api_value(self.scaling),
        }


def _integer_bound(value: object) -> object:
    """An integral float bound (``2.0``) of an integer range renders as an integer (``"2"``)."""
    if isinstance(value, float) and value.is_integer() and not looks_like_token(value):
        return str(int(value))
    return render_value(value)


@dataclass(frozen=True)
class CategoricalRange:
    """A categorical hyperparameter searched over ``values`` (1 to 30 of them)."""

    values: tuple[HyperparameterValue, ...]

    kind = "Categorical"

    def __init__(self, values: Iterable[HyperparameterValue]) -> None:
        single = isinstance(values, str | bytes)
        object.__setattr__(self, "values", (values,) if single else _as_tuple(values))

    def rendered_values(self) -> list[object]:
        return [render_value(v) for v in self.values]

    def to_api(self, name: str) -> dict[str, object]:
        return {"Name": name, "Values": self.rendered_values()}


Range: TypeAlias = ContinuousRange | IntegerRange | CategoricalRange

_RANGE_LISTS: tuple[tuple[str, type[Range]], ...] = (
    ("IntegerParameterRanges", IntegerRange),
    ("ContinuousParameterRanges", ContinuousRange),
    ("CategoricalParameterRanges", CategoricalRange),
)


# --------------------------------------------------------------------------- objective


@dataclass(frozen=True)
class Objective:
    """The metric the tuning job optimises. Build it with :meth:`maximize` or :meth:`minimize`."""

    type: ObjectiveType
    metric_name: str

    @classmethod
    def maximize(cls, metric_name: str) -> Objective:
        return cls(ObjectiveType.MAXIMIZE, metric_name)

    @classmethod
    def minimize(cls, metric_name: str) -> Objective:
        return cls(ObjectiveType.MINIMIZE, metric_name)

    def to_api(self) -> dict[str, object]:
        return {"Type": api_value(self.type), "MetricName": self.metric_name}


# --------------------------------------------------------------------------- training


@dataclass(frozen=True)
class MetricDefinition:
    """A metric parsed from the training logs by ``regex`` (needed for custom images)."""

    name: str
    regex: str

    def to_api(self) -> dict[str, object]:
        return {"Name": self.name, "Regex": self.regex}


@dataclass(frozen=True)
class Channel:
    """One input channel read from S3."""

    name: str
    s3_uri: str
    s3_data_type: S3DataType = S3DataType.S3_PREFIX
    distribution: S3DataDistribution | None = None
    content_type: str | None = None
    compression: CompressionType | None = None
    record_wrapper: RecordWrapper | None = None
    input_mode: InputMode | None = None
    """Overrides :attr:`TrainingDefinition.input_mode` for this channel."""

    def to_api(self) -> dict[str, object]:
        s3: dict[str, object] = {
            "S3DataType": api_value(self.s3_data_type),
            "S3Uri": self.s3_uri,
        }
        if self.distribution is not None:
            s3["S3DataDistributionType"] = api_value(self.distribution)
        channel: dict[str, object] = {"ChannelName": self.name, "DataSource": {"S3DataSource": s3}}
        optional = {
            "ContentType": self.content_type,
            "CompressionType": self.compression,
            "RecordWrapperType": self.record_wrapper,
            "InputMode": self.input_mode,
        }
        for key, value in optional.items():
            if value is not None:
                channel[key] = api_value(value)
        return channel

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Channel:
        s3 = data.get("DataSource", {}).get("S3DataSource", {})
        return cls(
            name=data.get("ChannelName", ""),
            s3_uri=s3.get("S3Uri", ""),
            s3_data_type=_enum(S3DataType, s3.get("S3DataType", S3DataType.S3_PREFIX)),
            distribution=_enum(S3DataDistribution, s3.get("S3DataDistributionType")),
            content_type=data.get("ContentType"),
            compression=_enum(CompressionType, data.get("CompressionType")),
            record_wrapper=_enum(RecordWrapper, data.get("RecordWrapperType")),
            input_mode=_enum(InputMode, data.get("InputMode")),
        )


@dataclass(frozen=True)
class VpcConfig:
    subnets: tuple[str, ...]
    security_group_ids: tuple[str, ...]

    def __init__(self, subnets: Iterable[str], security_group_ids: Iterable[str]) -> None:
        object.__setattr__(self, "subnets", _as_tuple(subnets))
        object.__setattr__(self, "security_group_ids", _as_tuple(security_group_ids))

    def to_api(self) -> dict[str, object]:
        return {"Subnets": list(self.subnets), "SecurityGroupIds": list(self.security_group_ids)}


@dataclass(frozen=True)
class TrainingDefinition:
    """How each training job of the tuning job runs.

    Give exactly one of ``image_uri`` (a registry path) and ``algorithm_name`` (an algorithm
    resource or Marketplace algorithm). ``role`` is the ARN of the execution role that
    SageMaker assumes; it may be a CDK token such as ``my_role.role_arn``.
    ``max_runtime_seconds`` caps each training job (not the tuning job as a whole).
    """

    role: str
    output_path: str
    inputs: Sequence[Channel] = ()
    image_uri: str | None = None
    algorithm_name: str | None = None
    instance_type: str = "ml.m5.xlarge"
    instance_count: int = 1
    volume_size_gb: int = 30
    max_runtime_seconds: int = 86_400
    static_hyperparameters: Mapping[str, HyperparameterValue] = field(default_factory=dict)
    metric_definitions: Sequence[MetricDefinition] = ()
    input_mode: InputMode = InputMode.FILE
    environment: Mapping[str, str] = field(default_factory=dict)
    vpc: VpcConfig | None = None
    enable_network_isolation: bool = False
    enable_inter_container_traffic_encryption: bool = False
    use_spot_instances: bool = False
    max_wait_seconds: int | None = None
    checkpoint_s3_uri: str | None = None
    retry_attempts: int | None = None
    volume_kms_key_id: str | None = None
    output_kms_key_id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "inputs", _as_tuple(self.inputs))
        object.__setattr__(self, "metric_definitions", _as_tuple(self.metric_definitions))
        object.__setattr__(self, "static_hyperparameters", _as_dict(self.static_hyperparameters))
        object.__setattr__(self, "environment", _as_dict(self.environment))

    def replace(self, **changes: Any) -> TrainingDefinition:
        """A copy with some fields changed, e.g. new ``inputs`` for a transfer-learning child."""
        return replace(self, **changes)

    def rendered_static_hyperparameters(self) -> dict[str, object]:
        return {str(k): render_value(v) for k, v in self.static_hyperparameters.items()}

    def to_api(
        self,
        *,
        ranges: Mapping[str, Range] | None = None,
    ) -> dict[str, object]:
        algorithm: dict[str, object] = {"TrainingInputMode": api_value(self.input_mode)}
        if self.image_uri is not None:
            algorithm["TrainingImage"] = self.image_uri
        if self.algorithm_name is not None:
            algorithm["AlgorithmName"] = self.algorithm_name
        if self.metric_definitions:
            # The user's order is kept, so a finding's index names the definition they wrote.
            algorithm["MetricDefinitions"] = [m.to_api() for m in self.metric_definitions]

        resource: dict[str, object] = {
            "InstanceType": self.instance_type,
            "InstanceCount": self.instance_count,
            "VolumeSizeInGB": self.volume_size_gb,
        }
        if self.volume_kms_key_id is not None:
            resource["VolumeKmsKeyId"] = self.volume_kms_key_id

        output: dict[str, object] = {"S3OutputPath": self.output_path}
        if self.output_kms_key_id is not None:
            output["KmsKeyId"] = self.output_kms_key_id

        stopping: dict[str, object] = {"MaxRuntimeInSeconds": self.max_runtime_seconds}
        if self.max_wait_seconds is not None:
            stopping["MaxWaitTimeInSeconds"] = self.max_wait_seconds

        definition: dict[str, object] = {
            "AlgorithmSpecification": algorithm,
            "RoleArn": self.role,
            "OutputDataConfig": output,
            "ResourceConfig": resource,
            "StoppingCondition": stopping,
            "StaticHyperParameters": dict(sorted(self.rendered_static_hyperparameters().items())),
        }
        if ranges is not None:
            definition["HyperParameterRanges"] = render_ranges(ranges)
        if self.inputs:
            definition["InputDataConfig"] = [c.to_api() for c in self.inputs]
        if self.vpc is not None:
            definition["VpcConfig"] = self.vpc.to_api()
        if self.environment:
            definition["Environment"] = dict(sorted(self.environment.items()))
        # Flags are sent unless False; a value that is not a bool (the text "false", say)
        # is sent as it is, so the service-model check reports it instead of it reading true.
        flags = {
            "EnableNetworkIsolation": self.enable_network_isolation,
            "EnableInterContainerTrafficEncryption": self.enable_inter_container_traffic_encryption,
            "EnableManagedSpotTraining": self.use_spot_instances,
        }
        for key, flag in flags.items():
            if flag is not False:
                definition[key] = flag
        if self.checkpoint_s3_uri is not None:
            definition["CheckpointConfig"] = {"S3Uri": self.checkpoint_s3_uri}
        if self.retry_attempts is not None:
            definition["RetryStrategy"] = {"MaximumRetryAttempts": self.retry_attempts}
        return definition

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> TrainingDefinition:
        algorithm = data.get("AlgorithmSpecification", {})
        resource = data.get("ResourceConfig", {})
        output = data.get("OutputDataConfig", {})
        stopping = data.get("StoppingCondition", {})
        vpc = data.get("VpcConfig")
        static = dict(data.get("StaticHyperParameters", {}))
        static.pop(SERVICE_OBJECTIVE_KEY, None)
        return cls(
            role=data.get("RoleArn", ""),
            output_path=output.get("S3OutputPath", ""),
            output_kms_key_id=output.get("KmsKeyId"),
            inputs=tuple(Channel.from_api(c) for c in data.get("InputDataConfig", ())),
            image_uri=algorithm.get("TrainingImage"),
            algorithm_name=algorithm.get("AlgorithmName"),
            input_mode=_enum(InputMode, algorithm.get("TrainingInputMode", InputMode.FILE)),
            metric_definitions=tuple(
                MetricDefinition(m.get("Name", ""), m.get("Regex", ""))
                for m in algorithm.get("MetricDefinitions", ())
            ),
            instance_type=resource.get("InstanceType", ""),
            instance_count=resource.get("InstanceCount", 1),
            volume_size_gb=resource.get("VolumeSizeInGB", 30),
            volume_kms_key_id=resource.get("VolumeKmsKeyId"),
            max_runtime_seconds=stopping.get("MaxRuntimeInSeconds", 86_400),
            max_wait_seconds=stopping.get("MaxWaitTimeInSeconds"),
            static_hyperparameters=static,
            environment=dict(data.get("Environment", {})),
            vpc=VpcConfig(vpc.get("Subnets", ()), vpc.get("SecurityGroupIds", ()))
            if vpc
            else None,
            enable_network_isolation=bool(data.get("EnableNetworkIsolation", False)),
            enable_inter_container_traffic_encryption=bool(
                data.get("EnableInterContainerTrafficEncryption", False)
            ),
            use_spot_instances=bool(data.get("EnableManagedSpotTraining", False)),
            checkpoint_s3_uri=data.get("CheckpointConfig", {}).get("S3Uri"),
            retry_attempts=data.get("RetryStrategy", {}).get("MaximumRetryAttempts"),
        )


# --------------------------------------------------------------------------- strategy extras


@dataclass(frozen=True)
class HyperbandConfig:
    """Resource bounds for the Hyperband strategy (usually epochs)."""

    min_resource: int | None = None
    max_resource: int | None = None

    def to_api(self) -> dict[str, object]:
        config: dict[str, object] = {}
        if self.min_resource is not None:
            config["MinResource"] = self.min_resource
        if self.max_resource is not None:
            config["MaxResource"] = self.max_resource
        return {"HyperbandStrategyConfig": config}


@dataclass(frozen=True)
class CompletionCriteria:
    """When the tuning job may stop before it has run ``max_jobs`` training jobs."""

    target_objective_value: float | None = None
    max_jobs_not_improving: int | None = None
    complete_on_convergence: bool | None = None

    def to_api(self) -> dict[str, object]:
        criteria: dict[str, object] = {}
        if self.target_objective_value is not None:
            criteria["TargetObjectiveMetricValue"] = self.target_objective_value
        if self.max_jobs_not_improving is not None:
            criteria["BestObjectiveNotImproving"] = {
                "MaxNumberOfTrainingJobsNotImproving": self.max_jobs_not_improving
            }
        if self.complete_on_convergence is not None:
            criteria["ConvergenceDetected"] = {
                "CompleteOnConvergence": _CONVERGENCE.get(
                    self.complete_on_convergence, self.complete_on_convergence
                )
            }
        return criteria

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> CompletionCriteria:
        convergence = data.get("ConvergenceDetected", {}).get("CompleteOnConvergence")
        return cls(
            target_objective_value=data.get("TargetObjectiveMetricValue"),
            max_jobs_not_improving=data.get("BestObjectiveNotImproving", {}).get(
                "MaxNumberOfTrainingJobsNotImproving"
            ),
            complete_on_convergence=None if convergence is None else convergence == "Enabled",
        )


@dataclass(frozen=True)
class WarmStartConfig:
    """Warm start of the model: the type and the parents' job names (which may be tokens)."""

    type: WarmStartType
    parents: tuple[str, ...]

    def __init__(self, type: WarmStartType, parents: Iterable[str]) -> None:
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "parents", _as_tuple(parents))

    def to_api(self) -> dict[str, object]:
        return {
            "WarmStartType": api_value(self.type),
            "ParentHyperParameterTuningJobs": [
                {"HyperParameterTuningJobName": name} for name in self.parents
            ],
        }


# --------------------------------------------------------------------------- the definition


@dataclass(frozen=True)
class TuningJobDefinition:
    """Everything that defines one hyperparameter tuning job, name and tags aside."""

    training: TrainingDefinition
    objective: Objective | None
    ranges: Mapping[str, Range]
    max_parallel_jobs: int
    max_jobs: int | None = None
    strategy: Strategy = Strategy.BAYESIAN
    max_tuning_runtime_seconds: int | None = None
    """Caps the whole tuning job, all its training jobs together (not each training job)."""
    early_stopping: EarlyStopping = EarlyStopping.OFF
    hyperband: HyperbandConfig | None = None
    completion: CompletionCriteria | None = None
    random_seed: int | None = None
    warm_start: WarmStartConfig | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "ranges", _as_dict(self.ranges))

    # ---- rendering

    def hyperparameter_names(self) -> set[str]:
        """Static and tunable names together (the set warm start keeps constant)."""
        return {str(k) for k in self.training.static_hyperparameters} | set(self.ranges)

    def tuning_config(self) -> dict[str, object]:
        limits: dict[str, object] = {"MaxParallelTrainingJobs": self.max_parallel_jobs}
        if self.max_jobs is not None:
            limits["MaxNumberOfTrainingJobs"] = self.max_jobs
        if self.max_tuning_runtime_seconds is not None:
            limits["MaxRuntimeInSeconds"] = self.max_tuning_runtime_seconds
        config: dict[str, object] = {
            "Strategy": api_value(self.strategy),
            "ResourceLimits": limits,
            "ParameterRanges": render_ranges(self.ranges),
            "TrainingJobEarlyStoppingType": api_value(self.early_stopping),
        }
        if self.objective is not None:
            config["HyperParameterTuningJobObjective"] = self.objective.to_api()
        if self.hyperband is not None:
            config["StrategyConfig"] = self.hyperband.to_api()
        if self.completion is not None:
            config["TuningJobCompletionCriteria"] = self.completion.to_api()
        if self.random_seed is not None:
            config["RandomSeed"] = self.random_seed
        return config

    def to_request(
        self, job_name: str, tags: Mapping[str, str] | None = None
    ) -> dict[str, object]:
        """The ``CreateHyperParameterTuningJob`` request, as boto3 takes it."""
        request: dict[str, object] = {
            "HyperParameterTuningJobName": job_name,
            "HyperParameterTuningJobConfig": self.tuning_config(),
            "TrainingJobDefinition": self.training.to_api(),
        }
        if self.warm_start is not None:
            request["WarmStartConfig"] = self.warm_start.to_api()
        if tags:
            ordered = sorted(tags.items(), key=lambda item: str(item[0]))
            request["Tags"] = [{"Key": k, "Value": v} for k, v in ordered]
        return request

    # ---- reading back

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> TuningJobDefinition:
        """Rebuild a definition from a Create request or a Describe response.

        What Describe adds is normalised away: the service-added
        ``_tuning_objective_metric`` static hyperparameter is dropped.
        """
        config = data.get("HyperParameterTuningJobConfig", {})
        limits = config.get("ResourceLimits", {})
        objective = config.get("HyperParameterTuningJobObjective")
        hyperband = config.get("StrategyConfig", {}).get("HyperbandStrategyConfig")
        completion = config.get("TuningJobCompletionCriteria")
        warm = data.get("WarmStartConfig")
        return cls(
            training=TrainingDefinition.from_api(data.get("TrainingJobDefinition", {})),
            objective=(
                Objective(_enum(ObjectiveType, objective.get("Type")), objective.get("MetricName"))
                if objective
                else None
            ),
            ranges=parse_ranges(config.get("ParameterRanges", {})),
            max_parallel_jobs=limits.get("MaxParallelTrainingJobs"),
            max_jobs=limits.get("MaxNumberOfTrainingJobs"),
            strategy=_enum(Strategy, config.get("Strategy")),
            max_tuning_runtime_seconds=limits.get("MaxRuntimeInSeconds"),
            early_stopping=_enum(
                EarlyStopping, config.get("TrainingJobEarlyStoppingType", EarlyStopping.OFF)
            ),
            hyperband=(
                HyperbandConfig(hyperband.get("MinResource"), hyperband.get("MaxResource"))
                if hyperband is not None
                else None
            ),
            completion=CompletionCriteria.from_api(completion) if completion is not None else None,
            random_seed=config.get("RandomSeed"),
            warm_start=(
                WarmStartConfig(
                    _enum(WarmStartType, warm.get("WarmStartType")),
                    (
                        p.get("HyperParameterTuningJobName", "")
                        for p in warm.get("ParentHyperParameterTuningJobs", ())
                    ),
                )
                if warm
                else None
            ),
        )

    def with_parents(self, parents: Sequence[str]) -> TuningJobDefinition:
        """The same definition with the warm-start parents' names replaced."""
        if self.warm_start is None:
            return self
        return replace(self, warm_start=WarmStartConfig(self.warm_start.type, parents))


def render_ranges(ranges: Mapping[str, Range]) -> dict[str, list[dict[str, object]]]:
    """Ranges grouped by kind, each list sorted by name so the rendering is canonical."""
    rendered: dict[str, list[dict[str, object]]] = {key: [] for key, _ in _RANGE_LISTS}
    for name in sorted(ranges, key=str):
        value = ranges[name]
        for key, kind in _RANGE_LISTS:
            if isinstance(value, kind):
                rendered[key].append(value.to_api(str(name)))
                break
    return {key: items for key, items in rendered.items() if items}


def parse_ranges(data: Mapping[str, Any]) -> dict[str, Range]:
    ranges: dict[str, Range] = {}
    for item in data.get("IntegerParameterRanges", ()):
        ranges[item["Name"]] = IntegerRange(
            item.get("MinValue", ""),
            item.get("MaxValue", ""),
            _enum(ScalingType, item.get("ScalingType", ScalingType.AUTO)),
        )
    for item in data.get("ContinuousParameterRanges", ()):
        ranges[item["Name"]] = ContinuousRange(
            item.get("MinValue", ""),
            item.get("MaxValue", ""),
            _enum(ScalingType, item.get("ScalingType", ScalingType.AUTO)),
        )
    for item in data.get("CategoricalParameterRanges", ()):
        ranges[item["Name"]] = CategoricalRange(item.get("Values", ()))
    return ranges


# --------------------------------------------------------------------------- canonical spec


def canonical_json(data: object) -> str:
    """Sorted keys, no insignificant white space: the same data always gives the same text."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def definition_spec(definition: TuningJobDefinition) -> dict[str, object]:
    """The canonical spec: the Create request without its name and tags, versioned."""
    request = definition.to_request("")
    del request["HyperParameterTuningJobName"]
    return {"schemaVersion": SCHEMA_VERSION, "request": request}


def definition_hash(definition: TuningJobDefinition) -> str:
    """A short, stable hash of everything that makes a job a new job (not its name or tags)."""
    digest = hashlib.sha256(canonical_json(definition_spec(definition)).encode("utf-8"))
    return digest.hexdigest()[:16]


def definition_from_spec(spec: Mapping[str, Any]) -> TuningJobDefinition:
    """Rebuild a definition from :func:`definition_spec` output (decoded from JSON)."""
    version = spec.get("schemaVersion")
    if version != SCHEMA_VERSION:
        raise ValueError(
            f"unsupported spec schemaVersion {version!r}; this library reads version "
            f"{SCHEMA_VERSION}"
        )
    request = spec.get("request")
    if not isinstance(request, Mapping):
        raise ValueError("spec has no `request` object")
    return TuningJobDefinition.from_api(request)


# --------------------------------------------------------------------------- helpers


def _as_dict(value: Any) -> Any:
    """A plain-dict copy of a mapping; anything else is kept for the rules to report."""
    return dict(value) if isinstance(value, Mapping) else value


def _as_tuple(value: Any) -> Any:
    """A tuple copy of a list-like value; anything else is kept for the rules to report."""
    if isinstance(value, Iterable) and not isinstance(value, str | bytes | Mapping):
        return tuple(value)
    return value


_CONVERGENCE: dict[object, object] = {True: "Enabled", False: "Disabled"}


def _enum(kind: type[StrEnum], value: object) -> Any:
    """The enum member for an API string; an unknown string is kept for the rules to report."""
    if value is None:
        return None
    try:
        return kind(cast(str, value))
    except ValueError:
        return value
