"""The corpus of invalid tuning-job definitions, declared as data.

Each :class:`Case` names the bad input, the rule id and the user-facing field that
``cdk synth`` must report for it. A case is either a set of construct-level changes to the
small valid job of :mod:`tests.cdk.support` (``job`` keywords, or ``training`` keywords
applied to its training definition) or a function of the builders that makes the bad job
(warm start needs a parent in the same stack).

Three lists:

* :data:`CASES`: must fail synth of a fresh stack with the expected error line;
* :data:`WARNING_CASES`: must synthesize, with the expected warning (rules that only warn,
  and the warning side of rules that do both);
* :data:`DEPLOY_CASES`: errors that need facts only a Describe call gives (a parent's
  status, creation time and launched training jobs), so they cannot fail synth; they are
  checked through ``check_job``, the entry point the deploy-time handler runs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import aws_cdk as cdk

from constructs_pkg import (
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
    RecordWrapper,
    S3DataType,
    ScalingType,
    Strategy,
    TuningJob,
    VpcConfig,
    WarmStart,
    WarmStartType,
)
from constructs_pkg.cdk.tuning_job import TuningJobBase
from constructs_pkg.core.model import TuningJobDefinition, WarmStartConfig
from constructs_pkg.core.rules import ParentJob
from tests.cdk.support import ROLE_ARN, job, training

Builder = Callable[[cdk.Stack], TuningJobBase]

CUSTOM_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/churn-trainer:3"
"""A repository that is no SageMaker built-in algorithm, so S13 wants metric definitions."""
OBJECTIVE_METRIC = "validation:accuracy"
ACCURACY = MetricDefinition(OBJECTIVE_METRIC, r"accuracy=([0-9\.]+)")
BUILTIN_REGISTRY = "811284229777.dkr.ecr.us-east-1.amazonaws.com"
BASE_STATIC: dict[str, object] = {"num_layers": 18, "epochs": 30, "num_classes": 257}
TWO_CHANNELS = (Channel("train", "s3://data/train/"), Channel("validation", "s3://data/val/"))
VPC_SG = ("sg-0a1b2c3d",)
VPC_SUBNETS = ("subnet-0a1b2c3d",)


@dataclasses.dataclass(frozen=True)
class Case:
    """One invalid (or, in :data:`WARNING_CASES`, suspicious) definition."""

    case_id: str
    description: str
    rule_id: str
    field: str
    job: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    """Keywords of ``tests.cdk.support.job`` (the ``TuningJob`` keywords) to change."""
    training: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    """Keywords of the valid training definition to change."""
    build: Builder | None = None
    """Makes the job to check in the stack (instead of ``job`` / ``training``)."""

    def make(self, stack: cdk.Stack) -> TuningJobBase:
        """Build the job in ``stack``; its construct path prefixes the expected line."""
        if self.build is not None:
            return self.build(stack)
        changes = dict(self.job)
        if self.training:
            changes["training"] = training(**self.training)
        return job(stack, "Job", **changes)


def on_job(
    case_id: str,
    description: str,
    rule_id: str,
    field: str,
    **changes: Any,
) -> Case:
    return Case(case_id, description, rule_id, field, job=changes)


def on_training(
    case_id: str,
    description: str,
    rule_id: str,
    field: str,
    **changes: Any,
) -> Case:
    return Case(case_id, description, rule_id, field, training=changes)


def built(
    case_id: str,
    description: str,
    rule_id: str,
    field: str,
    build: Builder,
) -> Case:
    return Case(case_id, description, rule_id, field, build=build)


# --------------------------------------------------------------------------- builders


def child_of(
    parent_changes: Mapping[str, Any] | None = None,
    *,
    warm_start_type: WarmStartType = WarmStartType.IDENTICAL_DATA_AND_ALGORITHM,
    **child_changes: Any,
) -> Builder:
    """A warm-start child (``Jobs/Child``) derived from a valid parent (``Jobs/Parent``)."""

    def build(stack: cdk.Stack) -> TuningJobBase:
        parent = job(stack, "Parent", **dict(parent_changes or {}))
        return parent.derive(stack, "Child", warm_start_type=warm_start_type, **child_changes)

    return build


def child_with_parents(*imported: str, warm_start_type: WarmStartType | None = None) -> Builder:
    """A child of an in-app parent plus jobs imported by name."""

    def build(stack: cdk.Stack) -> TuningJobBase:
        parent = job(stack, "Parent")
        others = [
            TuningJob.from_tuning_job_name(stack, f"Imported{i}", name)
            for i, name in enumerate(imported)
        ]
        return parent.derive(
            stack,
            "Child",
            warm_start_type=warm_start_type or WarmStartType.TRANSFER_LEARNING,
            additional_parents=others,
        )

    return build


def child_with_warm_start(make: Callable[[TuningJobBase], object]) -> Builder:
    """A child whose ``warm_start`` value is ``make(parent)`` (possibly malformed)."""

    def build(stack: cdk.Stack) -> TuningJobBase:
        parent = job(stack, "Parent")
        return parent.derive(stack, "Child", warm_start=make(parent))

    return build


def chain_of_three(**grandchild_changes: Any) -> Builder:
    """``Jobs/A`` -> ``Jobs/B`` -> ``Jobs/C``; returns ``C``."""

    def build(stack: cdk.Stack) -> TuningJobBase:
        first = job(stack, "A")
        second = first.derive(stack, "B")
        return second.derive(stack, "C", **grandchild_changes)

    return build


def many(count: int, make: Callable[[int], Any]) -> list[Any]:
    return [make(i) for i in range(count)]


def static(**extra: object) -> dict[str, object]:
    return {**BASE_STATIC, **extra}


def builtin_image(repository: str = "image-classification", tag: str = "1") -> str:
    return f"{BUILTIN_REGISTRY}/{repository}:{tag}"


def grid(**changes: Any) -> dict[str, Any]:
    """A valid Grid job's keywords (2 x 2 points), with changes."""
    base: dict[str, Any] = {
        "strategy": Strategy.GRID,
        "ranges": {
            "optimizer": CategoricalRange(["sgd", "adam"]),
            "num_layers_choice": CategoricalRange([18, 34]),
        },
        "max_jobs": 4,
    }
    return {**base, **changes}


LR = ContinuousRange(0.0, 0.1)
MOMENTUM = ContinuousRange(0.0, 0.99)

LONG_STATIC_KEY = "k" * 257
LONG_ENV_KEY = "A" * 513
LONG_TAG_KEY = "t" * 129
LONG_RANGE_NAME = "r" * 257
THIRTY_ONE_RANGES: dict[str, Any] = {
    **{f"int{i}": IntegerRange(1, 10) for i in range(11)},
    **{f"cont{i}": ContinuousRange(0.0, 1.0) for i in range(10)},
    **{f"cat{i}": CategoricalRange(["a", "b"]) for i in range(10)},
}
NEARLY_DUPLICATE_RANGES = {"learning_rate": LR, "momentum": MOMENTUM}


# --------------------------------------------------------------------------- F-LENGTH

