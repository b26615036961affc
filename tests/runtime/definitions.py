"""Definitions of the seed scenario, built from the model's value objects.

A parent tuning job for the built-in image classification algorithm, and children that
warm-start from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from constructs_pkg.core.model import (
    Channel,
    ContinuousRange,
    MetricDefinition,
    Objective,
    TrainingDefinition,
    TuningJobDefinition,
    WarmStartConfig,
    WarmStartType,
)

ROLE_ARN = "arn:aws:iam::123456789012:role/SageMakerTrainingRole"
IMAGE_URI = "811284229777.dkr.ecr.us-east-1.amazonaws.com/image-classification:1"
BUCKET = "s3://example-ml-data"

STATIC = {
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


def training(**overrides: object) -> TrainingDefinition:
    base = TrainingDefinition(
        role=ROLE_ARN,
        output_path=f"{BUCKET}/output",
        inputs=(
            Channel("train", f"{BUCKET}/caltech-256/train/"),
            Channel("validation", f"{BUCKET}/caltech-256/validation/"),
        ),
        image_uri=IMAGE_URI,
        instance_type="ml.p3.2xlarge",
        volume_size_gb=50,
        max_runtime_seconds=36_000,
        static_hyperparameters=STATIC,
        metric_definitions=(
            MetricDefinition("validation:accuracy", r"validation accuracy=([0-9\.]+)"),
        ),
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def parent_definition(**overrides: object) -> TuningJobDefinition:
    base = TuningJobDefinition(
        training=training(),
        objective=Objective.maximize("validation:accuracy"),
        ranges={
            "learning_rate": ContinuousRange(0.0, 0.1),
            "momentum": ContinuousRange(0.0, 0.99),
        },
        max_jobs=10,
        max_parallel_jobs=2,
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def child_definition(
    parents: Sequence[str],
    warm_start_type: WarmStartType = WarmStartType.IDENTICAL_DATA_AND_ALGORITHM,
    **overrides: object,
) -> TuningJobDefinition:
    """A child with more training jobs and narrower ranges than the parent."""
    settings: dict[str, object] = {
        "ranges": {
            "learning_rate": ContinuousRange(0.001, 0.05),
            "momentum": ContinuousRange(0.5, 0.99),
        },
        "max_jobs": 20,
        "warm_start": WarmStartConfig(warm_start_type, parents),
    }
    return parent_definition(**(settings | overrides))
