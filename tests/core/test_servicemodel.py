"""Field-level limits read from botocore's SageMaker model: one failing case per F-* id."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from constructs_pkg.core.findings import Finding, RuleContext
from constructs_pkg.core.model import (
    Channel,
    ContinuousRange,
    Objective,
    TrainingDefinition,
    TuningJobDefinition,
)
from constructs_pkg.core.rules import check_definition
from constructs_pkg.core.servicemodel import enum_values, user_field, validate_request

TOKEN = "${Token[TOKEN.12]}"

DEFINITION = TuningJobDefinition(
    training=TrainingDefinition(
        role="arn:aws:iam::123456789012:role/SageMakerRole",
        output_path="s3://bucket/output",
        inputs=(
            Channel("train", "s3://bucket/train"),
            Channel("validation", "s3://bucket/validation"),
        ),
        image_uri="811284229777.dkr.ecr.us-east-1.amazonaws.com/image-classification:1",
        instance_type="ml.p3.2xlarge",
        static_hyperparameters={"epochs": 30, "optimizer": "sgd"},
    ),
    objective=Objective.maximize("validation:accuracy"),
    ranges={"learning_rate": ContinuousRange(0.0, 0.1), "momentum": ContinuousRange(0.0, 0.99)},
    max_jobs=10,
    max_parallel_jobs=2,
)


def request() -> dict[str, Any]:
    return DEFINITION.to_request("job-1")


def shown(finding: Finding) -> str:
    return f"{finding.severity} {finding.format()}"


def validated(
    change: Callable[[dict[str, Any]], object], ctx: RuleContext | None = None
) -> list[str]:
    changed = copy.deepcopy(request())
    change(changed)
    return [shown(f) for f in validate_request(changed, ctx)]


def config(req: dict[str, Any]) -> dict[str, Any]:
    section: dict[str, Any] = req["HyperParameterTuningJobConfig"]
    return section


def training(req: dict[str, Any]) -> dict[str, Any]:
    section: dict[str, Any] = req["TrainingJobDefinition"]
    return section


class TestValidRequest:
    def test_valid_request_has_no_findings(self) -> None:
        """GIVEN a valid request WHEN validated THEN nothing is found."""
        assert validate_request(request()) == []


class TestConstraints:
    def test_missing_required_member(self) -> None:
        """GIVEN no RoleArn THEN F-REQUIRED names `training.role`."""
        assert validated(lambda r: training(r).pop("RoleArn")) == [
            "error [F-REQUIRED] `training.role`: is required"
        ]

    def test_wrong_scalar_type(self) -> None:
        """GIVEN MaxParallelTrainingJobs as text THEN F-TYPE asks for a whole number."""
        assert validated(
            lambda r: config(r)["ResourceLimits"].update(MaxParallelTrainingJobs="2")
        ) == ["error [F-TYPE] `max_parallel_jobs`: must be a whole number; got '2'"]

    def test_unknown_member(self) -> None:
        """GIVEN a member the model lacks THEN F-TYPE says SageMaker does not know it."""
        assert validated(lambda r: training(r).update(Foo=1)) == [
            "error [F-TYPE] `training.foo`: is not a field SageMaker knows"
        ]

    def test_length(self) -> None:
        """GIVEN B09's 33-character job name THEN F-LENGTH shows the length and the name, and
        F-PATTERN its underscores: both must be fixed, so both are said at once."""
        name = "churn_model_warmstart_transfer_v2"

        assert validated(lambda r: r.update(HyperParameterTuningJobName=name)) == [
            "error [F-LENGTH] `job_name`: must be from 1 to 32 characters long; got 33 "
            "('churn_model_warmstart_transfer_v2')",
            "error [F-PATTERN] `job_name`: must match `[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}`; got "
            "'churn_model_warmstart_transfer_v2'",
        ]

    def test_length_alone_when_the_characters_are_right(self) -> None:
        """GIVEN a 33-character name of allowed characters THEN only F-LENGTH: the pattern's
        count restates the length."""
        name = "churn-model-warmstart-transfer-v2"

        assert validated(lambda r: r.update(HyperParameterTuningJobName=name)) == [
            "error [F-LENGTH] `job_name`: must be from 1 to 32 characters long; got 33 "
            "('churn-model-warmstart-transfer-v2')"
        ]

    def test_pattern(self) -> None:
        """GIVEN an underscore in the job name THEN F-PATTERN quotes the pattern."""
        assert validated(lambda r: r.update(HyperParameterTuningJobName="churn_model")) == [
            "error [F-PATTERN] `job_name`: must match `[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}`; got "
            "'churn_model'"
        ]

    def test_small_enum(self) -> None:
        """GIVEN strategy `Bayes` THEN F-ENUM lists the four strategies."""
        assert validated(lambda r: config(r).update(Strategy="Bayes")) == [
            "error [F-ENUM] `strategy`: must be one of Bayesian, Random, Hyperband, Grid; got "
            "'Bayes'"
        ]

    def test_large_enum_suggests_close_values(self) -> None:
        """GIVEN a misspelt instance type THEN F-ENUM counts the values and suggests some."""
        count = len(enum_values("TrainingInstanceType"))

        assert validated(
            lambda r: training(r)["ResourceConfig"].update(InstanceType="ml.p3.2xlarg")
        ) == [
            f"error [F-ENUM] `training.instance_type`: must be one of the {count} values "
            "SageMaker accepts; got 'ml.p3.2xlarg'; did you mean ml.p3.2xlarge, ml.t3.2xlarge, "
            "ml.p3.8xlarge?"
        ]

    def test_numeric_range(self) -> None:
        """GIVEN zero parallel jobs THEN F-RANGE gives the minimum."""
        assert validated(
            lambda r: config(r)["ResourceLimits"].update(MaxParallelTrainingJobs=0)
        ) == ["error [F-RANGE] `max_parallel_jobs`: must be at least 1; got 0"]

    def test_list_size(self) -> None:
        """GIVEN 31 categorical values THEN F-SIZE names the range's values."""
        values = [str(i) for i in range(31)]
        ranges = {"CategoricalParameterRanges": [{"Name": "opt", "Values": values}]}

        assert validated(lambda r: config(r).update(ParameterRanges=ranges)) == [
            "error [F-SIZE] `ranges['opt'].values`: must have from 1 to 30 items; got 31"
        ]

    def test_unknown_enum_string_survives_from_api_to_the_check(self) -> None:
        """GIVEN strategy `Bayes` in a request WHEN read back and checked THEN F-ENUM says so."""
        raw = request()
        config(raw)["Strategy"] = "Bayes"

        reported = check_definition(TuningJobDefinition.from_api(raw))

        assert [f.rule_id for f in reported] == ["F-ENUM"]


