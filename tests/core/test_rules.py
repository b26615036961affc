"""Cross-field and warm-start rules: a compliant and a non-compliant case for every rule id.

Each failing case asserts the whole finding as ``"<severity> [<id>] `<field>`: <message>"``.
The definitions start from the README scenario (image classification on a built-in image),
which breaks no rule at all.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from constructs_pkg.core.findings import Finding, RuleContext, Severity
from constructs_pkg.core.model import (
    CategoricalRange,
    Channel,
    CompressionType,
    ContinuousRange,
    EarlyStopping,
    HyperbandConfig,
    InputMode,
    IntegerRange,
    MetricDefinition,
    Objective,
    RecordWrapper,
    S3DataType,
    ScalingType,
    Strategy,
    TrainingDefinition,
    TuningJobDefinition,
    WarmStartConfig,
    WarmStartType,
)
from constructs_pkg.core.rules import (
    RULES,
    ParentJob,
    RuleScope,
    check_definition,
    check_tags,
    check_warm_start,
    is_builtin_algorithm_image,
)

TOKEN = "${Token[TOKEN.12]}"
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
IC_IMAGE = "811284229777.dkr.ecr.us-east-1.amazonaws.com/image-classification:1"
CUSTOM_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/my-trainer:1.0"

README_STATIC: dict[str, Any] = {
    "num_layers": 18,
    "image_shape": "3,224,224",
    "num_classes": 257,
    "num_training_samples": 15420,
    "mini_batch_size": 128,
    "epochs": 30,
    "optimizer": "sgd",
    "top_k": 2,
    "precision_dtype": "float32",
    "augmentation_type": "crop",
}

README_TRAINING = TrainingDefinition(
    role=ROLE,
    output_path="s3://bucket/output",
    inputs=(
        Channel("train", "s3://bucket/train"),
        Channel("validation", "s3://bucket/validation"),
    ),
    image_uri=IC_IMAGE,
    instance_type="ml.p3.2xlarge",
    static_hyperparameters=README_STATIC,
)

README = TuningJobDefinition(
    training=README_TRAINING,
    objective=Objective.maximize("validation:accuracy"),
    ranges={
        "learning_rate": ContinuousRange(0.0, 0.1),
        "momentum": ContinuousRange(0.0, 0.99),
    },
    max_jobs=10,
    max_parallel_jobs=2,
)


def training(**changes: Any) -> TrainingDefinition:
    return replace(README_TRAINING, **changes)


def definition(**changes: Any) -> TuningJobDefinition:
    return replace(README, **changes)


def warm(
    child: TuningJobDefinition,
    *parents: str,
    kind: WarmStartType = WarmStartType.IDENTICAL_DATA_AND_ALGORITHM,
) -> TuningJobDefinition:
    return replace(child, warm_start=WarmStartConfig(kind, parents or ("base-1",)))


def parent(
    parent_definition: TuningJobDefinition | None = README,
    name: str = "base-1",
    label: str = "Stack/Base",
    **known: Any,
) -> ParentJob:
    return ParentJob(name=name, label=label, definition=parent_definition, **known)


def shown(finding: Finding) -> str:
    return f"{finding.severity} {finding.format()}"


def findings(
    rule_id: str, checked: TuningJobDefinition, ctx: RuleContext | None = None
) -> list[str]:
    return [shown(f) for f in check_definition(checked, ctx) if f.rule_id == rule_id]


def warm_findings(
    rule_id: str,
    child: TuningJobDefinition,
    parents: list[ParentJob],
    ctx: RuleContext | None = None,
) -> list[str]:
    return [shown(f) for f in check_warm_start(child, parents, ctx) if f.rule_id == rule_id]


# --------------------------------------------------------------------------- registry


class TestRegistry:
    def test_every_catalogue_rule_is_registered(self) -> None:
        """GIVEN the rule modules WHEN loaded THEN each catalogue id is registered once."""
        expected = {
            RuleScope.DEFINITION: "R1 R3 R4 R5 R7 R8 R11 S2 S3 S4 S5 S6 S7 S8 S13 "
            "T1 T2 T3 T4 T5 T6 T7",
            RuleScope.WARM_START: "W1 W3 W4 W5 W6 W7 W8 W9 W10 W11 W12 W14 W16",
            RuleScope.TAGS: "T8",
        }

        for scope, ids in expected.items():
            assert [r.id for r in RULES.values() if r.scope is scope] == ids.split()

    def test_every_rule_states_its_compliant_state(self) -> None:
        """GIVEN every rule THEN its summary is one sentence ending in a full stop."""
        summaries = [r.summary for r in RULES.values()]

        assert all(s.endswith(".") and s[0].isupper() for s in summaries)


# --------------------------------------------------------------------------- whole definitions


class TestCompliantDefinitions:
    def test_readme_image_classification_job_has_no_findings(self) -> None:
        """GIVEN the README's image-classification job WHEN checked THEN nothing is found."""
        ctx = RuleContext()

        assert check_definition(README, ctx) == []
        assert ctx.unresolved == []

    def test_readme_job_warm_started_from_itself_has_no_findings(self) -> None:
        """GIVEN a child identical to its parent WHEN warm-start checked THEN nothing is found."""
        child = warm(README, "base-1")

        assert check_warm_start(child, [parent(README)]) == []
        assert check_definition(child) == []

    def test_wrong_container_type_is_reported_without_rendering(self) -> None:
        """GIVEN ranges given as a list WHEN checked THEN only the F-TYPE finding comes back."""
        broken = definition(ranges=[ContinuousRange(0, 1)])

        assert [f.rule_id for f in check_definition(broken)] == ["F-TYPE"]
        assert check_warm_start(warm(broken), [parent()]) == []


# --------------------------------------------------------------------------- R rules


class TestR1TunableCount:
    def test_thirty_ranges_pass(self) -> None:
        """GIVEN 30 ranges WHEN checked THEN R1 is quiet."""
        ranges = {f"p{i}": ContinuousRange(0.1, 0.2) for i in range(30)}

        assert findings("R1", definition(ranges=ranges)) == []

    def test_thirty_one_ranges_fail(self) -> None:
        """GIVEN 31 ranges over three kinds WHEN checked THEN R1 counts each kind."""
        ranges: dict[str, Any] = {f"i{i}": IntegerRange(1, 9) for i in range(11)}
        ranges |= {f"c{i}": ContinuousRange(0.1, 0.2) for i in range(10)}
        ranges |= {f"k{i}": CategoricalRange(["a", "b"]) for i in range(10)}

        assert findings("R1", definition(ranges=ranges)) == [
            "error [R1] `ranges`: A tuning job searches at most 30 hyperparameters in total; "
            "got 31 (11 Integer, 10 Continuous, 10 Categorical). Make the least important "
            "ones static hyperparameters."
        ]


class TestR3HyperparameterCount:
    def test_ninety_nine_names_pass(self) -> None:
        """GIVEN 98 static and 1 tunable hyperparameter WHEN checked THEN R3 is quiet."""
        static = {f"s{i}": 1 for i in range(98)}
        checked = definition(
            training=training(static_hyperparameters=static),
            ranges={"lr": ContinuousRange(0.1, 0.2)},
        )

        assert findings("R3", checked) == []

    def test_hundred_names_fail_because_sagemaker_adds_one(self) -> None:
        """GIVEN 99 static and 1 tunable hyperparameter WHEN checked THEN R3 reports 100."""
        static = {f"s{i}": 1 for i in range(99)}
        checked = definition(
            training=training(static_hyperparameters=static),
            ranges={"lr": ContinuousRange(0.1, 0.2)},
        )

        assert findings("R3", checked) == [
            "error [R3] `training.static_hyperparameters`: Static and tunable "
            "hyperparameters may number at most 99, because SageMaker adds "
            "`_tuning_objective_metric` to reach its limit of 100; got 100 (99 static, "
            "1 tunable). Remove static hyperparameters the algorithm does not read."
        ]

    def test_user_may_not_set_the_service_key(self) -> None:
        """GIVEN a static `_tuning_objective_metric` THEN R3 says SageMaker adds it."""
        static = README_STATIC | {"_tuning_objective_metric": "validation:accuracy"}

        assert findings("R3", definition(training=training(static_hyperparameters=static))) == [
            "error [R3] `training.static_hyperparameters['_tuning_objective_metric']`: "
            "SageMaker adds `_tuning_objective_metric` to every tuning job itself; got it as "
            "a static hyperparameter. Remove it."
        ]