LENGTH_CASES = [
    on_job(
        "F-LENGTH.job_name.33-chars",
        "a fixed job name one character over the 32 the service allows",
        "F-LENGTH",
        "job_name",
        job_name="a" * 33,
    ),
    on_job(
        "F-LENGTH.objective.empty",
        "an objective metric with no name",
        "F-LENGTH",
        "objective",
        objective=Objective.maximize(""),
    ),
    on_job(
        "F-LENGTH.objective.256-chars",
        "an objective metric name over 255 characters",
        "F-LENGTH",
        "objective",
        objective=Objective.minimize("m" * 256),
    ),
    on_training(
        "F-LENGTH.metric_definitions.name-256-chars",
        "a metric definition name over 255 characters",
        "F-LENGTH",
        "training.metric_definitions[1].name",
        image_uri=CUSTOM_IMAGE,
        metric_definitions=[ACCURACY, MetricDefinition("z" * 256, "loss=(.*)")],
    ),
    on_training(
        "F-LENGTH.metric_definitions.regex-501-chars",
        "a metric regex over 500 characters",
        "F-LENGTH",
        "training.metric_definitions[1].regex",
        image_uri=CUSTOM_IMAGE,
        metric_definitions=[ACCURACY, MetricDefinition("validation:loss", "(.)" * 167)],
    ),
    on_training(
        "F-LENGTH.metric_definitions.regex-empty",
        "a metric definition without a regex",
        "F-LENGTH",
        "training.metric_definitions[0].regex",
        image_uri=CUSTOM_IMAGE,
        metric_definitions=[MetricDefinition(OBJECTIVE_METRIC, "")],
    ),
    on_training(
        "F-LENGTH.inputs.name-empty",
        "a channel without a name",
        "F-LENGTH",
        "training.inputs[0].name",
        inputs=[Channel("", "s3://data/train/")],
    ),
    on_training(
        "F-LENGTH.inputs.name-65-chars",
        "a channel name over 64 characters",
        "F-LENGTH",
        "training.inputs[1].name",
        inputs=[TWO_CHANNELS[0], Channel("v" * 65, "s3://data/val/")],
    ),
    on_training(
        "F-LENGTH.inputs.s3_uri-1025-chars",
        "a channel S3 URI over 1024 characters",
        "F-LENGTH",
        "training.inputs[0].s3_uri",
        inputs=[Channel("train", "s3://data/" + "p" * 1015)],
    ),
    on_training(
        "F-LENGTH.inputs.content_type-257-chars",
        "a channel content type over 256 characters",
        "F-LENGTH",
        "training.inputs[0].content_type",
        inputs=[Channel("train", "s3://data/train/", content_type="text/" + "c" * 252)],
    ),
    on_training(
        "F-LENGTH.output_path-1025-chars",
        "an output path over 1024 characters",
        "F-LENGTH",
        "training.output_path",
        output_path="s3://artifacts/" + "o" * 1010,
    ),
    on_training(
        "F-LENGTH.checkpoint_s3_uri-1025-chars",
        "a checkpoint URI over 1024 characters",
        "F-LENGTH",
        "training.checkpoint_s3_uri",
        checkpoint_s3_uri="s3://checkpoints/" + "c" * 1008,
    ),
    on_training(
        "F-LENGTH.role.19-chars",
        "a role ARN under the 20 characters the service needs",
        "F-LENGTH",
        "training.role",
        role="arn:aws:iam::1:role",
    ),
    on_training(
        "F-LENGTH.role.2049-chars",
        "a role ARN over 2048 characters",
        "F-LENGTH",
        "training.role",
        role=ROLE_ARN + "/" + "p" * (2048 - len(ROLE_ARN)),
    ),
    on_training(
        "F-LENGTH.volume_kms_key_id.2049-chars",
        "a volume KMS key id over 2048 characters",
        "F-LENGTH",
        "training.volume_kms_key_id",
        volume_kms_key_id="k" * 2049,
    ),
    on_training(
        "F-LENGTH.output_kms_key_id.2049-chars",
        "an output KMS key id over 2048 characters",
        "F-LENGTH",
        "training.output_kms_key_id",
        output_kms_key_id="alias/" + "k" * 2043,
    ),
    on_training(
        "F-LENGTH.image_uri.256-chars",
        "a (built-in) image URI over 255 characters",
        "F-LENGTH",
        "training.image_uri",
        image_uri=builtin_image(tag="1" * (256 - len(builtin_image(tag="")))),
    ),
    on_training(
        "F-LENGTH.algorithm_name.171-chars",
        "an algorithm name over 170 characters",
        "F-LENGTH",
        "training.algorithm_name",
        image_uri=None,
        algorithm_name="a" * 171,
    ),
    on_training(
        "F-LENGTH.algorithm_name.empty",
        "an empty algorithm name",
        "F-LENGTH",
        "training.algorithm_name",
        image_uri=None,
        algorithm_name="",
    ),
    on_training(
        "F-LENGTH.static_hyperparameters.key-257-chars",
        "a static hyperparameter name over 256 characters",
        "F-LENGTH",
        f"training.static_hyperparameters[{LONG_STATIC_KEY!r}].key",
        static_hyperparameters=static(**{LONG_STATIC_KEY: 1}),
    ),
    on_training(
        "F-LENGTH.static_hyperparameters.value-2501-chars",
        "a static hyperparameter value over 2500 characters",
        "F-LENGTH",
        "training.static_hyperparameters['notes']",
        static_hyperparameters=static(notes="n" * 2501),
    ),
    on_training(
        "F-LENGTH.environment.key-513-chars",
        "an environment variable name over 512 characters",
        "F-LENGTH",
        f"training.environment[{LONG_ENV_KEY!r}].key",
        environment={LONG_ENV_KEY: "1"},
    ),
    on_training(
        "F-LENGTH.environment.value-513-chars",
        "an environment variable value over 512 characters",
        "F-LENGTH",
        "training.environment['MODE']",
        environment={"MODE": "m" * 513},
    ),
    on_job(
        "F-LENGTH.tags.key-129-chars",
        "a tag key over 128 characters",
        "F-LENGTH",
        f"tags[{LONG_TAG_KEY!r}].key",
        tags={LONG_TAG_KEY: "x"},
    ),
    on_job(
        "F-LENGTH.tags.key-empty",
        "an empty tag key",
        "F-LENGTH",
        "tags[''].key",
        tags={"": "x"},
    ),
    on_job(
        "F-LENGTH.tags.value-257-chars",
        "a tag value over 256 characters",
        "F-LENGTH",
        "tags['team']",
        tags={"team": "v" * 257},
    ),
    on_training(
        "F-LENGTH.vpc.subnets.33-chars",
        "a subnet id over 32 characters",
        "F-LENGTH",
        "training.vpc.subnets[0]",
        vpc=VpcConfig(["subnet-" + "0" * 26], VPC_SG),
    ),
    on_training(
        "F-LENGTH.vpc.security_group_ids.33-chars",
        "a security group id over 32 characters",
        "F-LENGTH",
        "training.vpc.security_group_ids[1]",
        vpc=VpcConfig(VPC_SUBNETS, ["sg-1", "sg-" + "f" * 30]),
    ),
    on_job(
        "F-LENGTH.ranges.name-257-chars",
        "a tunable hyperparameter name over 256 characters",
        "F-LENGTH",
        f"ranges[{LONG_RANGE_NAME!r}]",
        ranges={LONG_RANGE_NAME: LR, "momentum": MOMENTUM},
    ),
    on_job(
        "F-LENGTH.ranges.categorical-value-257-chars",
        "a categorical value over 256 characters",
        "F-LENGTH",
        "ranges['optimizer'].values[1]",
        ranges={"learning_rate": LR, "optimizer": CategoricalRange(["sgd", "x" * 257])},
    ),
    on_job(
        "F-LENGTH.ranges.bound-257-chars",
        "a continuous bound written with 257 characters",
        "F-LENGTH",
        "ranges['learning_rate'].min",
        ranges={"learning_rate": ContinuousRange("0." + "0" * 255, 0.1), "momentum": MOMENTUM},
    ),
]

# --------------------------------------------------------------------------- F-PATTERN