class TestUserFields:
    @pytest.mark.parametrize(
        ("change", "field"),
        [
            (
                lambda r: config(r)["ParameterRanges"]["ContinuousParameterRanges"][1].update(
                    ScalingType="Log"
                ),
                "ranges['momentum'].scaling",
            ),
            (
                lambda r: config(r)["ParameterRanges"]["ContinuousParameterRanges"][0].update(
                    MinValue="x" * 257
                ),
                "ranges['learning_rate'].min",
            ),
            (
                lambda r: training(r)["InputDataConfig"][1].update(ChannelName="val idation"),
                "training.inputs[1].name",
            ),
            (
                lambda r: training(r)["InputDataConfig"][1]["DataSource"]["S3DataSource"].update(
                    S3Uri="ftp://bucket/validation"
                ),
                "training.inputs[1].s3_uri",
            ),
            (
                lambda r: training(r)["InputDataConfig"][0].update(CompressionType="Zip"),
                "training.inputs[0].compression",
            ),
            (
                lambda r: training(r)["StaticHyperParameters"].update(optimizer="v" * 2501),
                "training.static_hyperparameters['optimizer']",
            ),
            (
                lambda r: training(r)["StaticHyperParameters"].update({"k" * 257: "1"}),
                f"training.static_hyperparameters[{'k' * 257!r}].key",
            ),
        ],
    )
    def test_findings_name_the_user_facing_field(
        self, change: Callable[[dict[str, Any]], object], field: str
    ) -> None:
        """GIVEN a bad value deep in the request THEN the finding names the user-facing field."""
        changed = copy.deepcopy(request())
        change(changed)

        assert [f.field for f in validate_request(changed)] == [field]

    def test_range_index_without_the_request_keeps_a_readable_path(self) -> None:
        """GIVEN a range path and no request THEN user_field falls back to snake case."""
        path = (
            "HyperParameterTuningJobConfig.ParameterRanges.ContinuousParameterRanges[1].MinValue"
        )

        assert user_field(path) == "ranges.continuous_parameter_ranges[1].min_value"

    def test_hyperband_resource_maps_to_its_property(self) -> None:
        """GIVEN a Hyperband MinResource path THEN user_field names `hyperband.min_resource`."""
        path = "HyperParameterTuningJobConfig.StrategyConfig.HyperbandStrategyConfig.MinResource"

        assert user_field(path) == "hyperband.min_resource"

    def test_hyperband_minimum_is_reported_on_the_rules_field(self) -> None:
        """GIVEN MinResource 0 THEN F-RANGE names the field S4 uses, `hyperband.min_resource`."""
        hyperband = {"HyperbandStrategyConfig": {"MinResource": 0}}

        assert validated(lambda r: config(r).update(StrategyConfig=hyperband)) == [
            "error [F-RANGE] `hyperband.min_resource`: must be at least 1; got 0"
        ]