class TestR4StaticOrTunable:
    def test_distinct_names_pass(self) -> None:
        """GIVEN the README job WHEN checked THEN R4 is quiet."""
        assert findings("R4", README) == []

    def test_name_both_static_and_tunable_fails(self) -> None:
        """GIVEN `momentum` static and tunable WHEN checked THEN R4 names it and the kind."""
        static = README_STATIC | {"momentum": 0.9}

        assert findings("R4", definition(training=training(static_hyperparameters=static))) == [
            "error [R4] `training.static_hyperparameters['momentum']`: `momentum` is both a "
            "static hyperparameter and a Continuous range; a hyperparameter is either static "
            "or tunable. Remove it from `static_hyperparameters`, or drop its range."
        ]


class TestR5RangeValues:
    def test_valid_bounds_and_values_pass(self) -> None:
        """GIVEN integral, float and text bounds and distinct values THEN R5 is quiet."""
        ranges: dict[str, Any] = {
            "layers": IntegerRange(2.0, "8"),
            "lr": ContinuousRange("1e-4", 0.1),
            "opt": CategoricalRange(["sgd", "adam"]),
        }

        assert findings("R5", definition(ranges=ranges)) == []

    @pytest.mark.parametrize(
        ("bound", "shown_bound"),
        [(1.5, "1.5"), ("1.5", "'1.5'"), ("2.0", "'2.0'"), ("1_0", "'1_0'"), (True, "True")],
    )
    def test_integer_bound_must_be_whole(self, bound: object, shown_bound: str) -> None:
        """GIVEN an Integer range whose min is not a whole number THEN R5 reports min."""
        checked = definition(ranges={"layers": IntegerRange(bound, 10)})  # type: ignore[arg-type]

        assert findings("R5", checked) == [
            f"error [R5] `ranges['layers'].min`: An Integer range needs whole-number bounds; "
            f"got min={shown_bound}. Use a whole number, or a ContinuousRange for fractional "
            "values."
        ]

    @pytest.mark.parametrize("bound", ["abc", "inf", " 0.5"])
    def test_continuous_bound_must_be_finite_number(self, bound: str) -> None:
        """GIVEN a Continuous range whose max is not a finite number THEN R5 reports max."""
        checked = definition(ranges={"lr": ContinuousRange(0.1, bound)})

        assert findings("R5", checked) == [
            f"error [R5] `ranges['lr'].max`: A Continuous range needs finite numeric bounds; "
            f"got max={bound!r}. Use a number such as 0.01."
        ]

    def test_integer_too_large_for_a_float_is_refused_without_raising(self) -> None:
        """GIVEN a Continuous max of 10**400 THEN R5 reports it instead of overflowing."""
        checked = definition(ranges={"lr": ContinuousRange(0.1, 10**400)})

        assert [f.split(";")[0] for f in findings("R5", checked)] == [
            "error [R5] `ranges['lr'].max`: A Continuous range needs finite numeric bounds"
        ]

    def test_min_above_max_fails(self) -> None:
        """GIVEN min 0.5 and max 0.1 WHEN checked THEN R5 asks to swap the bounds."""
        checked = definition(ranges={"lr": ContinuousRange(0.5, "0.1")})

        assert findings("R5", checked) == [
            "error [R5] `ranges['lr']`: `min` must not exceed `max`; got min=0.5, "
            "max='0.1'. Swap the bounds."
        ]

    def test_min_equal_to_max_warns(self) -> None:
        """GIVEN Integer(3, 3) WHEN checked THEN R5 warns and suggests a static value."""
        checked = definition(ranges={"depth": IntegerRange(3, 3)})

        assert findings("R5", checked) == [
            "warning [R5] `ranges['depth']`: `min` equals `max` (3), so the range holds a "
            "single value, which SageMaker may reject. Make `depth` a static hyperparameter "
            "instead."
        ]

    def test_repeated_categorical_values_warn_after_rendering(self) -> None:
        """GIVEN 1 and "1" in one categorical range THEN R5 sees them render the same."""
        checked = definition(ranges={"k": CategoricalRange([1, "1", 2])})

        assert findings("R5", checked) == [
            "warning [R5] `ranges['k'].values`: Categorical values should be distinct, and "
            "SageMaker may reject repeated ones; got ['1', '1', '2'] ('1' 2 times). Remove "
            "the repeated values."
        ]

    def test_single_categorical_value_warns(self) -> None:
        """GIVEN a categorical range of one value THEN R5 suggests a static hyperparameter."""
        checked = definition(ranges={"opt": CategoricalRange("adam")})

        assert findings("R5", checked) == [
            "warning [R5] `ranges['opt'].values`: A Categorical range with a single value may "
            "be rejected by SageMaker; got ['adam']. Make `opt` a static hyperparameter "
            "instead."
        ]

    def test_token_bound_is_skipped_and_recorded(self) -> None:
        """GIVEN a token as a range's min THEN no rule reads it, and it is recorded."""
        ctx = RuleContext()
        checked = definition(ranges={"lr": ContinuousRange(TOKEN, 0.1, ScalingType.LOGARITHMIC)})

        assert check_definition(checked, ctx) == []
        assert ctx.unresolved == ["ranges['lr'].min"]


class TestB10InvalidRanges:
    def test_each_bad_range_is_reported_once(self) -> None:
        """GIVEN the B10 ranges WHEN checked THEN each bad range has exactly one finding."""
        ranges: dict[str, Any] = {
            "lr": ContinuousRange(0, 0.1, ScalingType.LOGARITHMIC),
            "momentum": ContinuousRange(0.5, 1.0, ScalingType.REVERSE_LOGARITHMIC),
            "layers": IntegerRange(1.5, 4),
            "depth": IntegerRange(3, 3),
            "trees": IntegerRange(10, 500, ScalingType.REVERSE_LOGARITHMIC),
        }

        reported = [shown(f) for f in check_definition(definition(ranges=ranges))]

        assert reported == [
            "error [R5] `ranges['layers'].min`: An Integer range needs whole-number bounds; "
            "got min=1.5. Use a whole number, or a ContinuousRange for fractional values.",
            "warning [R5] `ranges['depth']`: `min` equals `max` (3), so the range holds a "
            "single value, which SageMaker may reject. Make `depth` a static hyperparameter "
            "instead.",
            "error [R7] `ranges['lr'].min`: Logarithmic scaling needs every value above 0; "
            "got min=0. Raise `min` above 0, or use Linear or Auto scaling.",
            "error [R8] `ranges['momentum'].max`: ReverseLogarithmic scaling needs every "
            "value in 0 <= value < 1; got max=1.0. Lower `max` below 1, or use Linear or "
            "Auto scaling.",
            "error [R8] `ranges['trees'].scaling`: ReverseLogarithmic scaling works only on "
            "Continuous ranges; got it on an Integer range. Use Logarithmic, Linear or Auto "
            "scaling, or a ContinuousRange.",
        ]


class TestR7Logarithmic:
    def test_positive_min_passes(self) -> None:
        """GIVEN Logarithmic scaling from 1e-05 WHEN checked THEN R7 is quiet."""
        checked = definition(ranges={"lr": ContinuousRange(1e-05, 0.1, ScalingType.LOGARITHMIC)})

        assert findings("R7", checked) == []

    def test_zero_min_fails_on_integer_range(self) -> None:
        """GIVEN an Integer range from 0 with Logarithmic scaling THEN R7 reports min."""
        checked = definition(ranges={"trees": IntegerRange(0, 500, ScalingType.LOGARITHMIC)})

        assert findings("R7", checked) == [
            "error [R7] `ranges['trees'].min`: Logarithmic scaling needs every value above 0; "
            "got min=0. Raise `min` above 0, or use Linear or Auto scaling."
        ]


class TestR8ReverseLogarithmic:
    def test_continuous_range_below_one_passes(self) -> None:
        """GIVEN ReverseLogarithmic on Continuous(0, 0.99) WHEN checked THEN R8 is quiet."""
        checked = definition(
            ranges={"momentum": ContinuousRange(0, 0.99, ScalingType.REVERSE_LOGARITHMIC)}
        )

        assert findings("R8", checked) == []

    def test_negative_min_fails(self) -> None:
        """GIVEN ReverseLogarithmic from -0.1 WHEN checked THEN R8 names the min."""
        checked = definition(
            ranges={"momentum": ContinuousRange(-0.1, 0.9, ScalingType.REVERSE_LOGARITHMIC)}
        )

        assert findings("R8", checked) == [
            "error [R8] `ranges['momentum'].min`: ReverseLogarithmic scaling needs every value "
            "in 0 <= value < 1; got min=-0.1. Raise `min` to 0 or more, or use Linear or Auto "
            "scaling."
        ]