PATTERN_CASES = [
    on_job(
        "F-PATTERN.job_name.underscore",
        "an underscore in the job name",
        "F-PATTERN",
        "job_name",
        job_name="churn_model",
    ),
    on_job(
        "F-PATTERN.job_name.leading-hyphen",
        "a job name starting with a hyphen",
        "F-PATTERN",
        "job_name",
        job_name="-churn",
    ),
    on_job(
        "F-PATTERN.job_name.trailing-hyphen",
        "a job name ending with a hyphen",
        "F-PATTERN",
        "job_name",
        job_name="churn-",
    ),
    on_job(
        "F-PATTERN.job_name.dot",
        "a dot in the job name (the docs allow some punctuation, the model does not)",
        "F-PATTERN",
        "job_name",
        job_name="churn.v2",
    ),
    on_training(
        "F-PATTERN.role.user-arn",
        "a user ARN instead of a role ARN",
        "F-PATTERN",
        "training.role",
        role="arn:aws:iam::123456789012:user/someone",
    ),
    on_training(
        "F-PATTERN.role.short-account",
        "a role ARN with an 11-digit account",
        "F-PATTERN",
        "training.role",
        role="arn:aws:iam::12345678901:role/sagemaker",
    ),
    on_training(
        "F-PATTERN.role.role-name-only",
        "a role name where an ARN belongs",
        "F-PATTERN",
        "training.role",
        role="SageMakerExecutionRoleForTuning",
    ),
    on_training(
        "F-PATTERN.output_path.no-scheme",
        "an output path without s3://",
        "F-PATTERN",
        "training.output_path",
        output_path="my-bucket/tuning",
    ),
    on_training(
        "F-PATTERN.output_path.gs-scheme",
        "an output path in another cloud's scheme",
        "F-PATTERN",
        "training.output_path",
        output_path="gs://my-bucket/tuning",
    ),
    on_training(
        "F-PATTERN.output_path.no-bucket",
        "an output path with an empty bucket",
        "F-PATTERN",
        "training.output_path",
        output_path="s3:///tuning",
    ),
    on_training(
        "F-PATTERN.inputs.s3_uri-single-slash",
        "a channel URI with one slash after the scheme",
        "F-PATTERN",
        "training.inputs[1].s3_uri",
        inputs=[TWO_CHANNELS[0], Channel("validation", "s3:/data/val/")],
    ),
    on_training(
        "F-PATTERN.checkpoint_s3_uri.file-scheme",
        "a local checkpoint URI",
        "F-PATTERN",
        "training.checkpoint_s3_uri",
        checkpoint_s3_uri="file:///opt/ml/checkpoints",
    ),
    on_training(
        "F-PATTERN.inputs.name-space",
        "a space in a channel name",
        "F-PATTERN",
        "training.inputs[0].name",
        inputs=[Channel("train data", "s3://data/train/")],
    ),
    on_training(
        "F-PATTERN.inputs.name-slash",
        "a slash in a channel name",
        "F-PATTERN",
        "training.inputs[1].name",
        inputs=[TWO_CHANNELS[0], Channel("validation/2024", "s3://data/val/")],
    ),
    on_training(
        "F-PATTERN.volume_kms_key_id.space",
        "a space in the volume KMS key alias",
        "F-PATTERN",
        "training.volume_kms_key_id",
        volume_kms_key_id="alias/my key",
    ),
    on_training(
        "F-PATTERN.output_kms_key_id.hash",
        "a '#' in the output KMS key id",
        "F-PATTERN",
        "training.output_kms_key_id",
        output_kms_key_id="key#1",
    ),
    on_training(
        "F-PATTERN.algorithm_name.underscore",
        "an underscore in an algorithm name",
        "F-PATTERN",
        "training.algorithm_name",
        image_uri=None,
        algorithm_name="my_algorithm",
    ),
    on_training(
        "F-PATTERN.algorithm_name.trailing-hyphen",
        "an algorithm name ending with a hyphen",
        "F-PATTERN",
        "training.algorithm_name",
        image_uri=None,
        algorithm_name="my-algorithm-",
    ),
    on_training(
        "F-PATTERN.vpc.subnets.underscore",
        "an underscore in a subnet id",
        "F-PATTERN",
        "training.vpc.subnets[0]",
        vpc=VpcConfig(["subnet_0a1b"], VPC_SG),
    ),
    on_training(
        "F-PATTERN.vpc.security_group_ids.space",
        "a space in a security group id",
        "F-PATTERN",
        "training.vpc.security_group_ids[1]",
        vpc=VpcConfig(VPC_SUBNETS, ["sg-1", "sg 2"]),
    ),
    on_training(
        "F-PATTERN.environment.key-leading-digit",
        "an environment variable name starting with a digit",
        "F-PATTERN",
        "training.environment['1ST_RUN'].key",
        environment={"1ST_RUN": "yes"},
    ),
    on_training(
        "F-PATTERN.environment.key-hyphen",
        "a hyphen in an environment variable name",
        "F-PATTERN",
        "training.environment['LOG-LEVEL'].key",
        environment={"LOG-LEVEL": "debug"},
    ),
    on_job(
        "F-PATTERN.tags.key-hash",
        "a '#' in a tag key",
        "F-PATTERN",
        "tags['team#ml'].key",
        tags={"team#ml": "vision"},
    ),
    on_job(
        "F-PATTERN.tags.value-asterisk",
        "a '*' in a tag value",
        "F-PATTERN",
        "tags['owner']",
        tags={"owner": "a*b"},
    ),
    on_job(
        "F-PATTERN.tags.value-semicolon",
        "a ';' in a tag value",
        "F-PATTERN",
        "tags['cost-center']",
        tags={"cost-center": "ml;vision"},
    ),
]

# --------------------------------------------------------------------------- F-ENUM

ENUM_CASES = [
    on_training(
        "F-ENUM.instance_type.typo",
        "an instance size that does not exist",
        "F-ENUM",
        "training.instance_type",
        instance_type="ml.m5.xxlarge",
    ),
    on_training(
        "F-ENUM.instance_type.ec2-name",
        "an EC2 instance type without the ml. prefix",
        "F-ENUM",
        "training.instance_type",
        instance_type="m5.xlarge",
    ),
    on_training(
        "F-ENUM.instance_type.upper-case",
        "an instance type in upper case",
        "F-ENUM",
        "training.instance_type",
        instance_type="ML.P3.2XLARGE",
    ),
    on_job(
        "F-ENUM.strategy.lower-case",
        "a strategy in lower case",
        "F-ENUM",
        "strategy",
        strategy="bayesian",
    ),
    on_job(
        "F-ENUM.strategy.unknown",
        "a strategy SageMaker does not have",
        "F-ENUM",
        "strategy",
        strategy="Evolutionary",
    ),
    on_job(
        "F-ENUM.ranges.continuous-scaling",
        "an abbreviated scaling type on a continuous range",
        "F-ENUM",
        "ranges['learning_rate'].scaling",
        ranges={"learning_rate": ContinuousRange(0.001, 0.1, "Log"), "momentum": MOMENTUM},
    ),
    on_job(
        "F-ENUM.ranges.integer-scaling",
        "a lower-case scaling type on an integer range",
        "F-ENUM",
        "ranges['batch_size'].scaling",
        ranges={"learning_rate": LR, "batch_size": IntegerRange(16, 256, "linear")},
    ),
    on_job(
        "F-ENUM.early_stopping.on",
        "early stopping 'On' (the values are Off and Auto)",
        "F-ENUM",
        "early_stopping",
        early_stopping="On",
    ),
    on_training(
        "F-ENUM.input_mode.stream",
        "a training input mode that does not exist",
        "F-ENUM",
        "training.input_mode",
        input_mode="Stream",
    ),
    on_training(
        "F-ENUM.inputs.input_mode",
        "a channel input mode that does not exist",
        "F-ENUM",
        "training.inputs[0].input_mode",
        inputs=[Channel("train", "s3://data/train/", input_mode="Streaming")],
    ),
    on_training(
        "F-ENUM.inputs.s3_data_type",
        "an S3 data type that does not exist",
        "F-ENUM",
        "training.inputs[0].s3_data_type",
        inputs=[Channel("train", "s3://data/train/", s3_data_type="S3Object")],
    ),
    on_training(
        "F-ENUM.inputs.distribution",
        "an S3 distribution that does not exist",
        "F-ENUM",
        "training.inputs[1].distribution",
        inputs=[TWO_CHANNELS[0], Channel("validation", "s3://data/val/", distribution="Sharded")],
    ),
    on_training(
        "F-ENUM.inputs.compression",
        "a channel compression that does not exist",
        "F-ENUM",
        "training.inputs[0].compression",
        inputs=[Channel("train", "s3://data/train/", compression="Zip")],
    ),
    on_training(
        "F-ENUM.inputs.record_wrapper",
        "a record wrapper that does not exist",
        "F-ENUM",
        "training.inputs[0].record_wrapper",
        inputs=[Channel("train", "s3://data/train/", record_wrapper="Avro")],
    ),
    on_job(
        "F-ENUM.objective.type",
        "an objective type spelt the British way",
        "F-ENUM",
        "objective",
        objective=Objective("Maximise", OBJECTIVE_METRIC),  # type: ignore[arg-type]
    ),
    built(
        "F-ENUM.warm_start.type",
        "a warm-start type that does not exist",
        "F-ENUM",
        "warm_start.type",
        child_with_warm_start(lambda parent: WarmStart("Identical", (parent,))),  # type: ignore[arg-type]
    ),
]

# --------------------------------------------------------------------------- F-RANGE

