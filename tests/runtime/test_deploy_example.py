"""The example app deployed through the real handler, with events built from its template.

Each event's ResourceProperties are the synthesized template's properties, evaluated as
CloudFormation would (references filled in, every scalar a string), and the handler runs
against moto (SageMaker) and dynalite (DynamoDB) on 127.0.0.1.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import aws_cdk as cdk
import pytest

from constructs_pkg.cdk.tuning_job import RESOURCE_TYPE
from constructs_pkg.core.model import TuningJobDefinition, definition_from_spec
from constructs_pkg.runtime.handler import on_event
from tests.cdk.support import ENV, load_example_app
from tests.cfn import custom_resources, resource_properties
from tests.runtime.conftest import FakeContext, Runtime
from tests.runtime.events import create_event, delete_event

STACK = "ImageClassificationTuning"
EXTERNAL_PARENT = "caltech-baseline-2025"
TRAINING_ROLE = "arn:aws:iam::123456789012:role/ImageClassificationTuning-TrainingRole"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    module = load_example_app()
    app = cdk.App()
    module.ImageClassificationTuning(app, STACK, env=ENV)
    return app.synth().get_stack_by_name(STACK).template  # type: ignore[no-any-return]


def logical_id(template: Mapping[str, Any], prefix: str) -> str:
    return next(lid for lid in custom_resources(template, RESOURCE_TYPE) if lid.startswith(prefix))


def stand_ins(template: Mapping[str, Any], table: str) -> tuple[dict[str, str], dict[str, str]]:
    """What Ref and Fn::GetAtt return for the resources the jobs refer to."""
    refs: dict[str, str] = {}
    attributes: dict[str, str] = {}
    for lid, resource in template["Resources"].items():
        if resource["Type"] == "AWS::DynamoDB::GlobalTable":
            refs[lid] = table
        elif resource["Type"] == "AWS::S3::Bucket":
            refs[lid] = "artifacts-bucket"
        elif resource["Type"] == "AWS::IAM::Role":
            attributes[f"{lid}.Arn"] = TRAINING_ROLE
    return refs, attributes


def deploy(
    template: Mapping[str, Any],
    prefix: str,
    refs: dict[str, str],
    attributes: Mapping[str, str],
    context: FakeContext,
) -> tuple[str, dict[str, Any]]:
    """Send the Create of one job, as CloudFormation would; return its id and properties."""
    lid = logical_id(template, prefix)
    props = resource_properties(template["Resources"][lid], refs, attributes)
    answer = on_event(create_event(props, logical_id=lid), context)
    refs[lid] = answer["PhysicalResourceId"]
    return answer["PhysicalResourceId"], props


def create_external_parent(runtime: Runtime, like: Mapping[str, Any]) -> None:
    """The job outside the app, made earlier by someone else with the same algorithm."""
    definition = definition_from_spec(json.loads(like["Spec"]))
    runtime.sagemaker.create_hyper_parameter_tuning_job(**definition.to_request(EXTERNAL_PARENT))


def test_example_app_deploys_and_records_lineage(
    template: dict[str, Any], runtime: Runtime, context: FakeContext
) -> None:
    """Parent, Refine and Transfer launch with the exact requests; lineage links them."""
    refs, attributes = stand_ins(template, runtime.table)

    parent, parent_props = deploy(template, "Parent", refs, attributes, context)
    create_external_parent(runtime, parent_props)
    refine, refine_props = deploy(template, "Refine", refs, attributes, context)
    transfer, transfer_props = deploy(template, "Transfer", refs, attributes, context)

    assert sorted(runtime.job_names()) == sorted([parent, refine, transfer, EXTERNAL_PARENT])
    for name, props in (
        (parent, parent_props),
        (refine, refine_props),
        (transfer, transfer_props),
    ):
        assert name.startswith(props["NamePrefix"] + "-")
        assert len(name) <= 32
        described = TuningJobDefinition.from_api(runtime.describe(name))
        sent = definition_from_spec(json.loads(props["Spec"]))
        assert described.to_request(name) == sent.to_request(name)

    transfer_job = runtime.describe(transfer)
    assert transfer_job["WarmStartConfig"] == {
        "WarmStartType": "TransferLearning",
        "ParentHyperParameterTuningJobs": [
            {"HyperParameterTuningJobName": parent},
            {"HyperParameterTuningJobName": EXTERNAL_PARENT},
        ],
    }
    assert runtime.tags(parent) == {"dataset": "caltech-256", "team": "vision"}

    parent_item = runtime.item(parent)
    assert parent_item is not None
    assert set(parent_item["children"]) == {refine, transfer}
    assert parent_item["constructPath"] == f"{STACK}/Parent"
    external = runtime.item(EXTERNAL_PARENT)
    assert external is not None
    assert external["external"] is True
    assert set(external["children"]) == {transfer}
    transfer_item = runtime.item(transfer)
    assert transfer_item is not None
    assert transfer_item["parents"] == [parent, EXTERNAL_PARENT]
    assert transfer_item["warmStartType"] == "TransferLearning"
    assert transfer_item["arn"] == transfer_job["HyperParameterTuningJobArn"]


def test_deleting_a_running_job_from_the_template_stops_it(
    template: dict[str, Any], runtime: Runtime, context: FakeContext, set_tuning_job_status: Any
) -> None:
    """A Delete for a running job stops it and marks its lineage item, which stays."""
    refs, attributes = stand_ins(template, runtime.table)
    parent, props = deploy(template, "Parent", refs, attributes, context)
    set_tuning_job_status(parent, "InProgress")

    lid = logical_id(template, "Parent")
    answer = on_event(delete_event(props, parent, logical_id=lid), context)

    assert answer["PhysicalResourceId"] == parent
    assert runtime.describe(parent)["HyperParameterTuningJobStatus"] in ("Stopping", "Stopped")
    item = runtime.item(parent)
    assert item is not None
    assert item["removed"]["behaviour"] == "stop"
