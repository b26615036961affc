"""The definition model: how values render, and reading a request or Describe back."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
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
    canonical_json,
    canonical_value,
    definition_from_spec,
    definition_hash,
    definition_spec,
    render_value,
)

ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"

FULL = TuningJobDefinition(
    training=TrainingDefinition(
        role=ROLE,
        output_path="s3://bucket/output",
        inputs=(
            Channel(
                "train",
                "s3://bucket/train",
                S3DataType.AUGMENTED_MANIFEST_FILE,
                S3DataDistribution.SHARDED_BY_S3_KEY,
                "application/x-recordio",
                CompressionType.GZIP,
                RecordWrapper.RECORD_IO,
                InputMode.PIPE,
            ),
            Channel("validation", "s3://bucket/validation"),
        ),
        image_uri="123456789012.dkr.ecr.us-east-1.amazonaws.com/trainer:1",
        instance_type="ml.g4dn.xlarge",
        instance_count=2,
        volume_size_gb=50,
        max_runtime_seconds=3600,
        static_hyperparameters={"flag": True, "wd": 1e-05, "layers": 3, "opt": "sgd"},
        metric_definitions=(
            MetricDefinition("z:loss", "loss=(.*)"),
            MetricDefinition("a:acc", "acc=(.*)"),
        ),
        input_mode=InputMode.PIPE,
        environment={"B": "2", "A": "1"},
        vpc=VpcConfig(["subnet-1"], ["sg-1"]),
        enable_network_isolation=True,
        enable_inter_container_traffic_encryption=True,
        use_spot_instances=True,
        max_wait_seconds=7200,
        checkpoint_s3_uri="s3://bucket/checkpoints",
        retry_attempts=2,
        volume_kms_key_id="volume-key",
        output_kms_key_id="output-key",
    ),
    objective=Objective.minimize("z:loss"),
    ranges={
        "lr": ContinuousRange(1e-05, 0.1, ScalingType.LOGARITHMIC),
        "depth": IntegerRange(1, 10),
        "opt": CategoricalRange(["sgd", "adam"]),
        "shuffle": CategoricalRange([True, False]),
    },
    max_parallel_jobs=3,
    max_jobs=30,
    strategy=Strategy.HYPERBAND,
    max_tuning_runtime_seconds=36_000,
    early_stopping=EarlyStopping.OFF,
    hyperband=HyperbandConfig(1, 20),
    completion=CompletionCriteria(0.9, 5, True),
    random_seed=7,
    warm_start=WarmStartConfig(WarmStartType.TRANSFER_LEARNING, ["parent-1", "parent-2"]),
)


class TestRenderValue:
    @pytest.mark.parametrize(
        ("value", "rendered"),
        [
            (True, "true"),
            (False, "false"),
            (0, "0"),
            (15420, "15420"),
            (0.001, "0.001"),
            (1e-05, "1e-05"),
            (2.0, "2.0"),
            ("3,224,224", "3,224,224"),
            (ScalingType.REVERSE_LOGARITHMIC, "ReverseLogarithmic"),
            (InputMode.FAST_FILE, "FastFile"),
        ],
    )
    def test_values_render_to_api_strings(self, value: object, rendered: str) -> None:
        """GIVEN a Python value THEN it renders to the string SageMaker receives."""
        assert render_value(value) == rendered

    def test_unsupported_value_is_kept_for_the_rules(self) -> None:
        """GIVEN None THEN render_value returns it unchanged, for the rules to report."""
        assert render_value(None) is None

    def test_non_finite_float_becomes_text_json_can_carry(self) -> None:
        """GIVEN NaN or an infinity THEN it renders as text, never as a bare float."""
        assert render_value(float("inf")) == "inf"
        assert render_value(float("-inf")) == "-inf"
        assert render_value(float("nan")) == "nan"

    def test_numbers_compare_by_value(self) -> None:
        """GIVEN 1e-3, "0.001" and 0.001 THEN they share one canonical value, unlike text."""
        assert canonical_value("1e-3") == canonical_value("0.001") == canonical_value(0.001)
        assert canonical_value(1) == canonical_value("1.0")
        assert canonical_value("adam") == "adam"
        assert canonical_value(True) != canonical_value(1)

    @given(st.floats(allow_nan=False, allow_infinity=False))
    def test_rendered_float_reads_back_as_itself(self, number: float) -> None:
        """GIVEN any finite float THEN its rendering parses back to the same float."""
        rendered = render_value(number)

        assert isinstance(rendered, str)
        assert float(rendered) == number
        assert canonical_value(rendered) == canonical_value(number)


class TestRendering:
    def test_single_string_is_one_categorical_value(self) -> None:
        """GIVEN CategoricalRange("adam") THEN it holds one value, not four letters."""
        assert CategoricalRange("adam").values == ("adam",)

    def test_static_hyperparameters_and_ranges_render_as_strings(self) -> None:
        """GIVEN mixed Python values THEN the request holds sorted API strings."""
        request = FULL.to_request("job-1")
        training: Any = request["TrainingJobDefinition"]
        ranges: Any = request["HyperParameterTuningJobConfig"]

        assert training["StaticHyperParameters"] == {
            "flag": "true",
            "layers": "3",
            "opt": "sgd",
            "wd": "1e-05",
        }
        assert ranges["ParameterRanges"] == {
            "IntegerParameterRanges": [
                {"Name": "depth", "MinValue": "1", "MaxValue": "10", "ScalingType": "Auto"}
            ],
            "ContinuousParameterRanges": [
                {
                    "Name": "lr",
                    "MinValue": "1e-05",
                    "MaxValue": "0.1",
                    "ScalingType": "Logarithmic",
                }
            ],
            "CategoricalParameterRanges": [
                {"Name": "opt", "Values": ["sgd", "adam"]},
                {"Name": "shuffle", "Values": ["true", "false"]},
            ],
        }

    def test_integral_float_integer_bound_renders_as_an_integer(self) -> None:
        """GIVEN IntegerRange(2.0, 8.0) THEN its bounds render as "2" and "8"."""
        rendered = IntegerRange(2.0, 8.0).to_api("layers")

        assert (rendered["MinValue"], rendered["MaxValue"]) == ("2", "8")

    def test_tags_are_sorted_key_value_pairs(self) -> None:
        """GIVEN tags WHEN rendered THEN they are Key/Value pairs sorted by key."""
        request = FULL.to_request("job-1", {"team": "ml", "env": "dev"})

        assert request["Tags"] == [
            {"Key": "env", "Value": "dev"},
            {"Key": "team", "Value": "ml"},
        ]


class TestReadingBack:
    def test_request_round_trips(self) -> None:
        """GIVEN every field set THEN from_api(to_request) renders the same request."""
        request = FULL.to_request("job-1", {"team": "ml"})

        again = TuningJobDefinition.from_api(request).to_request("job-1", {"team": "ml"})

        assert again == request

    def test_spec_round_trips_through_json_with_a_stable_hash(self) -> None:
        """GIVEN the canonical spec as JSON THEN it rebuilds a definition with the same hash."""
        spec = json.loads(canonical_json(definition_spec(FULL)))

        rebuilt = definition_from_spec(spec)

        assert definition_hash(rebuilt) == definition_hash(FULL)
        assert rebuilt.to_request("job-1") == FULL.to_request("job-1")

    def test_unknown_spec_version_is_refused(self) -> None:
        """GIVEN a spec of schema version 99 THEN definition_from_spec says which it reads."""
        with pytest.raises(ValueError) as raised:
            definition_from_spec({"schemaVersion": 99, "request": {}})

        assert str(raised.value) == (
            "unsupported spec schemaVersion 99; this library reads version 1"
        )

    def test_describe_response_parses_without_the_service_key(self) -> None:
        """GIVEN a Describe response THEN extra fields and the service-added key are dropped."""
        describe: dict[str, Any] = FULL.to_request("job-1")
        static = describe["TrainingJobDefinition"]["StaticHyperParameters"]
        static[SERVICE_OBJECTIVE_KEY] = "z:loss"
        describe |= {
            "HyperParameterTuningJobArn": (
                "arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/job-1"
            ),
            "HyperParameterTuningJobStatus": "Completed",
            "CreationTime": datetime(2024, 5, 1, tzinfo=UTC),
            "TrainingJobStatusCounters": {"Completed": 28, "Stopped": 2},
            "ObjectiveStatusCounters": {"Succeeded": 28, "Pending": 0, "Failed": 2},
            "BestTrainingJob": {"TrainingJobName": "job-1-007-0e830ada"},
        }

        parsed = TuningJobDefinition.from_api(describe)

        assert SERVICE_OBJECTIVE_KEY not in parsed.training.static_hyperparameters
        assert parsed.hyperparameter_names() == {
            "flag",
            "wd",
            "layers",
            "opt",
            "lr",
            "depth",
            "shuffle",
        }
        assert parsed.objective == Objective(ObjectiveType.MINIMIZE, "z:loss")
        assert parsed.ranges["lr"] == ContinuousRange("1e-05", "0.1", ScalingType.LOGARITHMIC)
        assert parsed.warm_start == FULL.warm_start
        assert parsed.to_request("job-1") == FULL.to_request("job-1")

    def test_unknown_enum_string_is_kept(self) -> None:
        """GIVEN an unknown strategy string THEN from_api keeps it for the rules to report."""
        request: dict[str, Any] = FULL.to_request("job-1")
        request["HyperParameterTuningJobConfig"]["Strategy"] = "Bayes"

        assert TuningJobDefinition.from_api(request).strategy == "Bayes"

    def test_with_parents_replaces_only_the_names(self) -> None:
        """GIVEN resolved parent names THEN with_parents keeps the warm-start type."""
        resolved = FULL.with_parents(["base-abc"])

        assert resolved.warm_start == WarmStartConfig(
            WarmStartType.TRANSFER_LEARNING, ["base-abc"]
        )