RANGE_CASES = [
    on_job("F-RANGE.max_jobs.zero", "no training jobs at all", "F-RANGE", "max_jobs", max_jobs=0),
    on_job(
        "F-RANGE.max_jobs.negative",
        "a negative training-job budget",
        "F-RANGE",
        "max_jobs",
        max_jobs=-5,
    ),
    on_job(
        "F-RANGE.max_parallel_jobs.zero",
        "no parallel training jobs",
        "F-RANGE",
        "max_parallel_jobs",
        max_parallel_jobs=0,
    ),
    on_job(
        "F-RANGE.max_tuning_runtime_seconds.below-120",
        "a tuning job capped below the 120 s minimum",
        "F-RANGE",
        "max_tuning_runtime_seconds",
        max_tuning_runtime_seconds=119,
    ),
    on_job(
        "F-RANGE.max_tuning_runtime_seconds.above-182-days",
        "a tuning job capped above 15,768,000 s",
        "F-RANGE",
        "max_tuning_runtime_seconds",
        max_tuning_runtime_seconds=15_768_001,
    ),
    on_training(
        "F-RANGE.instance_count.negative",
        "a negative instance count",
        "F-RANGE",
        "training.instance_count",
        instance_count=-1,
    ),
    on_training(
        "F-RANGE.volume_size_gb.negative",
        "a negative volume size",
        "F-RANGE",
        "training.volume_size_gb",
        volume_size_gb=-1,
    ),
    on_training(
        "F-RANGE.max_runtime_seconds.zero",
        "training jobs that may not run at all",
        "F-RANGE",
        "training.max_runtime_seconds",
        max_runtime_seconds=0,
    ),
    on_training(
        "F-RANGE.max_wait_seconds.zero",
        "spot training that may not wait at all",
        "F-RANGE",
        "training.max_wait_seconds",
        use_spot_instances=True,
        max_wait_seconds=0,
    ),
    on_training(
        "F-RANGE.retry_attempts.zero",
        "a retry strategy with no attempts",
        "F-RANGE",
        "training.retry_attempts",
        retry_attempts=0,
    ),
    on_training(
        "F-RANGE.retry_attempts.31",
        "more than the 30 retry attempts allowed",
        "F-RANGE",
        "training.retry_attempts",
        retry_attempts=31,
    ),
    on_job(
        "F-RANGE.hyperband.min_resource.zero",
        "a Hyperband minimum resource of 0",
        "F-RANGE",
        "hyperband.min_resource",
        strategy=Strategy.HYPERBAND,
        hyperband=HyperbandConfig(min_resource=0, max_resource=30),
    ),
    on_job(
        "F-RANGE.hyperband.max_resource.zero",
        "a Hyperband maximum resource of 0",
        "F-RANGE",
        "hyperband.max_resource",
        strategy=Strategy.HYPERBAND,
        hyperband=HyperbandConfig(max_resource=0),
    ),
    on_job(
        "F-RANGE.completion.max_jobs_not_improving.2",
        "stopping after 2 jobs without improvement (at least 3)",
        "F-RANGE",
        "completion.max_jobs_not_improving",
        completion=CompletionCriteria(max_jobs_not_improving=2),
    ),
    on_job(
        "F-RANGE.random_seed.negative",
        "a negative random seed",
        "F-RANGE",
        "random_seed",
        random_seed=-1,
    ),
]

# --------------------------------------------------------------------------- F-SIZE

SIZE_CASES = [
    on_training(
        "F-SIZE.inputs.21-channels",
        "21 input channels (at most 20)",
        "F-SIZE",
        "training.inputs",
        inputs=many(21, lambda i: Channel(f"channel{i}", f"s3://data/{i}/")),
    ),
    on_training(
        "F-SIZE.metric_definitions.41",
        "41 metric definitions (at most 40)",
        "F-SIZE",
        "training.metric_definitions",
        image_uri=CUSTOM_IMAGE,
        metric_definitions=[ACCURACY, *many(40, lambda i: MetricDefinition(f"m{i}", "x=(.*)"))],
    ),
    on_training(
        "F-SIZE.static_hyperparameters.101",
        "101 static hyperparameters (at most 100)",
        "F-SIZE",
        "training.static_hyperparameters",
        static_hyperparameters={f"hp{i}": i for i in range(101)},
    ),
    on_training(
        "F-SIZE.environment.49",
        "49 environment variables (at most 48)",
        "F-SIZE",
        "training.environment",
        environment={f"VAR_{i}": str(i) for i in range(49)},
    ),
    on_job(
        "F-SIZE.tags.51",
        "51 tags (at most 50)",
        "F-SIZE",
        "tags",
        tags={f"key{i}": "v" for i in range(51)},
    ),
    on_job(
        "F-SIZE.ranges.categorical-31-values",
        "a categorical range of 31 values (at most 30)",
        "F-SIZE",
        "ranges['optimizer'].values",
        ranges={"learning_rate": LR, "optimizer": CategoricalRange([f"o{i}" for i in range(31)])},
    ),
    on_job(
        "F-SIZE.ranges.categorical-no-values",
        "a categorical range without values",
        "F-SIZE",
        "ranges['optimizer'].values",
        ranges={"learning_rate": LR, "optimizer": CategoricalRange([])},
    ),
    on_job(
        "F-SIZE.ranges.31-integer-ranges",
        "31 integer ranges in one list (at most 30)",
        "F-SIZE",
        "ranges.integer_parameter_ranges",
        ranges={f"int{i}": IntegerRange(1, 100) for i in range(31)},
    ),
    on_job(
        "F-SIZE.ranges.31-continuous-ranges",
        "31 continuous ranges in one list (at most 30)",
        "F-SIZE",
        "ranges.continuous_parameter_ranges",
        ranges={f"cont{i}": ContinuousRange(0, 1) for i in range(31)},
    ),
    on_training(
        "F-SIZE.vpc.subnets.17",
        "17 subnets (at most 16)",
        "F-SIZE",
        "training.vpc.subnets",
        vpc=VpcConfig([f"subnet-{i}" for i in range(17)], VPC_SG),
    ),
    on_training(
        "F-SIZE.vpc.subnets.none",
        "a VPC configuration without subnets",
        "F-SIZE",
        "training.vpc.subnets",
        vpc=VpcConfig([], VPC_SG),
    ),
    on_training(
        "F-SIZE.vpc.security_group_ids.6",
        "6 security groups (at most 5)",
        "F-SIZE",
        "training.vpc.security_group_ids",
        vpc=VpcConfig(VPC_SUBNETS, [f"sg-{i}" for i in range(6)]),
    ),
]

# --------------------------------------------------------------------------- F-REQUIRED

REQUIRED_CASES = [
    on_training(
        "F-REQUIRED.role",
        "no execution role",
        "F-REQUIRED",
        "training.role",
        role=None,
    ),
    on_training(
        "F-REQUIRED.output_path",
        "no output path",
        "F-REQUIRED",
        "training.output_path",
        output_path=None,
    ),
    on_training(
        "F-REQUIRED.input_mode",
        "no training input mode",
        "F-REQUIRED",
        "training.input_mode",
        input_mode=None,
    ),
    on_job(
        "F-REQUIRED.max_parallel_jobs",
        "no parallel-job limit",
        "F-REQUIRED",
        "max_parallel_jobs",
        max_parallel_jobs=None,
    ),
    on_job("F-REQUIRED.strategy", "no strategy", "F-REQUIRED", "strategy", strategy=None),
    on_job(
        "F-REQUIRED.objective.metric",
        "an objective without a metric",
        "F-REQUIRED",
        "objective",
        objective=Objective(ObjectiveType.MAXIMIZE, None),  # type: ignore[arg-type]
    ),
    on_job(
        "F-REQUIRED.objective.type",
        "an objective without a type",
        "F-REQUIRED",
        "objective",
        objective=Objective(None, OBJECTIVE_METRIC),  # type: ignore[arg-type]
    ),
    on_training(
        "F-REQUIRED.inputs.name",
        "a channel without a name",
        "F-REQUIRED",
        "training.inputs[1].name",
        inputs=[TWO_CHANNELS[0], Channel(None, "s3://data/val/")],  # type: ignore[arg-type]
    ),
    on_training(
        "F-REQUIRED.inputs.s3_uri",
        "a channel without an S3 URI",
        "F-REQUIRED",
        "training.inputs[0].s3_uri",
        inputs=[Channel("train", None)],  # type: ignore[arg-type]
    ),
    on_training(
        "F-REQUIRED.inputs.s3_data_type",
        "a channel without an S3 data type",
        "F-REQUIRED",
        "training.inputs[0].s3_data_type",
        inputs=[Channel("train", "s3://data/train/", s3_data_type=None)],  # type: ignore[arg-type]
    ),
    on_job(
        "F-REQUIRED.ranges.integer-min",
        "an integer range without a minimum",
        "F-REQUIRED",
        "ranges['batch_size'].min",
        ranges={"learning_rate": LR, "batch_size": IntegerRange(None, 256)},  # type: ignore[arg-type]
    ),
    on_job(
        "F-REQUIRED.ranges.continuous-max",
        "a continuous range without a maximum",
        "F-REQUIRED",
        "ranges['momentum'].max",
        ranges={"learning_rate": LR, "momentum": ContinuousRange(0.5, None)},  # type: ignore[arg-type]
    ),
    on_training(
        "F-REQUIRED.metric_definitions.regex",
        "a metric definition without a regex",
        "F-REQUIRED",
        "training.metric_definitions[0].regex",
        image_uri=CUSTOM_IMAGE,
        metric_definitions=[MetricDefinition(OBJECTIVE_METRIC, None)],  # type: ignore[arg-type]
    ),
    built(
        "F-REQUIRED.warm_start.type",
        "a warm start without a type",
        "F-REQUIRED",
        "warm_start.type",
        child_with_warm_start(lambda parent: WarmStart(None, (parent,))),  # type: ignore[arg-type]
    ),
    on_job(
        "F-REQUIRED.tags.value",
        "a tag without a value",
        "F-REQUIRED",
        "tags['team']",
        tags={"team": None},
    ),
]