class TestR11Credentials:
    @pytest.mark.parametrize(
        "key", ["max_tokens", "pad_token", "token_budget", "key_column", "PWD"]
    )
    def test_ordinary_names_pass(self, key: str) -> None:
        """GIVEN names that merely mention tokens or keys THEN R11 is quiet."""
        static = README_STATIC | {key: "1"}

        assert findings("R11", definition(training=training(static_hyperparameters=static))) == []

    @pytest.mark.parametrize("key", ["hf_token", "db_password", "apiKey", "client_secret"])
    def test_credential_like_static_key_warns_without_value(self, key: str) -> None:
        """GIVEN a static key that names a credential THEN R11 warns and hides the value."""
        static = README_STATIC | {key: "s3cr3t-v4lue"}

        reported = findings("R11", definition(training=training(static_hyperparameters=static)))

        assert reported == [
            f"warning [R11] `training.static_hyperparameters[{key!r}]`: The static "
            f"hyperparameter `{key}` looks like a credential (value hidden); SageMaker shows "
            "it in the console and in Describe responses. Read the secret at run time, from "
            "AWS Secrets Manager for example, instead."
        ]
        assert "s3cr3t" not in reported[0]

    def test_access_key_id_value_in_environment_warns_without_value(self) -> None:
        """GIVEN an environment value holding an access key id THEN R11 warns, value hidden."""
        environment = {"SETTINGS": "id=AKIAIOSFODNN7EXAMPLE"}

        reported = findings("R11", definition(training=training(environment=environment)))

        assert reported == [
            "warning [R11] `training.environment['SETTINGS']`: The value of the environment "
            "variable `SETTINGS` looks like an AWS access key id (value hidden); SageMaker "
            "shows it in the console and in Describe responses. Let the training job use its "
            "execution role instead of access keys."
        ]
        assert "AKIA" not in reported[0]

    def test_secret_environment_key_warns(self) -> None:
        """GIVEN AWS_SECRET_ACCESS_KEY in the environment THEN R11 warns on the key."""
        environment = {"AWS_SECRET_ACCESS_KEY": TOKEN}

        assert [
            f.split(":")[0]
            for f in findings("R11", definition(training=training(environment=environment)))
        ] == ["warning [R11] `training.environment['AWS_SECRET_ACCESS_KEY']`"]


# --------------------------------------------------------------------------- S rules


def hyperband(**changes: Any) -> TuningJobDefinition:
    return definition(strategy=Strategy.HYPERBAND, **changes)


class TestS2HyperbandConfig:
    def test_config_with_hyperband_passes(self) -> None:
        """GIVEN a Hyperband config and strategy WHEN checked THEN S2 is quiet."""
        assert findings("S2", hyperband(hyperband=HyperbandConfig(1, 30))) == []

    def test_config_with_bayesian_fails(self) -> None:
        """GIVEN a Hyperband config with Bayesian search THEN S2 names the strategy."""
        checked = definition(hyperband=HyperbandConfig(1, 30))

        assert findings("S2", checked) == [
            "error [S2] `hyperband`: A Hyperband configuration is sent only with the "
            "Hyperband strategy; got strategy Bayesian. Remove `hyperband`, or set "
            "`strategy` to Hyperband."
        ]


class TestS3HyperbandEarlyStopping:
    def test_early_stopping_off_passes(self) -> None:
        """GIVEN Hyperband with early stopping Off THEN S3 is quiet."""
        assert findings("S3", hyperband()) == []

    def test_early_stopping_auto_fails(self) -> None:
        """GIVEN Hyperband with early stopping Auto THEN S3 asks for Off."""
        assert findings("S3", hyperband(early_stopping=EarlyStopping.AUTO)) == [
            "error [S3] `early_stopping`: Hyperband stops training jobs early by itself, so "
            "`early_stopping` must be Off; got Auto. Set it to Off."
        ]


class TestS4HyperbandResources:
    def test_bounds_in_order_pass(self) -> None:
        """GIVEN min_resource 1 and max_resource 20000 THEN S4 is quiet."""
        assert findings("S4", hyperband(hyperband=HyperbandConfig(1, 20_000))) == []

    def test_epochs_static_stands_in_for_max_resource(self) -> None:
        """GIVEN no max_resource and a static `epochs` THEN S4 is quiet."""
        assert findings("S4", hyperband()) == []

    def test_min_above_max_fails(self) -> None:
        """GIVEN min_resource 50 above max_resource 20 THEN S4 reports min_resource."""
        assert findings("S4", hyperband(hyperband=HyperbandConfig(50, 20))) == [
            "error [S4] `hyperband.min_resource`: `min_resource` must not exceed "
            "`max_resource`; got min_resource=50, max_resource=20. Lower `min_resource` or "
            "raise `max_resource`."
        ]

    def test_max_above_twenty_thousand_fails(self) -> None:
        """GIVEN max_resource 25000 THEN S4 quotes the 20,000 limit."""
        assert findings("S4", hyperband(hyperband=HyperbandConfig(None, 25_000))) == [
            "error [S4] `hyperband.max_resource`: Hyperband allows at most 20,000 for "
            "`max_resource`; got 25,000. Lower it to 20,000 or less."
        ]

    def test_no_max_resource_and_no_epochs_fails(self) -> None:
        """GIVEN neither max_resource nor an epochs static THEN S4 lists the accepted keys."""
        static = {k: v for k, v in README_STATIC.items() if k != "epochs"}
        checked = hyperband(training=training(static_hyperparameters=static))

        assert findings("S4", checked) == [
            "error [S4] `hyperband.max_resource`: Without `max_resource`, Hyperband reads it "
            "from a static hyperparameter named epochs, numepochs, n-epochs, n_epochs, "
            "num_epochs; got none of them. Set `hyperband.max_resource`, or one of those "
            "static hyperparameters."
        ]


def grid(ranges: dict[str, Any], max_jobs: int | None) -> TuningJobDefinition:
    return definition(strategy=Strategy.GRID, ranges=ranges, max_jobs=max_jobs)


GRID_RANGES: dict[str, Any] = {
    "optimizer": CategoricalRange(["sgd", "adam", "nag"]),
    "mini_batch_size": CategoricalRange([64, 128]),
}


class TestS5Grid:
    def test_categorical_grid_with_matching_max_jobs_passes(self) -> None:
        """GIVEN a 3 x 2 grid and max_jobs 6 THEN S5 is quiet."""
        assert findings("S5", grid(GRID_RANGES, 6)) == []

    def test_grid_without_max_jobs_passes(self) -> None:
        """GIVEN a grid and no max_jobs THEN S5 is quiet."""
        assert findings("S5", grid(GRID_RANGES, None)) == []

    def test_numeric_ranges_fail(self) -> None:
        """GIVEN Grid search over the README's continuous ranges THEN S5 reports each range."""
        assert findings("S5", definition(strategy=Strategy.GRID)) == [
            "error [S5] `ranges['learning_rate']`: The Grid strategy searches only Categorical "
            "ranges; got a Continuous range. List the values to try in a CategoricalRange, or "
            "use another strategy.",
            "error [S5] `ranges['momentum']`: The Grid strategy searches only Categorical "
            "ranges; got a Continuous range. List the values to try in a CategoricalRange, or "
            "use another strategy.",
        ]

    def test_max_jobs_other_than_grid_size_fails(self) -> None:
        """GIVEN a 3 x 2 grid and max_jobs 10 THEN S5 shows the product 6."""
        assert findings("S5", grid(GRID_RANGES, 10)) == [
            "error [S5] `max_jobs`: With the Grid strategy, `max_jobs` must equal the number "
            "of grid points, 6 (3 x 2 categorical values); got 10. Set it to 6, or leave it "
            "unset."
        ]

    def test_grid_above_quota_warns(self) -> None:
        """GIVEN a 30 x 30 grid and no max_jobs THEN S5 warns about the 750 quota."""
        ranges = {n: CategoricalRange(range(30)) for n in ("a", "b")}

        assert findings("S5", grid(ranges, None)) == [
            "warning [S5] `ranges`: The grid has 900 points, and each is a training job, "
            "above the quota of 750 training jobs per tuning job; SageMaker rejects it unless "
            "the account's quota was raised. Remove values, or configure the raised quota."
        ]


