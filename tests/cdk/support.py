"""Builders shared by the construct tests: the example app and small valid jobs."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import aws_cdk as cdk

from constructs_pkg import (
    Channel,
    ContinuousRange,
    Objective,
    TrainingDefinition,
    TuningJob,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
ROLE_ARN = "arn:aws:iam::123456789012:role/sagemaker-training"
IMAGE = "811284229777.dkr.ecr.us-east-1.amazonaws.com/image-classification:1"
ENV = cdk.Environment(account="123456789012", region="us-east-1")


def load_example_app() -> ModuleType:
    """``app.py`` as a module, without running its ``main``."""
    spec = importlib.util.spec_from_file_location("example_app", REPO_ROOT / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def new_stack(name: str = "Jobs") -> cdk.Stack:
    return cdk.Stack(cdk.App(), name, env=ENV)


def training(**changes: Any) -> TrainingDefinition:
    base = TrainingDefinition(
        image_uri=IMAGE,
        role=ROLE_ARN,
        inputs=[Channel("train", "s3://data/train/"), Channel("validation", "s3://data/val/")],
        output_path="s3://artifacts/tuning",
        instance_type="ml.p3.2xlarge",
        static_hyperparameters={"num_layers": 18, "epochs": 30, "num_classes": 257},
    )
    return base.replace(**changes)


def job(stack: cdk.Stack, construct_id: str = "Job", **changes: Any) -> TuningJob:
    props: dict[str, Any] = {
        "training": training(),
        "objective": Objective.maximize("validation:accuracy"),
        "ranges": {
            "learning_rate": ContinuousRange(0.0, 0.1),
            "momentum": ContinuousRange(0.0, 0.99),
        },
        "max_jobs": 10,
        "max_parallel_jobs": 2,
    }
    props.update(changes)
    return TuningJob(stack, construct_id, **props)


def synth_errors(stack: cdk.Stack) -> list[str]:
    """The validation errors that make synth fail, one per line; [] when synth succeeds."""
    try:
        cdk.App.of(stack).synth()  # type: ignore[union-attr]
    except RuntimeError as exc:
        text = str(exc)
        assert "Validation failed with the following errors" in text, text
        return [line.strip() for line in text.splitlines()[1:] if line.strip()]
    return []


def warnings_of(stack: cdk.Stack) -> list[tuple[str, str]]:
    """(construct path, message) of every warning, the ack suffix removed."""
    assembly = cdk.App.of(stack).synth()  # type: ignore[union-attr]
    found = []
    for message in assembly.get_stack_by_name(stack.stack_name).messages:
        if message.level.name == "WARNING" or str(message.level).endswith("WARNING"):
            text = re.sub(r" \[ack: [^\]]+\]$", "", str(message.entry.data))
            found.append((message.id, text))
    return found