# --------------------------------------------------------------------------- F-TYPE

TYPE_CASES = [
    on_training(
        "F-TYPE.instance_count.text",
        "an instance count given as text",
        "F-TYPE",
        "training.instance_count",
        instance_count="2",
    ),
    on_training(
        "F-TYPE.volume_size_gb.fraction",
        "a fractional volume size",
        "F-TYPE",
        "training.volume_size_gb",
        volume_size_gb=30.5,
    ),
    on_training(
        "F-TYPE.max_runtime_seconds.text",
        "a training runtime given as text",
        "F-TYPE",
        "training.max_runtime_seconds",
        max_runtime_seconds="86400",
    ),
    on_training(
        "F-TYPE.retry_attempts.text",
        "retry attempts given as text",
        "F-TYPE",
        "training.retry_attempts",
        retry_attempts="3",
    ),
    on_job("F-TYPE.max_jobs.text", "a budget given as text", "F-TYPE", "max_jobs", max_jobs="10"),
    on_job(
        "F-TYPE.max_parallel_jobs.float",
        "a parallel limit given as a float",
        "F-TYPE",
        "max_parallel_jobs",
        max_parallel_jobs=2.0,
    ),
    on_job(
        "F-TYPE.max_tuning_runtime_seconds.float",
        "a tuning runtime given as a float",
        "F-TYPE",
        "max_tuning_runtime_seconds",
        max_tuning_runtime_seconds=3600.0,
    ),
    on_job(
        "F-TYPE.random_seed.bool",
        "a random seed given as a bool",
        "F-TYPE",
        "random_seed",
        random_seed=True,
    ),
    on_job(
        "F-TYPE.job_name.int", "a job name given as a number", "F-TYPE", "job_name", job_name=123
    ),
    on_job(
        "F-TYPE.tags.value-int",
        "a tag value given as a number",
        "F-TYPE",
        "tags['team']",
        tags={"team": 5},
    ),
    on_job(
        "F-TYPE.tags.key-int",
        "a tag key given as a number",
        "F-TYPE",
        "tags[1].key",
        tags={1: "one"},
    ),
    on_training(
        "F-TYPE.static_hyperparameters.list-value",
        "a list as a static hyperparameter value",
        "F-TYPE",
        "training.static_hyperparameters['layers']",
        static_hyperparameters=static(layers=[1, 2]),
    ),
    on_training(
        "F-TYPE.static_hyperparameters.none-value",
        "None as a static hyperparameter value",
        "F-TYPE",
        "training.static_hyperparameters['dropout']",
        static_hyperparameters=static(dropout=None),
    ),
    on_training(
        "F-TYPE.static_hyperparameters.int-key",
        "a static hyperparameter keyed by a number",
        "F-TYPE",
        "training.static_hyperparameters[7]",
        static_hyperparameters={**BASE_STATIC, 7: "seven"},
    ),
    on_training(
        "F-TYPE.static_hyperparameters.nan",
        "a static hyperparameter that is not a number",
        "F-TYPE",
        "training.static_hyperparameters['dropout']",
        static_hyperparameters=static(dropout=float("nan")),
    ),
    on_training(
        "F-TYPE.static_hyperparameters.not-a-mapping",
        "static hyperparameters given as a list of pairs",
        "F-TYPE",
        "training.static_hyperparameters",
        static_hyperparameters=[("epochs", 30)],
    ),
    on_training(
        "F-TYPE.environment.int-value",
        "a number as an environment value",
        "F-TYPE",
        "training.environment['WORKERS']",
        environment={"WORKERS": 4},
    ),
    on_training(
        "F-TYPE.environment.not-a-mapping",
        "an environment given as a list",
        "F-TYPE",
        "training.environment",
        environment=["MODE=fast"],
    ),
    on_job(
        "F-TYPE.ranges.list",
        "ranges given as a list",
        "F-TYPE",
        "ranges",
        ranges=[LR],
    ),
    on_job(
        "F-TYPE.ranges.tuple-value",
        "a range given as a tuple of bounds",
        "F-TYPE",
        "ranges['learning_rate']",
        ranges={"learning_rate": (0.0, 0.1)},
    ),
    on_job(
        "F-TYPE.ranges.int-key",
        "a range keyed by a number",
        "F-TYPE",
        "ranges[1]",
        ranges={1: LR},
    ),
    on_job(
        "F-TYPE.ranges.categorical-scalar",
        "a categorical range of one number instead of a list",
        "F-TYPE",
        "ranges['layers'].values",
        ranges={"learning_rate": LR, "layers": CategoricalRange(5)},  # type: ignore[arg-type]
    ),
    on_job(
        "R5.ranges.nan-bound",
        "a continuous bound that is not a number",
        "R5",
        "ranges['learning_rate'].min",
        ranges={"learning_rate": ContinuousRange(float("nan"), 0.1), "momentum": MOMENTUM},
    ),
    on_job(
        "F-TYPE.training.str",
        "an instance type where the training definition belongs",
        "F-TYPE",
        "training",
        training="ml.m5.xlarge",
    ),
    on_job(
        "F-TYPE.objective.str",
        "a metric name where an Objective belongs",
        "F-TYPE",
        "objective",
        objective=OBJECTIVE_METRIC,
    ),
    on_job(
        "F-TYPE.hyperband.dict",
        "a Hyperband configuration given as a dict",
        "F-TYPE",
        "hyperband",
        strategy=Strategy.HYPERBAND,
        hyperband={"max_resource": 30},
    ),
    on_job(
        "F-TYPE.hyperband.min_resource.text",
        "a Hyperband minimum resource given as text",
        "F-TYPE",
        "hyperband.min_resource",
        strategy=Strategy.HYPERBAND,
        hyperband=HyperbandConfig(min_resource="1", max_resource=30),  # type: ignore[arg-type]
    ),
    on_job(
        "F-TYPE.completion.dict",
        "completion criteria given as a dict",
        "F-TYPE",
        "completion",
        completion={"max_jobs_not_improving": 5},
    ),
    on_job(
        "F-TYPE.completion.target-text",
        "a target objective value given as text",
        "F-TYPE",
        "completion.target_objective_value",
        completion=CompletionCriteria(target_objective_value="high"),  # type: ignore[arg-type]
    ),
    on_job(
        "F-TYPE.warm_start.str",
        "a parent's name where a WarmStart belongs",
        "F-TYPE",
        "warm_start",
        warm_start="parent-job",
    ),
    built(
        "F-TYPE.warm_start.parents.str",
        "a parent given as a name instead of a job",
        "F-TYPE",
        "warm_start.parents[0]",
        child_with_warm_start(lambda parent: WarmStart.transfer_learning("parent-job")),  # type: ignore[arg-type]
    ),
    on_training(
        "F-TYPE.inputs.single-channel",
        "one Channel instead of a list of channels",
        "F-TYPE",
        "training.inputs",
        inputs=Channel("train", "s3://data/train/"),
    ),
    on_training(
        "F-TYPE.inputs.str-item",
        "an S3 URI where a Channel belongs",
        "F-TYPE",
        "training.inputs[1]",
        inputs=[TWO_CHANNELS[0], "s3://data/val/"],
    ),
    on_training(
        "F-TYPE.metric_definitions.tuple-item",
        "a (name, regex) tuple where a MetricDefinition belongs",
        "F-TYPE",
        "training.metric_definitions[0]",
        image_uri=CUSTOM_IMAGE,
        metric_definitions=[(OBJECTIVE_METRIC, "accuracy=(.*)")],
    ),
    on_training(
        "F-TYPE.vpc.dict",
        "a VPC configuration given as a dict",
        "F-TYPE",
        "training.vpc",
        vpc={"subnets": ["subnet-1"], "security_group_ids": ["sg-1"]},
    ),
    on_training(
        "F-TYPE.vpc.subnets.str",
        "one subnet id instead of a list",
        "F-TYPE",
        "training.vpc.subnets",
        vpc=VpcConfig("subnet-0a1b2c3d", VPC_SG),
    ),
    on_training(
        "F-TYPE.instance_type.int",
        "an instance type given as a number",
        "F-TYPE",
        "training.instance_type",
        instance_type=5,
    ),
]

# --------------------------------------------------------------------------- cross-field rules

