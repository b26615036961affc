"""AWS CDK constructs for Amazon SageMaker hyperparameter tuning jobs, warm start above all.

The public names are loaded on first use, so ``constructs_pkg.core`` (the model and rules)
and ``constructs_pkg.runtime`` (the Lambda handlers) import without ``aws_cdk``; the
custom-resource Lambda ships those two packages and nothing else.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    # the definition model
    "CategoricalRange": "constructs_pkg.core.model",
    "Channel": "constructs_pkg.core.model",
    "CompletionCriteria": "constructs_pkg.core.model",
    "CompressionType": "constructs_pkg.core.model",
    "ContinuousRange": "constructs_pkg.core.model",
    "EarlyStopping": "constructs_pkg.core.model",
    "HyperbandConfig": "constructs_pkg.core.model",
    "InputMode": "constructs_pkg.core.model",
    "IntegerRange": "constructs_pkg.core.model",
    "MetricDefinition": "constructs_pkg.core.model",
    "Objective": "constructs_pkg.core.model",
    "ObjectiveType": "constructs_pkg.core.model",
    "RecordWrapper": "constructs_pkg.core.model",
    "S3DataDistribution": "constructs_pkg.core.model",
    "S3DataType": "constructs_pkg.core.model",
    "ScalingType": "constructs_pkg.core.model",
    "Strategy": "constructs_pkg.core.model",
    "TrainingDefinition": "constructs_pkg.core.model",
    "TuningJobDefinition": "constructs_pkg.core.model",
    "VpcConfig": "constructs_pkg.core.model",
    "WarmStartType": "constructs_pkg.core.model",
    # rules
    "Finding": "constructs_pkg.core.findings",
    "RuleContext": "constructs_pkg.core.findings",
    "Severity": "constructs_pkg.core.findings",
    # constructs
    "ITuningJob": "constructs_pkg.cdk.tuning_job",
    "ImportedTuningJob": "constructs_pkg.cdk.tuning_job",
    "LineageTable": "constructs_pkg.cdk.lineage_table",
    "TuningJob": "constructs_pkg.cdk.tuning_job",
    "TuningJobProvider": "constructs_pkg.cdk.provider",
    "WarmStart": "constructs_pkg.cdk.tuning_job",
}

__all__ = [
    "CategoricalRange",
    "Channel",
    "CompletionCriteria",
    "CompressionType",
    "ContinuousRange",
    "EarlyStopping",
    "Finding",
    "HyperbandConfig",
    "ITuningJob",
    "ImportedTuningJob",
    "InputMode",
    "IntegerRange",
    "LineageTable",
    "MetricDefinition",
    "Objective",
    "ObjectiveType",
    "RecordWrapper",
    "RuleContext",
    "S3DataDistribution",
    "S3DataType",
    "ScalingType",
    "Severity",
    "Strategy",
    "TrainingDefinition",
    "TuningJob",
    "TuningJobDefinition",
    "TuningJobProvider",
    "VpcConfig",
    "WarmStart",
    "WarmStartType",
]

if TYPE_CHECKING:
    from constructs_pkg.cdk.lineage_table import LineageTable
    from constructs_pkg.cdk.provider import TuningJobProvider
    from constructs_pkg.cdk.tuning_job import ImportedTuningJob, ITuningJob, TuningJob, WarmStart
    from constructs_pkg.core.findings import Finding, RuleContext, Severity
    from constructs_pkg.core.model import (
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
        WarmStartType,
    )


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'constructs_pkg' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*_EXPORTS, "__version__"])