class TestTokens:
    def test_token_role_is_skipped_and_recorded(self) -> None:
        """GIVEN a role ARN that is a token THEN it is not checked and is recorded."""
        ctx = RuleContext()

        assert validated(lambda r: training(r).update(RoleArn=TOKEN), ctx) == []
        assert ctx.unresolved == ["training.role"]

    def test_token_inside_a_range_is_recorded_with_the_range_name(self) -> None:
        """GIVEN a token as a range's MinValue THEN the recorded field names the range."""
        ctx = RuleContext()

        assert (
            validated(
                lambda r: config(r)["ParameterRanges"]["ContinuousParameterRanges"][0].update(
                    MinValue=TOKEN
                ),
                ctx,
            )
            == []
        )
        assert ctx.unresolved == ["ranges['learning_rate'].min"]


# --------------------------------------------------------------------------- model cache

CACHE_PROBE = """
import sys
from constructs_pkg.core import servicemodel
findings = servicemodel.validate_request({"HyperParameterTuningJobName": "bad name!"})
print(sorted({f.rule_id for f in findings}))
print("botocore.session" in sys.modules)
"""


def _probe(env: dict[str, str]) -> tuple[str, bool]:
    import os
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", CACHE_PROBE],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    rules, session = result.stdout.split("\n")[:2]
    return rules, session == "True"


def test_the_model_extract_is_cached_per_botocore_version(tmp_path: Any) -> None:
    """GIVEN an empty cache directory WHEN the model is first needed THEN botocore is read
    and the extract written; a second process reads the file and never loads botocore's
    session, and finds the same problems."""
    import json

    import botocore

    from constructs_pkg.core import servicemodel

    env = {"XDG_CACHE_HOME": str(tmp_path), "CONSTRUCTS_PKG_MODEL_CACHE": "on"}
    first, read_botocore = _probe(env)
    files = list((tmp_path / "constructs_pkg").glob("*.json"))
    assert [f.name for f in files] == [
        f"sagemaker-CreateHyperParameterTuningJob-{botocore.__version__}-v1.json"
    ]
    assert json.loads(files[0].read_text()) == servicemodel._extract()
    second, read_again = _probe(env)
    assert (read_botocore, read_again) == (True, False)
    assert first == second == "['F-PATTERN', 'F-REQUIRED']"


def test_a_damaged_cache_file_is_replaced(tmp_path: Any) -> None:
    import botocore

    from constructs_pkg.core import servicemodel

    env = {"XDG_CACHE_HOME": str(tmp_path), "CONSTRUCTS_PKG_MODEL_CACHE": "on"}
    path = tmp_path / "constructs_pkg"
    path.mkdir()
    damaged = path / f"sagemaker-CreateHyperParameterTuningJob-{botocore.__version__}-v1.json"
    damaged.write_text('{"shapes": {"trunc')
    rules, read_botocore = _probe(env)
    assert rules == "['F-PATTERN', 'F-REQUIRED']" and read_botocore
    import json

    assert json.loads(damaged.read_text()) == servicemodel._extract()


def test_the_cache_can_be_turned_off(tmp_path: Any) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path), "CONSTRUCTS_PKG_MODEL_CACHE": "off"}
    rules, read_botocore = _probe(env)
    assert rules == "['F-PATTERN', 'F-REQUIRED']" and read_botocore
    assert not (tmp_path / "constructs_pkg").exists()


# --------------------------------------------------------------------------- types the service reads


def resources(req: dict[str, Any]) -> dict[str, Any]:
    section: dict[str, Any] = req["TrainingJobDefinition"]["ResourceConfig"]
    return section


def test_none_in_an_optional_field_is_a_wrong_type() -> None:
    """GIVEN instance_type=None (the request carries "InstanceType": null, which botocore
    refuses) THEN F-TYPE, though the model does not require the field."""
    assert validated(lambda r: resources(r).update(InstanceType=None)) == [
        "error [F-TYPE] `training.instance_type`: must be a string; got None"
    ]


def test_a_string_token_in_a_number_field_is_an_error_at_synth() -> None:
    ctx = RuleContext(is_unresolved=lambda v: v == TOKEN)
    limits = lambda r: config(r)["ResourceLimits"].update(MaxNumberOfTrainingJobs=TOKEN)  # noqa: E731
    assert validated(limits, ctx) == [
        "error [F-TYPE] `max_jobs`: must be a number, and this token stands for a string (a "
        "CfnParameter's value_as_string, say); use a number token such as value_as_number"
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (2**31 - 1, []),
        (
            2**31,
            [
                "error [F-RANGE] `random_seed`: must be from -2,147,483,648 to 2,147,483,647; "
                "got 2147483648"
            ],
        ),
    ],
)
def test_an_integer_field_holds_32_bits(value: int, expected: list[str]) -> None:
    assert validated(lambda r: config(r).update(RandomSeed=value)) == expected


def test_a_number_beyond_a_double_is_an_error() -> None:
    huge = 10**400
    change = lambda r: config(r).update(  # noqa: E731
        TuningJobCompletionCriteria={"TargetObjectiveMetricValue": huge}
    )
    assert [line.split(";")[0] for line in validated(change)] == [
        "error [F-RANGE] `completion.target_objective_value`: is too large for a number"
    ]