RULE_CASES = [
    on_job(
        "R1.31-ranges",
        "31 tunable hyperparameters over the three kinds (at most 30)",
        "R1",
        "ranges",
        ranges=THIRTY_ONE_RANGES,
    ),
    on_training(
        "R3.reserved-static-name",
        "the service's own _tuning_objective_metric as a static hyperparameter",
        "R3",
        "training.static_hyperparameters['_tuning_objective_metric']",
        static_hyperparameters=static(_tuning_objective_metric=OBJECTIVE_METRIC),
    ),
    on_job(
        "R3.reserved-range-name",
        "the service's own _tuning_objective_metric as a tunable range",
        "R3",
        "ranges['_tuning_objective_metric']",
        ranges={"learning_rate": LR, "_tuning_objective_metric": CategoricalRange(["a", "b"])},
    ),
    on_training(
        "R3.100-hyperparameters",
        "98 static plus 2 tunable hyperparameters, no room for the one SageMaker adds",
        "R3",
        "training.static_hyperparameters",
        static_hyperparameters={f"hp{i}": i for i in range(98)},
    ),
    on_training(
        "R4.static-and-tunable",
        "momentum both static and tunable",
        "R4",
        "training.static_hyperparameters['momentum']",
        static_hyperparameters=static(momentum=0.9),
    ),
    on_job(
        "R5.integer-min-above-max",
        "an integer range with min above max",
        "R5",
        "ranges['batch_size']",
        ranges={"learning_rate": LR, "batch_size": IntegerRange(256, 16)},
    ),
    on_job(
        "R5.continuous-min-above-max",
        "a continuous range with min above max",
        "R5",
        "ranges['learning_rate']",
        ranges={"learning_rate": ContinuousRange(0.5, 0.1), "momentum": MOMENTUM},
    ),
    on_job(
        "R5.integer-fractional-bound",
        "a fractional bound on an integer range",
        "R5",
        "ranges['batch_size'].min",
        ranges={"learning_rate": LR, "batch_size": IntegerRange(1.5, 8)},
    ),
    on_job(
        "R5.integer-bound-text-2.0",
        "the text '2.0' as an integer bound (sent to the service unchanged)",
        "R5",
        "ranges['batch_size'].min",
        ranges={"learning_rate": LR, "batch_size": IntegerRange("2.0", 8)},
    ),
    on_job(
        "R5.integer-bound-bool",
        "True as an integer bound",
        "R5",
        "ranges['batch_size'].min",
        ranges={"learning_rate": LR, "batch_size": IntegerRange(True, 8)},
    ),
    on_job(
        "R5.continuous-bound-word",
        "a word as a continuous bound",
        "R5",
        "ranges['learning_rate'].min",
        ranges={"learning_rate": ContinuousRange("low", 0.1), "momentum": MOMENTUM},
    ),
    on_job(
        "R5.continuous-bound-underscore",
        "'1_000' as a continuous bound (Python reads it, the service does not)",
        "R5",
        "ranges['learning_rate'].max",
        ranges={"learning_rate": ContinuousRange(0, "1_000"), "momentum": MOMENTUM},
    ),
    on_job(
        "R5.continuous-bound-space",
        "' 1' as a continuous bound",
        "R5",
        "ranges['learning_rate'].max",
        ranges={"learning_rate": ContinuousRange(0, " 1"), "momentum": MOMENTUM},
    ),
    on_job(
        "R5.continuous-bound-infinite",
        "an infinite continuous bound",
        "R5",
        "ranges['learning_rate'].max",
        ranges={"learning_rate": ContinuousRange(0, float("inf")), "momentum": MOMENTUM},
    ),
    on_job(
        "R7.continuous-log-from-zero",
        "Logarithmic scaling from 0",
        "R7",
        "ranges['learning_rate'].min",
        ranges={"learning_rate": ContinuousRange(0, 0.1, ScalingType.LOGARITHMIC)},
    ),
    on_job(
        "R7.integer-log-negative",
        "Logarithmic scaling on an integer range from -2",
        "R7",
        "ranges['batch_size'].min",
        ranges={"learning_rate": LR, "batch_size": IntegerRange(-2, 8, ScalingType.LOGARITHMIC)},
    ),
    on_job(
        "R8.integer-reverse-log",
        "ReverseLogarithmic scaling on an integer range",
        "R8",
        "ranges['batch_size'].scaling",
        ranges={
            "learning_rate": LR,
            "batch_size": IntegerRange(1, 8, ScalingType.REVERSE_LOGARITHMIC),
        },
    ),
    on_job(
        "R8.reverse-log-negative-min",
        "ReverseLogarithmic scaling from below 0",
        "R8",
        "ranges['momentum'].min",
        ranges={
            "learning_rate": LR,
            "momentum": ContinuousRange(-0.1, 0.9, ScalingType.REVERSE_LOGARITHMIC),
        },
    ),
    on_job(
        "R8.reverse-log-max-one",
        "ReverseLogarithmic scaling up to 1.0",
        "R8",
        "ranges['momentum'].max",
        ranges={
            "learning_rate": LR,
            "momentum": ContinuousRange(0.5, 1.0, ScalingType.REVERSE_LOGARITHMIC),
        },
    ),
    on_job(
        "S2.hyperband-config-with-bayesian",
        "a Hyperband configuration on a Bayesian job",
        "S2",
        "hyperband",
        hyperband=HyperbandConfig(min_resource=1, max_resource=30),
    ),
    on_job(
        "S3.hyperband-with-early-stopping",
        "Hyperband with training-job early stopping Auto",
        "S3",
        "early_stopping",
        strategy=Strategy.HYPERBAND,
        hyperband=HyperbandConfig(min_resource=1, max_resource=30),
        early_stopping=EarlyStopping.AUTO,
    ),
    on_job(
        "S4.min-resource-above-max",
        "Hyperband with min_resource above max_resource",
        "S4",
        "hyperband.min_resource",
        strategy=Strategy.HYPERBAND,
        hyperband=HyperbandConfig(min_resource=10, max_resource=5),
    ),
    on_job(
        "S4.max-resource-above-20000",
        "Hyperband with max_resource above 20,000",
        "S4",
        "hyperband.max_resource",
        strategy=Strategy.HYPERBAND,
        hyperband=HyperbandConfig(max_resource=20_001),
    ),
    Case(
        "S4.no-max-resource-no-epochs",
        "Hyperband without max_resource and without an epochs hyperparameter",
        "S4",
        "hyperband.max_resource",
        job={"strategy": Strategy.HYPERBAND},
        training={"static_hyperparameters": {"num_layers": 18}},
    ),
    on_job(
        "S5.grid-with-continuous-range",
        "a Grid search over a continuous range",
        "S5",
        "ranges['learning_rate']",
        **grid(ranges={"learning_rate": LR, "optimizer": CategoricalRange(["sgd", "adam"])}),
    ),
    on_job(
        "S5.grid-max-jobs-not-points",
        "a 2 x 2 Grid with max_jobs 5",
        "S5",
        "max_jobs",
        **grid(max_jobs=5),
    ),
    on_job(
        "S6.too-few-combinations",
        "an integer and a categorical range with 6 combinations for 10 jobs",
        "S6",
        "max_jobs",
        ranges={"depth": IntegerRange(1, 3), "optimizer": CategoricalRange(["sgd", "adam"])},
        max_jobs=10,
    ),
    on_training(
        "S13.custom-image-without-metrics",
        "a custom image without metric definitions",
        "S13",
        "training.metric_definitions",
        image_uri=CUSTOM_IMAGE,
    ),
    on_training(
        "S13.objective-not-defined",
        "metric definitions that do not include the objective",
        "S13",
        "objective",
        image_uri=CUSTOM_IMAGE,
        metric_definitions=[MetricDefinition("validation:loss", "loss=(.*)")],
    ),
    on_training(
        "T1.image-and-algorithm",
        "both an image and an algorithm",
        "T1",
        "training.algorithm_name",
        algorithm_name="my-algorithm",
    ),
    on_training(
        "T1.neither-image-nor-algorithm",
        "neither an image nor an algorithm",
        "T1",
        "training.image_uri",
        image_uri=None,
    ),
    on_training(
        "T2.max-wait-without-spot",
        "max_wait_seconds without spot training",
        "T2",
        "training.max_wait_seconds",
        max_wait_seconds=7200,
    ),
    on_training(
        "T2.spot-without-max-wait",
        "spot training without max_wait_seconds",
        "T2",
        "training.max_wait_seconds",
        use_spot_instances=True,
    ),
    on_training(
        "T2.spot-waits-less-than-runtime",
        "spot training that waits less than it runs",
        "T2",
        "training.max_wait_seconds",
        use_spot_instances=True,
        max_runtime_seconds=7200,
        max_wait_seconds=3600,
    ),
    on_training(
        "T3.gzip-in-file-mode",
        "Gzip compression on a File-mode channel",
        "T3",
        "training.inputs[0].compression",
        inputs=[Channel("train", "s3://data/train/", compression=CompressionType.GZIP)],
    ),
    on_training(
        "T3.recordio-in-fastfile-mode",
        "RecordIO on a channel in FastFile mode under a Pipe-mode definition",
        "T3",
        "training.inputs[1].record_wrapper",
        input_mode=InputMode.PIPE,
        inputs=[
            TWO_CHANNELS[0],
            Channel(
                "validation",
                "s3://data/val/",
                record_wrapper=RecordWrapper.RECORD_IO,
                input_mode=InputMode.FAST_FILE,
            ),
        ],
    ),
    on_training(
        "T3.augmented-manifest-in-file-mode",
        "an augmented manifest read in File mode",
        "T3",
        "training.inputs[0].s3_data_type",
        inputs=[
            Channel(
                "train",
                "s3://data/train.manifest",
                s3_data_type=S3DataType.AUGMENTED_MANIFEST_FILE,
            )
        ],
    ),
    on_training(
        "T4.duplicate-channel-names",
        "two channels named train",
        "T4",
        "training.inputs[1].name",
        inputs=[Channel("train", "s3://data/a/"), Channel("train", "s3://data/b/")],
    ),
]