class TestS6Combinations:
    def test_enough_combinations_pass(self) -> None:
        """GIVEN Integer(1, 5) x 2 values = 10 combinations and max_jobs 10 THEN S6 is quiet."""
        ranges: dict[str, Any] = {
            "depth": IntegerRange(1, 5),
            "opt": CategoricalRange(["sgd", "adam"]),
        }

        assert findings("S6", definition(ranges=ranges, max_jobs=10)) == []

    def test_continuous_range_makes_the_space_infinite(self) -> None:
        """GIVEN a continuous range and max_jobs 500 THEN S6 is quiet."""
        assert findings("S6", definition(max_jobs=500)) == []

    def test_too_few_combinations_fail(self) -> None:
        """GIVEN Integer(1, 3) and max_jobs 10 THEN S6 quotes both numbers."""
        checked = definition(ranges={"depth": IntegerRange(1, 3)}, max_jobs=10)

        assert findings("S6", checked) == [
            "error [S6] `max_jobs`: There are not enough hyperparameter combinations: the "
            "ranges allow 3, and SageMaker needs at least `max_jobs` (10). Widen or add "
            "ranges, or lower `max_jobs` to 3 or less."
        ]


class TestS7Quotas:
    def test_within_quotas_passes(self) -> None:
        """GIVEN 750 jobs, 10 in parallel THEN S7 is quiet."""
        assert findings("S7", definition(max_jobs=750, max_parallel_jobs=10)) == []

    def test_above_default_quotas_warns(self) -> None:
        """GIVEN 800 jobs, 11 in parallel THEN S7 warns twice with the default quotas."""
        assert findings("S7", definition(max_jobs=800, max_parallel_jobs=11)) == [
            "warning [S7] `max_jobs`: `max_jobs` is 800, above the quota of 750 training jobs "
            "per tuning job; SageMaker rejects it unless the account's quota was raised. Lower "
            "it, or configure the raised quota.",
            "warning [S7] `max_parallel_jobs`: `max_parallel_jobs` is 11, above the quota of "
            "10 parallel training jobs per tuning job; SageMaker rejects it unless the "
            "account's quota was raised. Lower it, or configure the raised quota.",
        ]

    def test_raised_quotas_are_honoured(self) -> None:
        """GIVEN raised quotas in the context THEN S7 accepts 800 jobs, 11 in parallel."""
        ctx = RuleContext(max_training_jobs_quota=10_000, max_parallel_jobs_quota=100)

        assert findings("S7", definition(max_jobs=800, max_parallel_jobs=11), ctx) == []


class TestS8ParallelWithinMaxJobs:
    def test_b13_limits_pass(self) -> None:
        """GIVEN B13's 20 jobs, 1 in parallel THEN S8 is quiet."""
        assert findings("S8", definition(max_jobs=20, max_parallel_jobs=1)) == []

    def test_more_parallel_than_jobs_warns(self) -> None:
        """GIVEN 5 jobs, 8 in parallel THEN S8 warns."""
        assert findings("S8", definition(max_jobs=5, max_parallel_jobs=8)) == [
            "warning [S8] `max_parallel_jobs`: `max_parallel_jobs` (8) is above `max_jobs` "
            "(5), so no more than 5 training jobs ever run at once. Lower `max_parallel_jobs` "
            "to 5 or less."
        ]


class TestS13ObjectiveMetric:
    def test_builtin_image_needs_no_metric_definitions(self) -> None:
        """GIVEN a built-in image and no metric definitions THEN S13 is quiet."""
        assert findings("S13", README) == []

    def test_custom_image_with_objective_metric_passes(self) -> None:
        """GIVEN a custom image defining the objective metric THEN S13 is quiet."""
        metrics = (MetricDefinition("validation:accuracy", r"val_acc=([0-9.]+)"),)
        checked = definition(training=training(image_uri=CUSTOM_IMAGE, metric_definitions=metrics))

        assert findings("S13", checked) == []

    def test_algorithm_resource_is_skipped(self) -> None:
        """GIVEN an algorithm resource and no metric definitions THEN S13 is quiet."""
        checked = definition(training=training(image_uri=None, algorithm_name="my-algorithm"))

        assert findings("S13", checked) == []

    def test_custom_image_without_metric_definitions_fails(self) -> None:
        """GIVEN a custom image and no metric definitions THEN S13 quotes the service."""
        checked = definition(training=training(image_uri=CUSTOM_IMAGE))

        assert findings("S13", checked) == [
            "error [S13] `training.metric_definitions`: A custom image needs a metric "
            "definition for the objective 'validation:accuracy', or SageMaker rejects the job "
            "('A metric is required for this hyperparameter tuning job objective.'); got "
            "none, and repository 'my-trainer' is not a SageMaker built-in algorithm. Add a "
            "MetricDefinition named 'validation:accuracy' whose regex finds it in the "
            "training log."
        ]

    def test_objective_not_among_metric_definitions_fails(self) -> None:
        """GIVEN metric definitions without the objective THEN S13 lists their names."""
        metrics = (MetricDefinition("train:loss", "loss=(.*)"), MetricDefinition("val:acc", "a"))
        checked = definition(training=training(image_uri=CUSTOM_IMAGE, metric_definitions=metrics))

        assert findings("S13", checked) == [
            "error [S13] `objective`: The objective metric 'validation:accuracy' is not among "
            "the metric definitions ('train:loss', 'val:acc'); SageMaker reads the objective "
            "from the training log only through a metric definition of that name. Add a metric "
            "definition named 'validation:accuracy', or correct `objective`."
        ]

    def test_token_image_is_skipped_and_recorded(self) -> None:
        """GIVEN an image URI that is a token THEN S13 is quiet and the field is recorded."""
        ctx = RuleContext()

        assert findings("S13", definition(training=training(image_uri=TOKEN)), ctx) == []
        assert ctx.unresolved == ["training.image_uri"]

    def test_token_metric_name_is_skipped_and_recorded(self) -> None:
        """GIVEN a metric definition named by a token THEN S13 waits for deploy."""
        metrics = (MetricDefinition(TOKEN, "acc=(.*)"),)
        ctx = RuleContext()
        checked = definition(training=training(image_uri=CUSTOM_IMAGE, metric_definitions=metrics))

        assert findings("S13", checked, ctx) == []
        assert "training.metric_definitions[0].name" in ctx.unresolved

    @pytest.mark.parametrize(
        ("uri", "builtin"),
        [
            ("683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1", True),
            ("522234722520.dkr.ecr.us-east-1.amazonaws.com/forecasting-deepar@sha256:ab", True),
            ("localhost:5000/kmeans", True),
            ("123456789012.dkr.ecr.us-east-1.amazonaws.com/team/xgboost:1", False),
            ("123456789012.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.1", False),
        ],
    )
    def test_builtin_images_are_recognised_by_repository(self, uri: str, builtin: bool) -> None:
        """GIVEN an image URI THEN its repository path decides whether it is built in."""
        assert is_builtin_algorithm_image(uri) is builtin


# --------------------------------------------------------------------------- T rules


class TestT1ImageOrAlgorithm:
    def test_image_alone_passes(self) -> None:
        """GIVEN only an image THEN T1 is quiet."""
        assert findings("T1", README) == []

    def test_both_fail(self) -> None:
        """GIVEN an image and an algorithm THEN T1 asks for one."""
        checked = definition(training=training(algorithm_name="my-algorithm"))

        assert findings("T1", checked) == [
            "error [T1] `training.algorithm_name`: Give either `image_uri` or "
            "`algorithm_name`, not both; got both. Keep `image_uri` for a container image, or "
            "`algorithm_name` for an algorithm resource."
        ]

    def test_neither_fails(self) -> None:
        """GIVEN neither an image nor an algorithm THEN T1 asks for an image."""
        assert findings("T1", definition(training=training(image_uri=None))) == [
            "error [T1] `training.image_uri`: A training definition needs `image_uri` or "
            "`algorithm_name`; got neither. Set `image_uri` to the training image's registry "
            "path."
        ]


class TestT2SpotTraining:
    def test_spot_waiting_as_long_as_runtime_passes(self) -> None:
        """GIVEN spot training waiting 86,400 s for 86,400 s of runtime THEN T2 is quiet."""
        checked = definition(training=training(use_spot_instances=True, max_wait_seconds=86_400))

        assert findings("T2", checked) == []

    def test_spot_without_max_wait_fails(self) -> None:
        """GIVEN spot training and no max_wait_seconds THEN T2 asks for it."""
        assert findings("T2", definition(training=training(use_spot_instances=True))) == [
            "error [T2] `training.max_wait_seconds`: Managed spot training needs "
            "`max_wait_seconds`; got none. Set it to at least `max_runtime_seconds`."
        ]

    def test_spot_waiting_less_than_runtime_fails(self) -> None:
        """GIVEN spot training waiting 3,600 s for 86,400 s of runtime THEN T2 reports both."""
        checked = definition(training=training(use_spot_instances=True, max_wait_seconds=3600))

        assert findings("T2", checked) == [
            "error [T2] `training.max_wait_seconds`: With managed spot training, "
            "`max_wait_seconds` must be at least `max_runtime_seconds` (86,400); got 3,600. "
            "Raise it to 86,400 or more."
        ]

    def test_max_wait_without_spot_fails(self) -> None:
        """GIVEN max_wait_seconds without spot training THEN T2 reports it."""
        assert findings("T2", definition(training=training(max_wait_seconds=7200))) == [
            "error [T2] `training.max_wait_seconds`: `max_wait_seconds` applies only to "
            "managed spot training; got 7200 with `use_spot_instances` off. Remove it, or "
            "turn `use_spot_instances` on."
        ]


