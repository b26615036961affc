"""Properties of generated valid definitions: no errors, valid requests, exact round trips.

(a) ``check_job`` reports no error for a valid definition, nor for a valid warm-start child
    against its parent; (b) the rendered request passes botocore's own parameter
    validation and every constraint of the service model; (c) ``from_api`` rebuilds the
    same request from the Create request, from the canonical spec and from a
    Describe-shaped response; (d) a sample synthesizes through the ``TuningJob`` construct
    without errors.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import botocore.session
from botocore.model import StructureShape
from botocore.validate import validate_parameters
from hypothesis import given, settings
from hypothesis import strategies as st

from constructs_pkg import TuningJob, WarmStart
from constructs_pkg.core.findings import Severity
from constructs_pkg.core.model import (
    SERVICE_OBJECTIVE_KEY,
    CompletionCriteria,
    TuningJobDefinition,
    canonical_json,
    definition_from_spec,
    definition_spec,
)
from constructs_pkg.core.rules import ParentJob, check_job
from constructs_pkg.core.servicemodel import validate_request
from tests.cdk.support import new_stack, synth_errors, training
from tests.property.profiles import EXAMPLES, PROFILE
from tests.property.strategies import (
    Family,
    any_definitions,
    definitions,
    families,
    job_names,
    tags,
)

_MODEL = botocore.session.get_session().get_service_model("sagemaker")
CREATE_INPUT = _MODEL.operation_model("CreateHyperParameterTuningJob").input_shape
DESCRIBE_OUTPUT = _MODEL.operation_model("DescribeHyperParameterTuningJob").output_shape
assert isinstance(CREATE_INPUT, StructureShape)
assert isinstance(DESCRIBE_OUTPUT, StructureShape)


def error_lines(findings: list[Any]) -> list[str]:
    return [f.format() for f in findings if f.severity is Severity.ERROR]


# --------------------------------------------------------------------------- (a) no errors


@given(definitions(), job_names, tags)
@settings(PROFILE, max_examples=EXAMPLES["no_error_findings"], deadline=None)
def test_no_error_findings(
    definition: TuningJobDefinition, job_name: str, job_tags: dict[str, str]
) -> None:
    """A valid definition of any strategy, range and scaling type has no error finding."""
    assert error_lines(check_job(definition, [], job_name=job_name, tags=job_tags)) == []


@given(families())
@settings(
    PROFILE, max_examples=EXAMPLES["warm_start_children_have_no_error_findings"], deadline=None
)
def test_warm_start_children_have_no_error_findings(family: Family) -> None:
    """A child that keeps what warm start fixes passes every rule against its parent."""
    parent = ParentJob(family.parent_name, "Parent", definition=family.parent)

    assert error_lines(check_job(family.parent, [])) == []
    assert error_lines(check_job(family.child, [parent])) == []


# --------------------------------------------------------------------------- (b) valid requests


@given(any_definitions, job_names, tags)
@settings(
    PROFILE, max_examples=EXAMPLES["requests_pass_botocore_and_the_service_model"], deadline=None
)
def test_requests_pass_botocore_and_the_service_model(
    definition: TuningJobDefinition, job_name: str, job_tags: dict[str, str]
) -> None:
    """botocore's client-side validation and every model constraint accept the request."""
    request = definition.to_request(job_name, job_tags)

    validate_parameters(request, CREATE_INPUT)  # raises ParamValidationError
    assert validate_request(request) == []


# --------------------------------------------------------------------------- (c) round trips


@given(any_definitions, job_names, tags)
@settings(PROFILE, max_examples=EXAMPLES["create_request_round_trip"], deadline=None)
def test_create_request_round_trip(
    definition: TuningJobDefinition, job_name: str, job_tags: dict[str, str]
) -> None:
    """from_api(request) renders the same request, and so does the canonical spec."""
    request = definition.to_request(job_name, job_tags)

    assert TuningJobDefinition.from_api(request).to_request(job_name, job_tags) == request
    spec = json.loads(canonical_json(definition_spec(definition)))
    assert definition_from_spec(spec).to_request(job_name, job_tags) == request