# --------------------------------------------------------------------------- warm start

SIX_STATIC = {f"s{i}": i for i in range(6)}
ELEVEN_OPTIMIZERS = CategoricalRange([f"opt{i}" for i in range(11)])

WARM_START_CASES = [
    built(
        "W1.no-parents",
        "a transfer-learning warm start without parents",
        "W1",
        "warm_start.parents",
        child_with_warm_start(lambda parent: WarmStart.transfer_learning()),
    ),
    built(
        "W1.six-parents",
        "six parents (at most 5)",
        "W1",
        "warm_start.parents",
        child_with_parents(*(f"earlier-job-{i}" for i in range(5))),
    ),
    built(
        "W3.invalid-imported-name",
        "a parent imported under an invalid job name",
        "W3",
        "warm_start.parents[1]",
        child_with_parents("churn_baseline"),
    ),
    built(
        "W3.imported-name-too-long",
        "a parent imported under a 33-character name",
        "W3",
        "warm_start.parents[1]",
        child_with_parents("b" * 33),
    ),
    built(
        "W3.same-parent-twice-any-case",
        "one imported parent listed twice, in two cases",
        "W3",
        "warm_start.parents[2]",
        child_with_parents("churn-baseline", "Churn-Baseline"),
    ),
    built(
        "W6.other-metric",
        "a child optimising another metric than its parent",
        "W6",
        "objective",
        child_of(objective=Objective.maximize("validation:top_5_accuracy")),
    ),
    built(
        "W6.other-type",
        "a child minimising the metric its parent maximised",
        "W6",
        "objective",
        child_of(objective=Objective.minimize(OBJECTIVE_METRIC)),
    ),
    built(
        "W7.extra-static-hyperparameter",
        "a child with a static hyperparameter its parent lacks",
        "W7",
        "warm_start.parents[0]",
        child_of(training=training(static_hyperparameters=static(dropout=0.1))),
    ),
    built(
        "W7.dropped-range",
        "a child that no longer has the parent's momentum",
        "W7",
        "warm_start.parents[0]",
        child_of(ranges={"learning_rate": LR}),
    ),
    built(
        "W7.renamed-static-transfer-learning",
        "a transfer-learning child that renames a static hyperparameter",
        "W7",
        "warm_start.parents[0]",
        child_of(
            warm_start_type=WarmStartType.TRANSFER_LEARNING,
            training=training(static_hyperparameters={"num_layers": 18, "num_epochs": 30}),
        ),
    ),
    built(
        "W8.continuous-to-categorical",
        "a child that makes a continuous range categorical",
        "W8",
        "ranges['learning_rate']",
        child_of(ranges={"learning_rate": CategoricalRange([0.01, 0.1]), "momentum": MOMENTUM}),
    ),
    built(
        "W8.continuous-to-integer",
        "a child that makes a continuous range an integer one",
        "W8",
        "ranges['momentum']",
        child_of(ranges={"learning_rate": LR, "momentum": IntegerRange(0, 1)}),
    ),
    built(
        "W9.six-static-values-changed",
        "six changed static values (12 changes, at most 10)",
        "W9",
        "warm_start.parents[0]",
        child_of(
            {"training": training(static_hyperparameters=SIX_STATIC)},
            training=training(static_hyperparameters={k: v + 100 for k, v in SIX_STATIC.items()}),
        ),
    ),
    built(
        "W9.categorical-of-11-made-static",
        "an 11-value categorical range made static (11 changes)",
        "W9",
        "warm_start.parents[0]",
        child_of(
            {"ranges": {"learning_rate": LR, "optimizer": ELEVEN_OPTIMIZERS}},
            ranges={"learning_rate": LR},
            training=training(static_hyperparameters=static(optimizer="opt0")),
        ),
    ),
    built(
        "W12.other-channel-data",
        "an IdenticalDataAndAlgorithm child reading other training data",
        "W12",
        "training.inputs[0]",
        child_of(
            training=training(
                inputs=[Channel("train", "s3://data/train-v2/"), TWO_CHANNELS[1]],
            )
        ),
    ),
    built(
        "W12.other-channel-mode",
        "an IdenticalDataAndAlgorithm child reading a channel in Pipe mode",
        "W12",
        "training.inputs[1]",
        child_of(
            training=training(
                inputs=[
                    TWO_CHANNELS[0],
                    Channel("validation", "s3://data/val/", input_mode=InputMode.PIPE),
                ],
            )
        ),
    ),
    built(
        "W12.extra-channel",
        "an IdenticalDataAndAlgorithm child with a channel its parent lacks",
        "W12",
        "training.inputs[2]",
        child_of(
            training=training(inputs=[*TWO_CHANNELS, Channel("test", "s3://data/test/")]),
        ),
    ),
    built(
        "W12.missing-channel",
        "an IdenticalDataAndAlgorithm child without the parent's validation channel",
        "W12",
        "training.inputs",
        child_of(training=training(inputs=[TWO_CHANNELS[0]])),
    ),
    built(
        "W12.other-image",
        "an IdenticalDataAndAlgorithm child on another algorithm's image",
        "W12",
        "training.image_uri",
        child_of(training=training(image_uri=builtin_image("xgboost"))),
    ),
    built(
        "W12.image-to-algorithm",
        "an IdenticalDataAndAlgorithm child that swaps the image for an algorithm",
        "W12",
        "training.algorithm_name",
        child_of(training=training(image_uri=None, algorithm_name="image-classification")),
    ),
    built(
        "W14.environment-added",
        "a child with environment variables its parent lacks",
        "W14",
        "training.environment",
        child_of(
            warm_start_type=WarmStartType.TRANSFER_LEARNING,
            training=training(environment={"MODE": "fast"}),
        ),
    ),
    built(
        "W14.environment-value-changed",
        "a child with another environment value",
        "W14",
        "training.environment",
        child_of(
            {"training": training(environment={"MODE": "fast"})},
            training=training(environment={"MODE": "slow"}),
        ),
    ),
    built(
        "W14.network-isolation",
        "a child that turns network isolation on",
        "W14",
        "training.enable_network_isolation",
        child_of(training=training(enable_network_isolation=True)),
    ),
    built(
        "W14.traffic-encryption",
        "a child that turns inter-container traffic encryption on",
        "W14",
        "training.enable_inter_container_traffic_encryption",
        child_of(training=training(enable_inter_container_traffic_encryption=True)),
    ),
    built(
        "W14.retry-attempts",
        "a child that adds a retry strategy",
        "W14",
        "training.retry_attempts",
        child_of(
            warm_start_type=WarmStartType.TRANSFER_LEARNING,
            training=training(retry_attempts=3),
        ),
    ),
]

# --------------------------------------------------------------------------- mistyped values
# Values of a plausible but wrong type that once slipped through or crashed synth.

MISTYPED_VALUE_CASES = [
    on_job(
        "TYPE.tags.not-a-mapping",
        "tags given as a list of pairs",
        "F-TYPE",
        "tags",
        tags=[("team", "vision")],
    ),
    on_job(
        "TYPE.tags.mixed-key-types",
        "tag keys of two types",
        "F-TYPE",
        "tags[1].key",
        tags={1: "one", "team": "vision"},
    ),
    on_training(
        "TYPE.metric_definitions.field-index-after-sorting",
        "an empty regex on the user's second metric definition, which sorts first",
        "F-LENGTH",
        "training.metric_definitions[1].regex",
        image_uri=CUSTOM_IMAGE,
        metric_definitions=[ACCURACY, MetricDefinition("train:loss", "")],
    ),
    on_training(
        "TYPE.enable_network_isolation.text",
        "network isolation given as the text 'false'",
        "F-TYPE",
        "training.enable_network_isolation",
        enable_network_isolation="false",
    ),
    on_training(
        "TYPE.use_spot_instances.text",
        "spot training given as the text 'no'",
        "F-TYPE",
        "training.use_spot_instances",
        use_spot_instances="no",
        max_wait_seconds=90_000,
    ),
    on_job(
        "F-ENUM.completion.complete_on_convergence.text",
        "complete_on_convergence given as the text 'no'",
        "F-ENUM",
        "completion.complete_on_convergence",
        completion=CompletionCriteria(complete_on_convergence="no"),  # type: ignore[arg-type]
    ),
]