class TestT3PipeOnlySettings:
    def test_gzip_in_pipe_mode_passes(self) -> None:
        """GIVEN a Gzip channel that reads in Pipe mode by itself THEN T3 is quiet."""
        channel = Channel(
            "train",
            "s3://bucket/train",
            compression=CompressionType.GZIP,
            input_mode=InputMode.PIPE,
        )

        assert findings("T3", definition(training=training(inputs=(channel,)))) == []

    def test_pipe_only_settings_in_other_modes_fail(self) -> None:
        """GIVEN Gzip, RecordIO and augmented manifests outside Pipe mode THEN T3 reports each."""
        inputs = (
            Channel("train", "s3://bucket/train", compression=CompressionType.GZIP),
            Channel(
                "validation",
                "s3://bucket/validation",
                record_wrapper=RecordWrapper.RECORD_IO,
                input_mode=InputMode.FAST_FILE,
            ),
            Channel("labels", "s3://bucket/m", s3_data_type=S3DataType.AUGMENTED_MANIFEST_FILE),
        )

        assert findings("T3", definition(training=training(inputs=inputs))) == [
            "error [T3] `training.inputs[0].compression`: Gzip compression works only in Pipe "
            "mode; got it on channel 'train', which reads in File mode. Set `input_mode` to "
            "Pipe on the channel or the training definition, or drop Gzip compression.",
            "error [T3] `training.inputs[1].record_wrapper`: RecordIO works only in Pipe mode; "
            "got it on channel 'validation', which reads in FastFile mode. Set `input_mode` to "
            "Pipe on the channel or the training definition, or drop RecordIO.",
            "error [T3] `training.inputs[2].s3_data_type`: AugmentedManifestFile works only in "
            "Pipe mode; got it on channel 'labels', which reads in File mode. Set `input_mode` "
            "to Pipe on the channel or the training definition, or drop "
            "AugmentedManifestFile.",
        ]


class TestT4ChannelNames:
    def test_distinct_names_pass(self) -> None:
        """GIVEN channels train and validation THEN T4 is quiet."""
        assert findings("T4", README) == []

    def test_repeated_name_fails(self) -> None:
        """GIVEN two channels named train THEN T4 points at the first one."""
        inputs = (*README_TRAINING.inputs, Channel("train", "s3://bucket/more"))

        assert findings("T4", definition(training=training(inputs=inputs))) == [
            "error [T4] `training.inputs[2].name`: Channel names must be unique; got 'train' "
            "again, already used by `training.inputs[0]`. Rename one of the channels."
        ]


def metrics(count: int) -> tuple[MetricDefinition, ...]:
    first = (MetricDefinition("validation:accuracy", "acc=(.*)"),)
    return first + tuple(MetricDefinition(f"m{i}", "x=(.*)") for i in range(count - 1))


class TestT5MetricDefinitionCount:
    def test_twenty_pass(self) -> None:
        """GIVEN 20 metric definitions THEN T5 is quiet."""
        assert findings("T5", definition(training=training(metric_definitions=metrics(20)))) == []

    def test_twenty_one_warn(self) -> None:
        """GIVEN 21 metric definitions THEN T5 warns about the documented 20."""
        assert findings("T5", definition(training=training(metric_definitions=metrics(21)))) == [
            "warning [T5] `training.metric_definitions`: The SageMaker limits page allows 20 "
            "metric definitions per tuning job, while the API model allows 40; got 21. Keep at "
            "most 20 to be safe."
        ]

    def test_above_forty_is_left_to_the_service_model(self) -> None:
        """GIVEN 41 metric definitions THEN F-SIZE reports it, not T5."""
        checked = definition(training=training(metric_definitions=metrics(41)))

        assert findings("T5", checked) == []
        assert [f.rule_id for f in check_definition(checked)] == ["F-SIZE"]


class TestT6VolumeKeyOnLocalStorage:
    def test_key_on_ebs_only_instance_passes(self) -> None:
        """GIVEN a volume KMS key on ml.p3.2xlarge THEN T6 is quiet."""
        checked = definition(training=training(volume_kms_key_id="alias/training"))

        assert findings("T6", checked) == []

    @pytest.mark.parametrize(
        ("instance_type", "family"),
        [("ml.m5d.xlarge", "m5d"), ("ml.g4dn.xlarge", "g4dn"), ("ml.p4de.24xlarge", "p4de")],
    )
    def test_key_on_local_storage_instance_warns(self, instance_type: str, family: str) -> None:
        """GIVEN a volume KMS key on an instance with local storage THEN T6 warns."""
        checked = definition(
            training=training(volume_kms_key_id="alias/training", instance_type=instance_type)
        )

        assert findings("T6", checked) == [
            "warning [T6] `training.volume_kms_key_id`: SageMaker refuses a volume KMS key on "
            f"instance types with local instance storage, and {instance_type} appears to have "
            f"it (family {family}, judged by its name); got a `volume_kms_key_id`. Remove it "
            "(local storage is encrypted by the instance), or use an instance type without "
            "local storage."
        ]


class TestT7TrainingRuntime:
    def test_twenty_eight_days_pass(self) -> None:
        """GIVEN 2,419,200 s of runtime THEN T7 is quiet."""
        checked = definition(training=training(max_runtime_seconds=2_419_200))

        assert findings("T7", checked) == []

    def test_longer_warns(self) -> None:
        """GIVEN 3,000,000 s of runtime THEN T7 warns."""
        checked = definition(training=training(max_runtime_seconds=3_000_000))

        assert findings("T7", checked) == [
            "warning [T7] `training.max_runtime_seconds`: A training job runs for at most 28 "
            "days (2,419,200 seconds) per the SageMaker docs; got 3,000,000. Lower it to "
            "2,419,200 or less."
        ]


class TestT8Tags:
    def test_ordinary_keys_pass(self) -> None:
        """GIVEN tags without the reserved prefix THEN T8 is quiet."""
        assert check_tags({"team": "ml", "cost-center": "42"}) == []

    def test_reserved_prefix_warns_through_check_definition(self) -> None:
        """GIVEN a tag key `AWS:team` THEN check_definition warns with T8."""
        reported = check_definition(README, tags={"AWS:team": "ml"})

        assert [shown(f) for f in reported] == [
            "warning [T8] `tags['AWS:team']`: Tag keys starting with `aws:` are reserved for "
            "AWS; got 'AWS:team'. Rename the key."
        ]


# --------------------------------------------------------------------------- W rules


class TestW1ParentCount:
    def test_one_parent_passes(self) -> None:
        """GIVEN one parent THEN W1 is quiet."""
        assert warm_findings("W1", warm(README), [parent()]) == []

    def test_no_parent_fails(self) -> None:
        """GIVEN no parent THEN W1 reports none."""
        assert warm_findings("W1", warm(README), []) == [
            "error [W1] `warm_start.parents`: A warm-start job takes 1 to 5 parents; got none. "
            "List a parent, or remove `warm_start`."
        ]


class TestB03ParentList:
    def test_six_parents_with_duplicates_fail(self) -> None:
        """GIVEN B03's six parents, one repeated in another case THEN W1 and W3 report them."""
        names = ["churn-base-1", "churn-bse-0", "p3", "CHURN-BASE-1", "p5", "p6"]
        parents = [parent(None, name=n, label=n) for n in names]

        reported = [shown(f) for f in check_warm_start(warm(README, *names), parents)]

        assert reported == [
            "error [W1] `warm_start.parents`: A warm-start job takes 1 to 5 parents; got 6. "
            "Keep the 5 most relevant ones.",
            "error [W3] `warm_start.parents[3]`: Parent 'CHURN-BASE-1' is listed twice: "
            "`warm_start.parents[0]` names the same job (SageMaker compares job names "
            "case-insensitively). Remove one of them.",
        ]


