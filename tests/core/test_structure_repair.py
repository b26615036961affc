"""A container of the wrong type is reported, and every other problem is still found."""

from __future__ import annotations

import math
from dataclasses import replace

from constructs_pkg.core.model import (
    Channel,
    ContinuousRange,
    Objective,
    TrainingDefinition,
    TuningJobDefinition,
)
from constructs_pkg.core.rules import check_definition

TRAINING = TrainingDefinition(
    role="arn:aws:iam::123456789012:role/SageMakerRole",
    output_path="s3://bucket/output",
    inputs=(Channel("train", "s3://bucket/train"),),
    image_uri="811284229777.dkr.ecr.us-east-1.amazonaws.com/image-classification:1",
    instance_type="ml.p3.2xlarge",
    static_hyperparameters={"epochs": 30},
)
DEFINITION = TuningJobDefinition(
    training=TRAINING,
    objective=Objective.maximize("validation:accuracy"),
    ranges={"learning_rate": ContinuousRange(0.0, 0.1)},
    max_jobs=10,
    max_parallel_jobs=2,
)


def shown(definition: TuningJobDefinition) -> list[str]:
    return [f.format() for f in check_definition(definition)]


def test_a_bad_entry_does_not_hide_a_bad_budget() -> None:
    bad = replace(
        DEFINITION,
        max_jobs=0,
        training=replace(TRAINING, static_hyperparameters={"x": None}),  # type: ignore[dict-item]
    )
    assert shown(bad) == [
        "[F-TYPE] `training.static_hyperparameters['x']`: must be a str or int or float or "
        "bool; got a NoneType",
        "[F-RANGE] `max_jobs`: must be at least 1; got 0",
    ]


def test_missing_containers_and_missing_scalars_are_all_reported() -> None:
    bad = replace(
        DEFINITION,
        training=replace(
            TRAINING,
            role=None,  # type: ignore[arg-type]
            output_path=None,  # type: ignore[arg-type]
            inputs=None,  # type: ignore[arg-type]
            static_hyperparameters=None,  # type: ignore[arg-type]
        ),
    )
    assert shown(bad) == [
        "[F-TYPE] `training.static_hyperparameters`: must be a mapping; got a NoneType",
        "[F-TYPE] `training.inputs`: must be a list; got a NoneType",
        "[F-REQUIRED] `training.role`: is required",
        "[F-REQUIRED] `training.output_path`: is required",
    ]


def test_a_bad_range_key_does_not_hide_bad_bounds() -> None:
    bad = replace(
        DEFINITION,
        ranges={1: ContinuousRange(0, 1), "e": ContinuousRange(math.nan, 1.0)},  # type: ignore[dict-item]
    )
    assert shown(bad) == [
        "[F-TYPE] `ranges[1]`: must be keyed by a string name; got a int",
        "[R5] `ranges['e'].min`: A Continuous range needs finite numeric bounds; got min=nan. "
        "Use a number such as 0.01.",
    ]


def test_a_definition_without_training_reports_only_that() -> None:
    bad = replace(DEFINITION, training="image", max_jobs=0)  # type: ignore[arg-type]
    assert shown(bad) == ["[F-TYPE] `training`: must be a TrainingDefinition; got a str"]