def describe_response(request: dict[str, Any], job_name: str) -> dict[str, Any]:
    """What DescribeHyperParameterTuningJob returns for a job created with ``request``."""
    response = copy.deepcopy(request)
    response.pop("Tags", None)
    config = response["HyperParameterTuningJobConfig"]
    objective = config.get("HyperParameterTuningJobObjective")
    if objective is not None:
        static = response["TrainingJobDefinition"]["StaticHyperParameters"]
        static[SERVICE_OBJECTIVE_KEY] = objective["MetricName"]
    created = datetime(2025, 5, 4, 3, 2, 1, tzinfo=UTC)
    response.update(
        {
            "HyperParameterTuningJobArn": (
                "arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/"
                + job_name.lower()
            ),
            "HyperParameterTuningJobStatus": "Completed",
            "CreationTime": created,
            "HyperParameterTuningEndTime": created.replace(hour=9),
            "LastModifiedTime": created.replace(hour=9),
            "TrainingJobStatusCounters": {
                "Completed": 7,
                "InProgress": 0,
                "RetryableError": 1,
                "NonRetryableError": 0,
                "Stopped": 2,
            },
            "ObjectiveStatusCounters": {"Succeeded": 7, "Pending": 0, "Failed": 3},
        }
    )
    return response


@given(any_definitions, job_names, tags)
@settings(PROFILE, max_examples=EXAMPLES["describe_response_round_trip"], deadline=None)
def test_describe_response_round_trip(
    definition: TuningJobDefinition, job_name: str, job_tags: dict[str, str]
) -> None:
    """A Describe response (service-added hyperparameter, status, counters) rebuilds it."""
    request = definition.to_request(job_name, job_tags)
    response = describe_response(request, job_name)
    validate_parameters(response, DESCRIBE_OUTPUT)  # the fabricated response is well formed

    rebuilt = TuningJobDefinition.from_api(response)

    assert rebuilt.to_request(job_name, job_tags) == request
    assert SERVICE_OBJECTIVE_KEY not in rebuilt.training.static_hyperparameters


def test_empty_completion_criteria_round_trip() -> None:
    """CompletionCriteria() renders as {} and must read back as itself, not as None.

    ``TuningJobDefinition.from_api`` tests ``if completion`` where it means ``if completion
    is not None``, so the empty criteria object of a valid request is dropped and the
    rebuilt request (and the spec decoded at deploy) lacks ``TuningJobCompletionCriteria``.
    """
    definition = TuningJobDefinition(
        training=training(),
        objective=None,
        ranges={},
        max_parallel_jobs=1,
        completion=CompletionCriteria(),
    )
    request = definition.to_request("job")
    assert validate_request(request) == []
    assert TuningJobDefinition.from_api(request).to_request("job") == request


# --------------------------------------------------------------------------- (d) synth


def construct_keywords(definition: TuningJobDefinition) -> dict[str, Any]:
    return {
        "training": definition.training,
        "objective": definition.objective,
        "ranges": definition.ranges,
        "max_parallel_jobs": definition.max_parallel_jobs,
        "max_jobs": definition.max_jobs,
        "strategy": definition.strategy,
        "max_tuning_runtime_seconds": definition.max_tuning_runtime_seconds,
        "early_stopping": definition.early_stopping,
        "hyperband": definition.hyperband,
        "completion": definition.completion,
        "random_seed": definition.random_seed,
    }


@given(families(), st.one_of(st.none(), job_names), tags)
@settings(PROFILE, max_examples=EXAMPLES["constructs_synthesize"], deadline=None)
def test_constructs_synthesize(
    family: Family, parent_name: str | None, job_tags: dict[str, str]
) -> None:
    """A generated parent and its warm-start child synthesize without errors."""
    stack = new_stack()
    parent = TuningJob(
        stack, "Parent", job_name=parent_name, tags=job_tags, **construct_keywords(family.parent)
    )
    assert family.child.warm_start is not None
    child = TuningJob(
        stack,
        "Child",
        warm_start=WarmStart(family.child.warm_start.type, (parent,)),
        **construct_keywords(family.child),
    )

    assert synth_errors(stack) == []
    assert parent.definition.to_request("n") == family.parent.to_request("n")
    assert child.definition.with_parents(["p"]).to_request("n") == family.child.with_parents(
        ["p"]
    ).to_request("n")