class TestW3ParentNames:
    def test_valid_names_pass(self) -> None:
        """GIVEN a 32-character valid name THEN W3 is quiet."""
        assert warm_findings("W3", warm(README), [parent(None, name="a" * 32)]) == []

    def test_b09_underscored_long_name_fails(self) -> None:
        """GIVEN B09's `churn_model_warmstart_transfer_v2` THEN W3 gives both reasons."""
        name = "churn_model_warmstart_transfer_v2"

        assert warm_findings("W3", warm(README), [parent(None, name=name)]) == [
            "error [W3] `warm_start.parents[0]`: Parent 'churn_model_warmstart_transfer_v2' is "
            "not a valid tuning-job name: it has 33 characters; it contains '_'. A name has 1 "
            "to 32 letters, digits and hyphens, with no hyphen at either end; use the parent "
            "job's exact name."
        ]

    def test_token_name_is_skipped_and_recorded(self) -> None:
        """GIVEN a parent name that is a token THEN W3 skips it and records the field."""
        ctx = RuleContext()

        assert warm_findings("W3", warm(README), [parent(None, name=TOKEN)], ctx) == []
        assert ctx.unresolved == ["warm_start.parents[0]"]


class TestW4ParentStatus:
    @pytest.mark.parametrize("status", ["Completed", "Stopped", "Failed"])
    def test_terminal_parent_passes(self, status: str) -> None:
        """GIVEN a terminal parent THEN W4 is quiet."""
        assert warm_findings("W4", warm(README), [parent(status=status)]) == []

    def test_running_parent_fails(self) -> None:
        """GIVEN a parent InProgress THEN W4 names it and its status."""
        assert warm_findings("W4", warm(README), [parent(status="InProgress")]) == [
            "error [W4] `warm_start.parents[0]`: Warm start needs a terminal parent "
            "(Completed, Stopped or Failed); parent 'Stack/Base' is InProgress. Wait for it to "
            "finish, or stop it, then deploy again."
        ]


class TestW5ParentAge:
    def test_parent_from_october_2018_passes(self) -> None:
        """GIVEN a parent created at 2018-10-01 00:00 UTC THEN W5 is quiet."""
        created = datetime(2018, 10, 1, tzinfo=UTC)

        assert warm_findings("W5", warm(README), [parent(creation_time=created)]) == []

    def test_older_parent_fails(self) -> None:
        """GIVEN a parent created on 2018-09-30 (naive, read as UTC) THEN W5 reports it."""
        created = datetime(2018, 9, 30, 23, 59)

        assert warm_findings("W5", warm(README), [parent(creation_time=created)]) == [
            "error [W5] `warm_start.parents[0]`: SageMaker cannot warm start from tuning jobs "
            "created before 2018-10-01; parent 'Stack/Base' was created on 2018-09-30. Use a "
            "newer parent."
        ]


class TestW6Objective:
    def test_same_objective_passes(self) -> None:
        """GIVEN the parent's objective THEN W6 is quiet."""
        assert warm_findings("W6", warm(README), [parent()]) == []

    def test_missing_objective_fails(self) -> None:
        """GIVEN no objective where the parent had one THEN W6 says so."""
        child = warm(definition(objective=None))

        assert warm_findings("W6", child, [parent()]) == [
            "error [W6] `objective`: Warm start keeps the parent's objective; parent "
            "'Stack/Base' has Maximize 'validation:accuracy', this job has no objective. Use "
            "the parent's objective metric and type."
        ]

    def test_other_type_fails(self) -> None:
        """GIVEN Minimize where the parent maximized THEN W6 shows both objectives."""
        child = warm(definition(objective=Objective.minimize("validation:accuracy")))

        assert warm_findings("W6", child, [parent()]) == [
            "error [W6] `objective`: Warm start keeps the parent's objective; parent "
            "'Stack/Base' has Maximize 'validation:accuracy', this job has Minimize "
            "'validation:accuracy'. Use the parent's objective metric and type."
        ]


DEEPAR_IMAGE = "522234722520.dkr.ecr.us-east-1.amazonaws.com/forecasting-deepar:1"


def deepar_describe() -> dict[str, Any]:
    """B01's parent as DescribeHyperParameterTuningJob returns it."""
    return {
        "HyperParameterTuningJobName": "deepar-base",
        "HyperParameterTuningJobArn": (
            "arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/deepar-base"
        ),
        "HyperParameterTuningJobStatus": "Completed",
        "CreationTime": datetime(2019, 8, 1, tzinfo=UTC),
        "HyperParameterTuningJobConfig": {
            "Strategy": "Bayesian",
            "HyperParameterTuningJobObjective": {"Type": "Minimize", "MetricName": "test:RMSE"},
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 10, "MaxParallelTrainingJobs": 2},
            "ParameterRanges": {
                "IntegerParameterRanges": [
                    {"Name": "epochs", "MinValue": "10", "MaxValue": "20", "ScalingType": "Auto"}
                ]
            },
            "TrainingJobEarlyStoppingType": "Off",
        },
        "TrainingJobDefinition": {
            "StaticHyperParameters": {
                "context_length": "30",
                "num_layers": "2",
                "_tuning_objective_metric": "test:RMSE",
            },
            "AlgorithmSpecification": {
                "TrainingImage": DEEPAR_IMAGE,
                "TrainingInputMode": "File",
                "MetricDefinitions": [{"Name": "test:RMSE", "Regex": "#test_score.*RMSE.*"}],
            },
            "RoleArn": ROLE,
            "InputDataConfig": [
                {
                    "ChannelName": "train",
                    "DataSource": {
                        "S3DataSource": {
                            "S3DataType": "S3Prefix",
                            "S3Uri": "s3://bucket/deepar/train",
                            "S3DataDistributionType": "FullyReplicated",
                        }
                    },
                    "CompressionType": "None",
                    "RecordWrapperType": "None",
                }
            ],
            "OutputDataConfig": {"S3OutputPath": "s3://bucket/output"},
            "ResourceConfig": {
                "InstanceType": "ml.c5.2xlarge",
                "InstanceCount": 1,
                "VolumeSizeInGB": 30,
            },
            "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
        },
        "TrainingJobStatusCounters": {"Completed": 10, "InProgress": 0, "Stopped": 0},
        "ObjectiveStatusCounters": {"Succeeded": 10, "Pending": 0, "Failed": 0},
    }


DEEPAR_CHILD = TuningJobDefinition(
    training=TrainingDefinition(
        role=ROLE,
        output_path="s3://bucket/output",
        inputs=(Channel("train", "s3://bucket/deepar/train"),),
        image_uri=DEEPAR_IMAGE,
        instance_type="ml.c5.2xlarge",
        static_hyperparameters={"context_length": "30", "num_layers": "2"},
    ),
    objective=Objective.minimize("test:RMSE"),
    ranges={"epochs": IntegerRange(10, 40)},
    max_jobs=10,
    max_parallel_jobs=2,
    warm_start=WarmStartConfig(WarmStartType.IDENTICAL_DATA_AND_ALGORITHM, ["deepar-base"]),
)


class TestB01HyperparameterNames:
    def test_described_parent_with_service_key_matches(self) -> None:
        """GIVEN B01's described DeepAR parent WHEN epochs widen THEN nothing is found."""
        described = TuningJobDefinition.from_api(deepar_describe())
        parents = [parent(described, name="deepar-base", label="deepar-base", status="Completed")]

        assert check_warm_start(DEEPAR_CHILD, parents) == []
        assert check_definition(DEEPAR_CHILD) == []

    def test_parent_keeping_the_service_key_matches(self) -> None:
        """GIVEN a parent whose static map still holds the service key THEN W7 ignores it."""
        keep = replace(
            DEEPAR_CHILD.training,
            static_hyperparameters={
                "context_length": "30",
                "num_layers": "2",
                "_tuning_objective_metric": "test:RMSE",
            },
        )
        raw_parent = replace(DEEPAR_CHILD, training=keep, ranges={"epochs": IntegerRange(10, 20)})

        assert warm_findings("W7", DEEPAR_CHILD, [parent(raw_parent)]) == []


class TestW7HyperparameterNames:
    def test_moving_a_name_from_static_to_tunable_passes(self) -> None:
        """GIVEN epochs static in the parent and tunable here THEN W7 is quiet."""
        static = {k: v for k, v in README_STATIC.items() if k != "epochs"}
        child = warm(
            definition(
                training=training(static_hyperparameters=static),
                ranges=dict(README.ranges) | {"epochs": IntegerRange(10, 40)},
            )
        )

        assert warm_findings("W7", child, [parent()]) == []

    def test_missing_and_extra_names_fail(self) -> None:
        """GIVEN a dropped `top_k` and a new `beta1` THEN W7 lists both."""
        static = {k: v for k, v in README_STATIC.items() if k != "top_k"} | {"beta1": 0.9}
        child = warm(definition(training=training(static_hyperparameters=static)))

        assert warm_findings("W7", child, [parent()]) == [
            "error [W7] `warm_start.parents[0]`: The set of static plus tunable hyperparameter "
            "names must equal that of parent 'Stack/Base'; missing here: top_k; not in the "
            "parent: beta1. Moving a name between static and tunable is allowed, adding or "
            "removing one is not."
        ]