# --------------------------------------------------------------------------- construct rules
# Rules that need the app itself (constructs_pkg.core.rules.CONSTRUCT_RULES).


def _second_job_named(name: str) -> Builder:
    def build(stack: cdk.Stack) -> TuningJobBase:
        job(stack, "First", job_name=name.lower())
        return job(stack, "Job", job_name=name)

    return build


CONSTRUCT_RULE_CASES = [
    on_job(
        "T9.removal_policy.snapshot",
        "a removal policy the handler cannot honour",
        "T9",
        "removal_policy",
        removal_policy=cdk.RemovalPolicy.SNAPSHOT,
    ),
    built(
        "N1.job_name.used-twice",
        "a fixed job name already used in the app, in other letter case",
        "N1",
        "job_name",
        _second_job_named("Churn-Tuning"),
    ),
]

CASES: list[Case] = [
    *LENGTH_CASES,
    *PATTERN_CASES,
    *ENUM_CASES,
    *RANGE_CASES,
    *SIZE_CASES,
    *REQUIRED_CASES,
    *TYPE_CASES,
    *RULE_CASES,
    *WARM_START_CASES,
    *MISTYPED_VALUE_CASES,
    *CONSTRUCT_RULE_CASES,
]
"""Every invalid definition; each must fail synth with its expected error line."""


# --------------------------------------------------------------------------- warnings

WARNING_CASES: list[Case] = [
    on_training(
        "R11.password-static",
        "a password as a static hyperparameter",
        "R11",
        "training.static_hyperparameters['db_password']",
        static_hyperparameters=static(db_password="hunter2"),
    ),
    on_training(
        "R11.access-key-in-environment",
        "an AWS access key id as an environment value",
        "R11",
        "training.environment['UPLOAD_KEY_ID']",
        environment={"UPLOAD_KEY_ID": "AKIA" + "Q" * 16},
    ),
    on_job(
        "R5.single-value-integer-range",
        "an integer range holding one value",
        "R5",
        "ranges['batch_size']",
        ranges={"learning_rate": LR, "batch_size": IntegerRange(32, 32)},
    ),
    on_job(
        "R5.single-value-categorical",
        "a categorical range of one value",
        "R5",
        "ranges['optimizer'].values",
        ranges={"learning_rate": LR, "optimizer": CategoricalRange(["sgd"])},
    ),
    on_job(
        "S5.grid-above-quota",
        "a 10 x 10 x 10 grid without max_jobs, above the 750-job quota",
        "S5",
        "ranges",
        **grid(
            ranges={f"c{i}": CategoricalRange([f"v{j}" for j in range(10)]) for i in range(3)},
            max_jobs=None,
        ),
    ),
    on_job(
        "S7.max-jobs-above-quota",
        "1,000 training jobs (quota 750)",
        "S7",
        "max_jobs",
        max_jobs=1000,
    ),
    on_job(
        "S7.parallel-above-quota",
        "11 parallel training jobs (quota 10)",
        "S7",
        "max_parallel_jobs",
        max_parallel_jobs=11,
        max_jobs=20,
    ),
    on_job(
        "S8.parallel-above-max-jobs",
        "5 parallel jobs for 3 training jobs",
        "S8",
        "max_parallel_jobs",
        max_parallel_jobs=5,
        max_jobs=3,
    ),
    on_training(
        "T5.21-metric-definitions",
        "21 metric definitions (docs: 20, model: 40)",
        "T5",
        "training.metric_definitions",
        image_uri=CUSTOM_IMAGE,
        metric_definitions=[ACCURACY, *many(20, lambda i: MetricDefinition(f"m{i}", "x=(.*)"))],
    ),
    on_training(
        "T6.volume-key-on-local-storage",
        "a volume KMS key on an instance type with local storage",
        "T6",
        "training.volume_kms_key_id",
        instance_type="ml.g4dn.xlarge",
        volume_kms_key_id="alias/training",
    ),
    on_training(
        "T7.runtime-above-28-days",
        "training jobs allowed to run over 28 days",
        "T7",
        "training.max_runtime_seconds",
        max_runtime_seconds=2_419_201,
    ),
    on_job(
        "T8.reserved-tag-prefix",
        "a tag key with the reserved aws: prefix",
        "T8",
        "tags['aws:team']",
        tags={"aws:team": "vision"},
    ),
    Case(
        "W10.grandparent-not-used",
        "a child of a child: warm start is not recursive",
        "W10",
        "warm_start.parents[0]",
        build=chain_of_three(),
    ),
    Case(
        "W11.parent-budget-upper-bound",
        "a parent's 500 jobs plus the child's 300, above the 750 quota",
        "W11",
        "max_jobs",
        build=child_of({"max_jobs": 500}, max_jobs=300),
    ),
    Case(
        "W12.new-image-version",
        "an IdenticalDataAndAlgorithm child on a new version of the parent's image",
        "W12",
        "training.image_uri",
        build=child_of(training=training(image_uri=builtin_image(tag="2"))),
    ),
    Case(
        "W12.new-parallelism",
        "an IdenticalDataAndAlgorithm child with another max_parallel_jobs",
        "W12",
        "max_parallel_jobs",
        build=child_of(max_parallel_jobs=3),
    ),
    Case(
        "W16.strategy-changed",
        "a Random child of a Bayesian parent",
        "W16",
        "strategy",
        build=child_of(strategy=Strategy.RANDOM),
    ),
    Case(
        "W16.hyperband-child",
        "a Hyperband warm-start child",
        "W16",
        "strategy",
        build=child_of({"strategy": Strategy.HYPERBAND}, strategy=Strategy.HYPERBAND),
    ),
]
"""Definitions that synthesize with a warning (rules that only warn, or their warning side)."""


# --------------------------------------------------------------------------- deploy time


def base_definition(**changes: Any) -> TuningJobDefinition:
    """The definition of ``tests.cdk.support.job``, with changes."""
    values: dict[str, Any] = {
        "training": training(),
        "objective": Objective.maximize(OBJECTIVE_METRIC),
        "ranges": {"learning_rate": LR, "momentum": MOMENTUM},
        "max_jobs": 10,
        "max_parallel_jobs": 2,
    }
    values.update(changes)
    return TuningJobDefinition(**values)


PARENT_NAME = "caltech-baseline-2025"


@dataclasses.dataclass(frozen=True)
class DeployCase:
    """A warm-start error that needs the parent as SageMaker describes it."""

    case_id: str
    description: str
    rule_id: str
    field: str
    parents: Sequence[ParentJob]
    child_changes: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def child(self) -> TuningJobDefinition:
        warm = WarmStartConfig(WarmStartType.TRANSFER_LEARNING, [p.name for p in self.parents])
        return base_definition(warm_start=warm, **self.child_changes)


def described_parent(**facts: Any) -> ParentJob:
    values: dict[str, Any] = {
        "name": PARENT_NAME,
        "label": PARENT_NAME,
        "definition": base_definition(),
        "status": "Completed",
        "creation_time": datetime(2025, 3, 1, tzinfo=UTC),
        "training_jobs_launched": 10,
    }
    values.update(facts)
    return ParentJob(**values)


DEPLOY_CASES: list[DeployCase] = [
    DeployCase(
        "W4.parent-in-progress",
        "a parent still running when the child is created",
        "W4",
        "warm_start.parents[0]",
        [described_parent(status="InProgress")],
    ),
    DeployCase(
        "W4.parent-stopping",
        "a parent that is stopping",
        "W4",
        "warm_start.parents[0]",
        [described_parent(status="Stopping")],
    ),
    DeployCase(
        "W5.parent-before-2018-10",
        "a parent created before warm start existed",
        "W5",
        "warm_start.parents[0]",
        [described_parent(creation_time=datetime(2018, 9, 30, 23, 0, tzinfo=UTC))],
    ),
    DeployCase(
        "W11.parents-launched-too-many",
        "parents that launched 700 training jobs, plus the child's 100",
        "W11",
        "max_jobs",
        [described_parent(training_jobs_launched=700)],
        {"max_jobs": 100},
    ),
]
"""Errors that only a deploy-time Describe of the parents can reveal."""