B02_PARENT = definition(
    training=training(static_hyperparameters={"a": "1", "b": "1", "c": "1", "d": "1"}),
    ranges={
        "lr": ContinuousRange(1e-4, 1e-2),
        "opt": CategoricalRange(["sgd", "adam", "rmsprop", "adagrad"]),
    },
)
B02_CHILD = warm(
    definition(
        training=training(
            static_hyperparameters={"opt": "adam", "a": "2", "b": "2", "c": "2", "d": "2"}
        ),
        ranges={"lr": CategoricalRange(["0.001", "0.01"])},
    )
)


class TestB02TypeAndChanges:
    def test_type_change_and_twelve_changes_fail(self) -> None:
        """GIVEN B02's child THEN W8 names the type change and W9 lists the 12 changes."""
        reported = [shown(f) for f in check_warm_start(B02_CHILD, [parent(B02_PARENT)])]

        assert reported == [
            "error [W8] `ranges['lr']`: Warm start keeps each tunable hyperparameter's type; "
            "`lr` is a Continuous range in parent 'Stack/Base' and a Categorical range here. "
            "Use a Continuous range, or make `lr` static.",
            "error [W9] `warm_start.parents[0]`: Warm start allows at most 10 changes from a "
            "parent; got 12 from parent 'Stack/Base': `opt` tunable to static (4, one per "
            "value), `a` static value changed (2), `b` static value changed (2), `c` static "
            "value changed (2), `d` static value changed (2). Keep more hyperparameters as "
            "they were in the parent.",
        ]


class TestW8RangeTypes:
    def test_scaling_change_passes(self) -> None:
        """GIVEN a new scaling type for a continuous range THEN W8 is quiet."""
        ranges = dict(README.ranges) | {
            "learning_rate": ContinuousRange(1e-4, 0.1, ScalingType.LOGARITHMIC)
        }

        assert warm_findings("W8", warm(definition(ranges=ranges)), [parent()]) == []


class TestW9ChangeCount:
    def test_ten_changes_pass(self) -> None:
        """GIVEN opt made static (4) and three static edits (6) THEN W9 allows the 10."""
        child = replace(
            B02_CHILD,
            training=training(
                static_hyperparameters={"opt": "adam", "a": "2", "b": "2", "c": "2", "d": "1"}
            ),
        )

        assert warm_findings("W9", child, [parent(B02_PARENT)]) == []

    def test_numbers_compare_by_value(self) -> None:
        """GIVEN static 1e-3 in the parent and 0.001 here THEN W9 counts no change."""
        before = definition(training=training(static_hyperparameters={"wd": "1e-3"}))
        child = warm(definition(training=training(static_hyperparameters={"wd": 0.001})))

        assert warm_findings("W9", child, [parent(before)]) == []


class TestW10NotRecursive:
    def test_parent_without_warm_start_passes(self) -> None:
        """GIVEN a parent that is not itself warm-started THEN W10 is quiet."""
        assert warm_findings("W10", warm(README), [parent()]) == []

    def test_warm_started_parent_warns(self) -> None:
        """GIVEN j3 <- j2 <- j1 THEN W10 says j1 is not used."""
        j2 = warm(README, "j1")

        assert warm_findings("W10", warm(README, "j2"), [parent(j2, name="j2", label="j2")]) == [
            "warning [W10] `warm_start.parents[0]`: Parent 'j2' is itself a warm-start job, "
            "and warm start is not recursive: its own parents (j1) are not used. List them "
            "here directly if their results should count (at most 5 parents)."
        ]

    def test_grandparent_listed_too_passes(self) -> None:
        """GIVEN j3 <- (j2, J1) and j2 <- j1 THEN j1 is used, so W10 is quiet (names are
        compared as SageMaker does, ignoring case)."""
        j2 = warm(README, "j1")
        parents = [parent(j2, name="j2", label="j2"), parent(name="J1", label="j1")]

        assert warm_findings("W10", warm(README, "j2", "J1"), parents) == []

    def test_only_the_grandparents_not_listed_are_named(self) -> None:
        """GIVEN j2 <- (j0, j1) and a child of j2 and j1 THEN W10 names j0 alone."""
        j2 = warm(README, "j0", "j1")
        parents = [parent(j2, name="j2", label="j2"), parent(name="j1", label="j1")]

        assert [f.split(":", 1)[1] for f in warm_findings("W10", warm(README), parents)] == [
            " Parent 'j2' is itself a warm-start job, and warm start is not recursive: its own "
            "parents (j0) are not used. List them here directly if their results should count "
            "(at most 5 parents)."
        ]


class TestB05TrainingJobBudget:
    def deployed(self) -> list[ParentJob]:
        return [
            parent(name="p1", label="p1", training_jobs_launched=320),
            parent(name="p2", label="p2", training_jobs_launched=260),
        ]

    def test_launched_jobs_above_configured_quota_fail(self) -> None:
        """GIVEN 320 + 260 launched, 100 asked, and a quota of 500 THEN W11 fails at deploy."""
        ctx = RuleContext(max_training_jobs_quota=500)
        child = warm(definition(max_jobs=100), "p1", "p2")

        assert warm_findings("W11", child, self.deployed(), ctx) == [
            "error [W11] `max_jobs`: Warm start counts the parents' training jobs against the "
            "quota of 500 training jobs per tuning job: the parents launched 320 + 260 and "
            "this job asks for up to 100, 680 in total. Use fewer parents; theirs alone reach "
            "580."
        ]

    def test_same_jobs_within_default_quota_pass(self) -> None:
        """GIVEN the same 680 jobs and the default quota of 750 THEN W11 is quiet."""
        child = warm(definition(max_jobs=100), "p1", "p2")

        assert warm_findings("W11", child, self.deployed()) == []

    def test_upper_bound_at_synth_warns(self) -> None:
        """GIVEN in-app parents allowed 400 + 300 jobs and 100 here THEN W11 warns at synth."""
        parents = [
            parent(definition(max_jobs=400), name="p1", label="p1"),
            parent(definition(max_jobs=300), name="p2", label="p2"),
        ]

        assert warm_findings("W11", warm(definition(max_jobs=100)), parents) == [
            "warning [W11] `max_jobs`: Warm start counts the parents' training jobs against "
            "the quota of 750 training jobs per tuning job: the parents may launch up to "
            "400 + 300 and this job up to 100, 800 in total, so SageMaker may reject it at "
            "deploy (an upper bound from the parents' `max_jobs`). Lower `max_jobs` to 50 or "
            "less, or use fewer parents."
        ]


class TestW12IdenticalDataAndAlgorithm:
    def test_transfer_learning_may_change_data_and_image(self) -> None:
        """GIVEN TransferLearning with new data and image THEN W12 is quiet."""
        changed = training(inputs=(Channel("train", "s3://bucket/new"),), image_uri=CUSTOM_IMAGE)
        child = warm(definition(training=changed), kind=WarmStartType.TRANSFER_LEARNING)

        assert warm_findings("W12", child, [parent()]) == []

    def test_described_defaults_and_algorithm_arn_match(self) -> None:
        """GIVEN explicit defaults and an algorithm ARN in the parent THEN W12 is quiet."""
        mine = training(image_uri=None, algorithm_name="my-algorithm")
        theirs = training(
            image_uri=None,
            algorithm_name="arn:aws:sagemaker:us-east-1:123456789012:algorithm/my-algorithm",
            inputs=(
                Channel("train", "s3://bucket/train", compression=CompressionType.NONE),
                Channel("validation", "s3://bucket/validation", input_mode=InputMode.FILE),
            ),
        )

        assert (
            warm_findings(
                "W12", warm(definition(training=mine)), [parent(definition(training=theirs))]
            )
            == []
        )

    def test_changed_channels_fail(self) -> None:
        """GIVEN a moved train channel, a new one and a dropped one THEN W12 names each."""
        inputs = (
            Channel("train", "s3://bucket/train-v2", content_type="text/csv"),
            Channel("test", "s3://bucket/test"),
        )
        child = warm(definition(training=training(inputs=inputs)))

        assert warm_findings("W12", child, [parent()]) == [
            "error [W12] `training.inputs[0]`: IdenticalDataAndAlgorithm needs the parent's "
            "input data; channel 'train' differs from parent 'Stack/Base' in s3_uri "
            "('s3://bucket/train-v2' here, 's3://bucket/train' in the parent), content_type "
            "('text/csv' here, '' in the parent). Use the parent's data, or use "
            "TransferLearning to change it.",
            "error [W12] `training.inputs[1]`: IdenticalDataAndAlgorithm needs the parent's "
            "input channels; channel 'test' is not in parent 'Stack/Base'. Remove it, or use "
            "TransferLearning to change the data.",
            "error [W12] `training.inputs`: IdenticalDataAndAlgorithm needs the parent's input "
            "channels; channel 'validation' of parent 'Stack/Base' is missing here. Add it "
            "back, or use TransferLearning to change the data.",
        ]

    def test_other_repository_fails(self) -> None:
        """GIVEN a different image repository THEN W12 fails."""
        child = warm(definition(training=training(image_uri=CUSTOM_IMAGE)))

        assert warm_findings("W12", child, [parent()]) == [
            "error [W12] `training.image_uri`: IdenticalDataAndAlgorithm needs the parent's "
            f"algorithm; parent 'Stack/Base' uses image {IC_IMAGE!r}, this job uses image "
            f"{CUSTOM_IMAGE!r}. Use the parent's image, or use TransferLearning."
        ]

    def test_new_tag_of_the_same_repository_warns(self) -> None:
        """GIVEN the same repository with another tag THEN W12 warns."""
        newer = IC_IMAGE.replace(":1", ":latest")
        child = warm(definition(training=training(image_uri=newer)))

        assert warm_findings("W12", child, [parent()]) == [
            "warning [W12] `training.image_uri`: IdenticalDataAndAlgorithm allows a new image "
            f"version only if the algorithm itself is unchanged; parent 'Stack/Base' uses "
            f"{IC_IMAGE!r}, this job uses {newer!r}. Keep the parent's image unless only "
            "logging or data-format support changed."
        ]

    def test_other_algorithm_fails(self) -> None:
        """GIVEN another algorithm resource than the parent's THEN W12 fails."""
        child = warm(definition(training=training(image_uri=None, algorithm_name="algo-b")))
        before = definition(training=training(image_uri=None, algorithm_name="algo-a"))

        assert warm_findings("W12", child, [parent(before)]) == [
            "error [W12] `training.algorithm_name`: IdenticalDataAndAlgorithm needs the "
            "parent's algorithm; parent 'Stack/Base' uses algorithm 'algo-a', this job uses "
            "algorithm 'algo-b'. Use the parent's algorithm, or use TransferLearning."
        ]

    def test_algorithm_instead_of_the_parents_image_fails(self) -> None:
        """GIVEN an algorithm where the parent used an image THEN W12 asks for the image."""
        child = warm(definition(training=training(image_uri=None, algorithm_name="algo-b")))

        assert warm_findings("W12", child, [parent(label="Stack/{Base}")]) == [
            "error [W12] `training.algorithm_name`: IdenticalDataAndAlgorithm needs the "
            f"parent's algorithm; parent 'Stack/{{Base}}' uses image {IC_IMAGE!r}, this job "
            "uses algorithm 'algo-b'. Use the parent's image, or use TransferLearning."
        ]

    def test_new_parallelism_warns(self) -> None:
        """GIVEN 4 parallel jobs where the parent ran 2 THEN W12 warns (unconfirmed)."""
        child = warm(definition(max_parallel_jobs=4))

        assert warm_findings("W12", child, [parent()]) == [
            "warning [W12] `max_parallel_jobs`: Whether IdenticalDataAndAlgorithm allows a new "
            "`max_parallel_jobs` is unconfirmed (TransferLearning does); parent 'Stack/Base' "
            "has 2, this job has 4. Use the parent's value to be safe."
        ]


class TestW14FixedFields:
    def test_same_settings_pass(self) -> None:
        """GIVEN the parent's environment and flags THEN W14 is quiet."""
        same = training(environment={"MODE": "fast"}, retry_attempts=2)
        child = warm(definition(training=same))

        assert warm_findings("W14", child, [parent(definition(training=same))]) == []

    def test_environment_keys_differ_without_values(self) -> None:
        """GIVEN other environment keys than the parent's THEN W14 shows keys, not values."""
        before = definition(training=training(environment={"MODE": "fast", "SEED": "7"}))
        child = warm(definition(training=training(environment={"MODE": "slow-secret"})))

        reported = warm_findings("W14", child, [parent(before)])

        assert reported == [
            "error [W14] `training.environment`: SageMaker rejects a warm-start job whose "
            "`environment` differs from its parent's; parent 'Stack/Base' has keys MODE, SEED, "
            "this job has keys MODE (values hidden). Use the parent's environment."
        ]

    def test_environment_values_differ_without_values(self) -> None:
        """GIVEN the same keys with another value THEN W14 names the key and hides values."""
        before = definition(training=training(environment={"MODE": "fast"}))
        child = warm(definition(training=training(environment={"MODE": "slow-secret"})))

        reported = warm_findings("W14", child, [parent(before)])

        assert reported == [
            "error [W14] `training.environment`: SageMaker rejects a warm-start job whose "
            "`environment` differs from its parent's; the values of MODE differ from parent "
            "'Stack/Base' (values hidden). Use the parent's environment."
        ]
        assert "secret" not in reported[0]

    def test_flags_and_retries_differ(self) -> None:
        """GIVEN network isolation and retries the parent did not have THEN W14 shows both."""
        child = warm(
            definition(training=training(enable_network_isolation=True, retry_attempts=3))
        )

        assert warm_findings("W14", child, [parent()]) == [
            "error [W14] `training.enable_network_isolation`: SageMaker rejects a warm-start "
            "job whose `enable_network_isolation` differs from its parent's; parent "
            "'Stack/Base' has false, this job has true. Use the parent's value.",
            "error [W14] `training.retry_attempts`: SageMaker rejects a warm-start job whose "
            "`retry_attempts` differs from its parent's; parent 'Stack/Base' has none, this "
            "job has 3. Use the parent's value.",
        ]


class TestW16Strategy:
    def test_parents_bayesian_strategy_passes(self) -> None:
        """GIVEN Bayesian search like the parent THEN W16 is quiet."""
        assert warm_findings("W16", warm(README), [parent()]) == []

    def test_hyperband_child_of_bayesian_parent_warns_twice(self) -> None:
        """GIVEN a Hyperband child of a Bayesian parent THEN W16 warns on both counts."""
        child = warm(definition(strategy=Strategy.HYPERBAND))

        assert warm_findings("W16", child, [parent()]) == [
            "warning [W16] `strategy`: The SageMaker docs describe warm start only for the "
            "Bayesian and Random strategies; got Hyperband, which SageMaker may reject. Use "
            "Bayesian or Random.",
            "warning [W16] `strategy`: Whether warm start accepts a change of strategy is "
            "unconfirmed; parent 'Stack/Base' used Bayesian, this job uses Hyperband. Use the "
            "parent's strategy to be safe.",
        ]


class TestWarmStartEntryPoint:
    def test_definition_without_warm_start_has_no_warm_start_findings(self) -> None:
        """GIVEN no warm_start WHEN warm-start checked THEN nothing is found, parents or not."""
        assert check_warm_start(README, [parent(B02_PARENT)]) == []

    def test_parent_with_broken_containers_gets_name_checks_only(self) -> None:
        """GIVEN a parent whose ranges are a list THEN only its name is checked."""
        broken = definition(ranges=[ContinuousRange(0, 1)])

        assert check_warm_start(warm(B02_CHILD), [parent(broken, name="bad_name")]) == [
            Finding(
                "W3",
                Severity.ERROR,
                "warm_start.parents[0]",
                "Parent 'bad_name' is not a valid tuning-job name: it contains '_'. A name has "
                "1 to 32 letters, digits and hyphens, with no hyphen at either end; use the "
                "parent job's exact name.",
            )
        ]


class TestParentTokens:
    def test_parent_token_values_are_skipped_and_recorded(self) -> None:
        """GIVEN a parent whose S3 URI and environment value are tokens THEN nothing differs."""
        tokened = training(
            inputs=(Channel("train", TOKEN), Channel("validation", "s3://bucket/validation")),
            environment={"MODE": TOKEN},
        )
        child = warm(definition(training=training(environment={"MODE": "fast"})))
        ctx = RuleContext()

        assert check_warm_start(child, [parent(definition(training=tokened))], ctx) == []
        assert ctx.unresolved == [
            "warm_start.parents[0].training.inputs[0].s3_uri",
            "warm_start.parents[0].training.environment['MODE']",
        ]


class TestNameOnlyParents:
    def test_imported_parent_gets_only_name_checks(self) -> None:
        """GIVEN a parent imported by name WHEN the child differs widely THEN nothing is found."""
        child = warm(B02_CHILD, "imported-parent")

        assert check_warm_start(child, [parent(None, name="imported-parent")]) == []
