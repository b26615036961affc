"""The custom-resource handler against moto (SageMaker) and dynalite (DynamoDB).

Every test checks the answer, the jobs that exist in moto and the lineage items.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from constructs_pkg.core.model import (
    ContinuousRange,
    IntegerRange,
    Objective,
    ScalingType,
    WarmStartType,
    definition_hash,
)
from constructs_pkg.core.naming import generate_job_name
from constructs_pkg.runtime.errors import (
    MAX_REASON_BYTES,
    DefinitionInvalidError,
    JobConflictError,
    ParentIncompatibleError,
    ParentNotFoundError,
    ParentNotReadyError,
    TuningJobError,
)
from constructs_pkg.runtime.handler import on_event

from .conftest import FakeContext, Runtime
from .definitions import child_definition, parent_definition, training
from .events import (
    STACK_ID,
    canned,
    create_event,
    delete_event,
    properties,
    spec,
    stringify,
    update_event,
)

MAX_RESPONSE_BYTES = 4096


def fail(event: dict[str, Any], context: FakeContext) -> TuningJobError:
    """Run the handler, expecting a FAILED answer; return the exception it raised."""
    with pytest.raises(TuningJobError) as info:
        on_event(event, context)
    return info.value


def provider_response(
    event: dict[str, Any], answer: dict[str, Any] | None, reason: str = ""
) -> str:
    """The body the Provider framework sends to CloudFormation for this answer."""
    body = {
        "Status": "FAILED" if answer is None else "SUCCESS",
        "Reason": reason,
        "PhysicalResourceId": (answer or {}).get("PhysicalResourceId", event["RequestId"]),
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "NoEcho": False,
        "Data": (answer or {}).get("Data", {}),
    }
    return json.dumps(body)


def launch_parent(
    runtime: Runtime, context: FakeContext, **prop_overrides: Any
) -> tuple[str, dict[str, Any]]:
    props = properties(parent_definition(), table=runtime.table, **prop_overrides)
    answer = on_event(create_event(props, logical_id="Parent"), context)
    return answer["PhysicalResourceId"], props


# --------------------------------------------------------------------------- Create


def test_create_parent_launches_the_exact_request_and_records_lineage(
    runtime: Runtime, context: FakeContext
) -> None:
    """GIVEN the seed parent WHEN it is created THEN moto holds the exact request and lineage its record."""
    definition = parent_definition()
    props = properties(definition, table=runtime.table, tags={"team": "vision"})
    event = create_event(props, logical_id="Parent")

    answer = on_event(event, context)

    name = answer["PhysicalResourceId"]
    assert name == generate_job_name(
        "tuningstack-job", definition_hash(definition), event["RequestId"]
    )
    assert answer["Data"] == {
        "JobName": name,
        "JobArn": f"arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/{name}",
        "DefinitionHash": definition_hash(definition),
        "LaunchState": "Launched",
    }
    assert runtime.job_names() == [name]
    described = runtime.describe(name)
    expected = definition.to_request(name)
    assert described["HyperParameterTuningJobConfig"] == expected["HyperParameterTuningJobConfig"]
    assert described["TrainingJobDefinition"] == expected["TrainingJobDefinition"]
    assert "WarmStartConfig" not in described or described["WarmStartConfig"] is None
    assert runtime.tags(name) == {"team": "vision"}

    item = runtime.item(name)
    assert item is not None
    assert item["pk"] == f"job#{name.lower()}"
    assert item["name"] == name
    assert item["arn"] == answer["Data"]["JobArn"]
    assert item["stackId"] == STACK_ID
    assert item["logicalId"] == "Parent"
    assert item["constructPath"] == "TuningStack/Job"
    assert item["definitionHash"] == definition_hash(definition)
    assert item["requestId"] == event["RequestId"]
    assert item["external"] is False
    assert item["parents"] == []
    assert "warmStartType" not in item
    assert item["status"] == "InProgress"
    assert [h["status"] for h in item["statusHistory"]] == ["Launching", "InProgress"]
    assert item["tags"] == {"team": "vision"}
    assert item["createdAt"].endswith("Z") and item["updatedAt"].endswith("Z")
    assert "children" not in item
    assert len(provider_response(event, answer).encode()) < MAX_RESPONSE_BYTES


def test_create_child_links_every_parent_including_one_imported_by_name(
    runtime: Runtime, context: FakeContext
) -> None:
    """GIVEN an in-app parent and one outside the app WHEN a child is created THEN both list it as a child."""
    parent, _ = launch_parent(runtime, context)
    runtime.sagemaker.create_hyper_parameter_tuning_job(
        **parent_definition().to_request("team-b-base")
    )
    definition = child_definition([parent, "team-b-base"], WarmStartType.TRANSFER_LEARNING)
    props = properties(definition, table=runtime.table, name_prefix="tuningstack-child")

    answer = on_event(create_event(props, logical_id="Child"), context)

    child = answer["PhysicalResourceId"]
    assert child.startswith("tuningstack-child-")
    assert runtime.job_names() == sorted([parent, "team-b-base", child])
    assert runtime.describe(child)["WarmStartConfig"] == {
        "WarmStartType": "TransferLearning",
        "ParentHyperParameterTuningJobs": [
            {"HyperParameterTuningJobName": parent},
            {"HyperParameterTuningJobName": "team-b-base"},
        ],
    }

    child_item = runtime.item(child)
    assert child_item is not None
    assert child_item["parents"] == [parent, "team-b-base"]
    assert child_item["warmStartType"] == "TransferLearning"
    assert child_item["status"] == "InProgress"

    parent_item = runtime.item(parent)
    assert parent_item is not None
    assert parent_item["children"] == frozenset({child})
    assert parent_item["external"] is False
    assert parent_item["lastDescribed"]["status"] == "Completed"
    assert parent_item["lastDescribed"]["trainingJobsLaunched"] == 1

    external = runtime.item("team-b-base")
    assert external is not None
    assert external["external"] is True
    assert external["name"] == "team-b-base"
    assert external["children"] == frozenset({child})
    assert external["arn"].endswith("/team-b-base")
    assert "stackId" not in external
    assert len(runtime.items()) == 3


def test_the_same_create_delivered_twice_launches_one_job(
    runtime: Runtime, context: FakeContext
) -> None:
    """GIVEN a Create already answered WHEN CloudFormation delivers it again THEN the same id, one job."""
    props = properties(parent_definition(), table=runtime.table)
    event = create_event(props)

    first = on_event(event, context)
    second = on_event(event, context)

    assert second == first
    assert runtime.job_names() == [first["PhysicalResourceId"]]
    item = runtime.item(first["PhysicalResourceId"])
    assert item is not None
    assert [h["status"] for h in item["statusHistory"]] == ["Launching", "InProgress"]
    assert len(runtime.items()) == 1


def test_a_retried_create_adopts_the_job_an_interrupted_attempt_launched(
    runtime: Runtime, context: FakeContext
) -> None:
    """GIVEN an attempt that launched the job but died before recording its ARN THEN the retry succeeds."""
    definition = parent_definition()
    props = properties(definition, table=runtime.table)
    event = create_event(props)
    name = generate_job_name("tuningstack-job", definition_hash(definition), event["RequestId"])
    on_event(event, context)
    runtime.dynamodb.update_item(
        TableName=runtime.table,
        Key={"pk": {"S": f"job#{name}"}},
        UpdateExpression="REMOVE #arn SET #status = :launching",
        ExpressionAttributeNames={"#arn": "arn", "#status": "status"},
        ExpressionAttributeValues={":launching": {"S": "Launching"}},
    )

    answer = on_event(event, context)

    assert answer["PhysicalResourceId"] == name
    assert answer["Data"]["JobArn"].endswith(f"/{name}")
    assert runtime.job_names() == [name]
    item = runtime.item(name)
    assert item is not None and item["arn"] == answer["Data"]["JobArn"]
    assert item["status"] == "InProgress"


def test_a_fixed_name_taken_by_a_job_not_ours_fails_and_leaves_no_record(
    runtime: Runtime, context: FakeContext
) -> None:
    runtime.sagemaker.create_hyper_parameter_tuning_job(
        **parent_definition().to_request("shared-name")
    )
    props = properties(parent_definition(max_jobs=12), table=runtime.table, job_name="shared-name")

    error = fail(create_event(props), context)

    assert isinstance(error, JobConflictError)
    assert (
        "a tuning job named 'shared-name' already exists and was not launched by this resource"
        in str(error)
    )
    assert runtime.job_names() == ["shared-name"]
    assert (
        runtime.describe("shared-name")["HyperParameterTuningJobConfig"]["ResourceLimits"][
            "MaxNumberOfTrainingJobs"
        ]
        == 10
    )
    assert runtime.items() == []


def test_a_fixed_name_reused_with_another_definition_fails_clearly(
    runtime: Runtime, context: FakeContext
) -> None:
    name, _ = launch_parent(runtime, context, job_name="churn-base-1")
    assert name == "churn-base-1"
    props = properties(
        parent_definition(max_jobs=30), table=runtime.table, job_name="churn-base-1"
    )

    error = fail(create_event(props, logical_id="Parent"), context)

    assert isinstance(error, JobConflictError)
    assert "tuning job 'churn-base-1' already exists with another definition" in str(error)
    assert "A fixed job_name blocks replacement" in str(error)
    assert runtime.job_names() == ["churn-base-1"]
    item = runtime.item("churn-base-1")
    assert item is not None and item["definitionHash"] == definition_hash(parent_definition())


# --------------------------------------------------------------------------- parents


def test_a_missing_parent_fails_naming_it(runtime: Runtime, context: FakeContext) -> None:
    parent, _ = launch_parent(runtime, context)
    props = properties(child_definition([parent, "churn-bse-0"]), table=runtime.table)

    error = fail(create_event(props, logical_id="Child"), context)

    assert isinstance(error, ParentNotFoundError)
    assert error.missing == ("churn-bse-0",)
    assert str(error).startswith("warm-start parent tuning job(s) not found: 'churn-bse-0'.")
    assert runtime.job_names() == [parent]
    assert [i["name"] for i in runtime.items()] == [parent]


def test_a_parent_still_running_fails_fast(
    runtime: Runtime, context: FakeContext, set_tuning_job_status: Any
) -> None:
    parent, _ = launch_parent(runtime, context)
    set_tuning_job_status(parent, "InProgress")
    props = properties(child_definition([parent]), table=runtime.table, WaitForParents="false")

    error = fail(create_event(props, logical_id="Child"), context)

    assert isinstance(error, ParentNotReadyError)
    assert error.waiting == ((parent, "InProgress"),)
    assert f"warm-start parent(s) not finished: '{parent}' is InProgress." in str(error)
    assert runtime.job_names() == [parent]
    parent_item = runtime.item(parent)
    assert parent_item is not None and "children" not in parent_item


def test_a_running_parent_that_is_also_incompatible_reports_everything(
    runtime: Runtime, context: FakeContext, set_tuning_job_status: Any
) -> None:
    parent, _ = launch_parent(runtime, context)
    set_tuning_job_status(parent, "InProgress")
    definition = child_definition([parent], objective=Objective.minimize("validation:accuracy"))

    error = fail(
        create_event(properties(definition, table=runtime.table), logical_id="Child"), context
    )

    assert isinstance(error, ParentIncompatibleError)
    assert str(error).startswith("the child cannot warm-start from its parents: [W4]")
    assert "[W6]" in str(error)
    assert runtime.job_names() == [parent]


@pytest.mark.parametrize("status", ["Completed", "Stopped", "Failed"])
def test_a_terminal_parent_of_any_kind_is_accepted(
    runtime: Runtime, context: FakeContext, set_tuning_job_status: Any, status: str
) -> None:
    parent, _ = launch_parent(runtime, context)
    set_tuning_job_status(parent, status)
    props = properties(child_definition([parent]), table=runtime.table)

    answer = on_event(create_event(props, logical_id="Child"), context)

    assert answer["PhysicalResourceId"] in runtime.job_names()
    parent_item = runtime.item(parent)
    assert parent_item is not None
    assert parent_item["lastDescribed"]["status"] == status


def test_five_parents_make_thirteen_aws_calls_and_a_small_response(
    runtime: Runtime, context: FakeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A child of five parents: 5 Describe, 1 PutItem, 1 Create, 1 UpdateItem, 5 UpdateItem."""
    parents = [f"imported-parent-{i}-{'x' * 14}" for i in range(5)]
    for name in parents:
        runtime.sagemaker.create_hyper_parameter_tuning_job(**parent_definition().to_request(name))
    props = properties(child_definition(parents), table=runtime.table)
    event = create_event(props, logical_id="Child")
    calls: list[str] = []

    import botocore.client

    original = botocore.client.BaseClient._make_api_call

    def counting(self: Any, operation: str, params: Any) -> Any:
        calls.append(operation)
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counting)
    answer = on_event(event, context)

    assert calls == [
        *["DescribeHyperParameterTuningJob"] * 5,
        "PutItem",
        "CreateHyperParameterTuningJob",
        "UpdateItem",
        *["UpdateItem"] * 5,
    ]
    assert len(provider_response(event, answer).encode()) < MAX_RESPONSE_BYTES
    for name in parents:
        item = runtime.item(name)
        assert item is not None and item["children"] == frozenset({answer["PhysicalResourceId"]})


def test_parents_training_jobs_count_against_the_child(
    runtime: Runtime, context: FakeContext
) -> None:
    """B05: the handler passes each parent's launched training jobs to the warm-start rules."""
    from constructs_pkg.core.rules import RULES

    if "W11" not in RULES:
        pytest.skip(
            "rule W11 (parents' training jobs count against the child) is not registered yet"
        )
    from .moto_ext import set_training_job_counters

    for name, launched in (("base-a", 400), ("base-b", 300)):
        runtime.sagemaker.create_hyper_parameter_tuning_job(**parent_definition().to_request(name))
        set_training_job_counters(runtime.moto_backend, name, Completed=launched)
    props = properties(child_definition(["base-a", "base-b"], max_jobs=100), table=runtime.table)

    error = fail(create_event(props, logical_id="Child"), context)

    assert "W11" in str(error)
    assert runtime.job_names() == ["base-a", "base-b"]


# --------------------------------------------------------------------------- properties


def test_loose_properties_are_never_read(runtime: Runtime, context: FakeContext) -> None:
    """B14: the canned event carries stringified loose values; only the Spec counts."""
    event = canned("create-string-properties", TABLE=runtime.table)
    assert event["ResourceProperties"]["MaxNumberOfTrainingJobs"] == "20"

    answer = on_event(event, context)

    limits = runtime.describe(answer["PhysicalResourceId"])["HyperParameterTuningJobConfig"][
        "ResourceLimits"
    ]
    assert limits == {"MaxNumberOfTrainingJobs": 10, "MaxParallelTrainingJobs": 2}
    assert (
        "EnableNetworkIsolation"
        not in runtime.describe(answer["PhysicalResourceId"])["TrainingJobDefinition"]
    )


def test_a_number_given_as_a_string_in_the_spec_is_reported_by_field(
    runtime: Runtime, context: FakeContext
) -> None:
    request = json.loads(spec(parent_definition()))
    request["request"]["HyperParameterTuningJobConfig"]["ResourceLimits"][
        "MaxNumberOfTrainingJobs"
    ] = "10"
    props = properties(parent_definition(), table=runtime.table)
    props["Spec"] = json.dumps(request)

    error = fail(create_event(props), context)

    assert isinstance(error, DefinitionInvalidError)
    assert "[F-TYPE] `max_jobs`: must be a whole number; got '10'" in str(error)
    assert runtime.job_names() == [] and runtime.items() == []


def test_a_boolean_given_as_a_string_in_the_spec_is_reported_by_field(
    runtime: Runtime, context: FakeContext
) -> None:
    """``"false"`` would read as true in Python; the Spec must not round-trip through that."""
    request = json.loads(spec(parent_definition()))
    request["request"]["TrainingJobDefinition"]["EnableNetworkIsolation"] = "false"
    props = properties(parent_definition(), table=runtime.table)
    props["Spec"] = json.dumps(request)

    error = fail(create_event(props), context)

    assert isinstance(error, DefinitionInvalidError)
    assert "`Spec` does not match SageMaker's model" in str(error)
    assert "must be true or false; got 'false'" in str(error)
    assert runtime.job_names() == []


def test_a_field_this_version_does_not_carry_is_refused(
    runtime: Runtime, context: FakeContext
) -> None:
    request = json.loads(spec(parent_definition()))
    request["request"]["Autotune"] = {"Mode": "Enabled"}
    props = properties(parent_definition(), table=runtime.table)
    props["Spec"] = json.dumps(request)

    error = fail(create_event(props), context)

    assert isinstance(error, DefinitionInvalidError)
    assert (
        "`Spec.request` is not what this library version renders: differs at `request.Autotune`"
        in str(error)
    )
    assert runtime.job_names() == []


def test_malformed_spec_json_fails_clearly(runtime: Runtime, context: FakeContext) -> None:
    event = canned("create-malformed-spec", TABLE=runtime.table)

    error = fail(event, context)

    assert isinstance(error, DefinitionInvalidError)
    assert str(error).startswith(
        "`Spec` is not valid JSON: Expecting ',' delimiter at line 1 column 21"
    )
    assert str(error).endswith(f"(details in CloudWatch log stream {context.log_stream_name})")
    assert runtime.job_names() == [] and runtime.items() == []


@pytest.mark.parametrize(("version", "shown"), [(2, "2"), ("1", "'1'"), (None, "None")])
def test_an_unknown_schema_version_fails_clearly(
    runtime: Runtime, context: FakeContext, version: object, shown: str
) -> None:
    document = json.loads(spec(parent_definition()))
    document["schemaVersion"] = version
    props = properties(parent_definition(), table=runtime.table)
    props["Spec"] = json.dumps(document)

    error = fail(create_event(props), context)

    assert f"`Spec.schemaVersion` is {shown}, but this runtime reads version 1" in str(error)
    assert runtime.job_names() == []


def test_every_property_problem_is_reported_at_once(
    runtime: Runtime, context: FakeContext
) -> None:
    props = properties(parent_definition(), table=runtime.table, tags={"a": "b"})
    props["Tags"] = "[1, 2]"
    props["RemovalBehaviour"] = "destroy"
    event = create_event(props)
    event["ResourceProperties"]["LineageTableName"] = ""

    error = fail(event, context)

    assert str(error).startswith(
        "invalid resource properties: `LineageTableName` is required: the DynamoDB table to "
        "record into; `Tags` must be a JSON object whose keys and values are strings; "
        "`RemovalBehaviour` must be one of stop, retain; got 'destroy'"
    )


def test_an_oversized_failure_reason_is_cut_to_one_kilobyte(
    runtime: Runtime, context: FakeContext
) -> None:
    """B15: forty bad ranges give a long list of findings; the reason stays under 1 KB."""
    ranges = {
        f"hyperparameter_with_a_long_name_{i:02}": IntegerRange(10, 1, ScalingType.LOGARITHMIC)
        for i in range(20)
    } | {f"rate_{i:02}": ContinuousRange(-1.0, 0.5, ScalingType.LOGARITHMIC) for i in range(20)}
    definition = parent_definition(ranges=ranges, training=training(static_hyperparameters={}))
    event = create_event(properties(definition, table=runtime.table))

    error = fail(event, context)

    reason = str(error)
    assert isinstance(error, DefinitionInvalidError)
    assert len(reason.encode()) <= MAX_REASON_BYTES
    assert reason.startswith("the definition of tuning job 'tuningstack-job-")
    assert " more" in reason
    assert reason.endswith(f"(details in CloudWatch log stream {context.log_stream_name})")
    assert len(provider_response(event, None, reason).encode()) < MAX_RESPONSE_BYTES
    assert len(error.message.encode()) > 0
    assert runtime.job_names() == []


# --------------------------------------------------------------------------- Update


def test_update_without_definition_change_keeps_the_job_and_updates_tags(
    runtime: Runtime, context: FakeContext
) -> None:
    old = properties(
        parent_definition(), table=runtime.table, tags={"team": "vision", "cost": "a"}
    )
    name = on_event(create_event(old), context)["PhysicalResourceId"]
    new = properties(
        parent_definition(), table=runtime.table, tags={"team": "platform", "owner": "ml"}
    )

    answer = on_event(update_event(old, new, name), context)

    assert answer["PhysicalResourceId"] == name
    assert answer["Data"]["DefinitionHash"] == definition_hash(parent_definition())
    assert runtime.job_names() == [name]
    assert runtime.tags(name) == {"team": "platform", "owner": "ml"}
    item = runtime.item(name)
    assert item is not None
    assert item["tags"] == {"team": "platform", "owner": "ml"}
    assert item["status"] == "Completed"
    assert [h["status"] for h in item["statusHistory"]] == ["Launching", "InProgress", "Completed"]
    assert item["trainingJobCounters"]["Completed"] == 1
    assert item["bestTrainingJob"]["name"] == "FakeTrainingJobName"


def test_update_with_a_changed_definition_launches_a_new_job(
    runtime: Runtime, context: FakeContext, set_tuning_job_status: Any
) -> None:
    old = properties(parent_definition(), table=runtime.table)
    first = on_event(create_event(old), context)["PhysicalResourceId"]
    new = properties(parent_definition(max_jobs=40), table=runtime.table)

    answer = on_event(update_event(old, new, first), context)

    second = answer["PhysicalResourceId"]
    assert second != first and second.startswith("tuningstack-job-")
    assert runtime.job_names() == sorted([first, second])
    assert (
        runtime.describe(second)["HyperParameterTuningJobConfig"]["ResourceLimits"][
            "MaxNumberOfTrainingJobs"
        ]
        == 40
    )
    new_item, old_item = runtime.item(second), runtime.item(first)
    assert new_item is not None and old_item is not None
    assert new_item["replaces"] == first
    assert old_item["supersededBy"] == second
    assert "removed" not in old_item

    # CloudFormation then deletes the old id with the old properties.
    set_tuning_job_status(first, "InProgress")
    on_event(delete_event(old, first), context)

    assert runtime.describe(first)["HyperParameterTuningJobStatus"] == "Stopping"
    old_item = runtime.item(first)
    assert old_item is not None and old_item["removed"]["action"] == "stopped"


def test_reverting_a_definition_never_reuses_a_name(
    runtime: Runtime, context: FakeContext
) -> None:
    v1 = properties(parent_definition(), table=runtime.table)
    v2 = properties(parent_definition(max_jobs=40), table=runtime.table)
    first = on_event(create_event(v1), context)["PhysicalResourceId"]
    second = on_event(update_event(v1, v2, first), context)["PhysicalResourceId"]
    on_event(delete_event(v1, first), context)  # CloudFormation's clean-up of the old id

    third = on_event(update_event(v2, v1, second), context)["PhysicalResourceId"]

    assert len({first, second, third}) == 3
    assert runtime.job_names() == sorted([first, second, third])
    third_item = runtime.item(third)
    assert third_item is not None and third_item["replaces"] == second


def test_a_rollback_returns_to_the_job_that_was_replaced(
    runtime: Runtime, context: FakeContext
) -> None:
    """GIVEN v1 replaced by v2 WHEN CloudFormation rolls back to v1 THEN the v1 job is kept."""
    v1 = properties(parent_definition(), table=runtime.table, tags={"v": "1"})
    v2 = properties(parent_definition(max_jobs=40), table=runtime.table, tags={"v": "2"})
    first = on_event(create_event(v1), context)["PhysicalResourceId"]
    second = on_event(update_event(v1, v2, first), context)["PhysicalResourceId"]

    answer = on_event(update_event(v2, v1, second), context)

    assert answer["PhysicalResourceId"] == first
    assert answer["Data"]["DefinitionHash"] == definition_hash(parent_definition())
    assert runtime.job_names() == sorted([first, second])
    assert runtime.tags(first) == {"v": "1"}
    first_item = runtime.item(first)
    assert first_item is not None and "removed" not in first_item


def test_an_update_rolled_back_from_unreadable_properties_keeps_the_job(
    runtime: Runtime, context: FakeContext
) -> None:
    """The old properties of a rollback are the failed ones; the lineage record decides."""
    good = properties(parent_definition(), table=runtime.table)
    name = on_event(create_event(good), context)["PhysicalResourceId"]
    failed = {**good, "Spec": "{not json"}

    answer = on_event(update_event(failed, good, name), context)

    assert answer["PhysicalResourceId"] == name
    assert runtime.job_names() == [name]


def test_update_with_a_changed_definition_and_a_fixed_name_fails(
    runtime: Runtime, context: FakeContext
) -> None:
    old = properties(parent_definition(), table=runtime.table, job_name="churn-ws-2")
    on_event(create_event(old), context)
    new = properties(parent_definition(max_jobs=40), table=runtime.table, job_name="churn-ws-2")

    error = fail(update_event(old, new, "churn-ws-2"), context)

    assert isinstance(error, JobConflictError)
    assert "the definition of tuning job 'churn-ws-2' changed, but its job_name is fixed" in str(
        error
    )
    assert runtime.job_names() == ["churn-ws-2"]
    assert (
        runtime.describe("churn-ws-2")["HyperParameterTuningJobConfig"]["ResourceLimits"][
            "MaxNumberOfTrainingJobs"
        ]
        == 10
    )


def test_an_upgrade_that_only_changes_the_readable_properties_keeps_the_job(
    runtime: Runtime, context: FakeContext
) -> None:
    """B22: the synth-time hash and other readable properties do not decide replacement."""
    old = properties(parent_definition(), table=runtime.table)
    name = on_event(create_event(old), context)["PhysicalResourceId"]
    new = {**old, "DefinitionHash": "0000000000000000", "ConstructPath": "TuningStack/Moved/Job"}

    answer = on_event(update_event(old, new, name), context)

    assert answer["PhysicalResourceId"] == name
    assert runtime.job_names() == [name]
    item = runtime.item(name)
    assert item is not None and item["constructPath"] == "TuningStack/Moved/Job"


# --------------------------------------------------------------------------- Delete


def test_delete_stops_a_running_job_and_marks_its_lineage(
    runtime: Runtime, context: FakeContext, set_tuning_job_status: Any
) -> None:
    props = properties(parent_definition(), table=runtime.table)
    name = on_event(create_event(props), context)["PhysicalResourceId"]
    set_tuning_job_status(name, "InProgress")

    answer = on_event(delete_event(props, name), context)

    assert answer == {"PhysicalResourceId": name}
    assert runtime.job_names() == [name]
    assert runtime.describe(name)["HyperParameterTuningJobStatus"] == "Stopping"
    item = runtime.item(name)
    assert item is not None
    assert item["removed"]["behaviour"] == "stop"
    assert item["removed"]["action"] == "stopped"
    assert item["removed"]["at"].endswith("Z")
    assert item["status"] == "Stopping"
    assert [h["status"] for h in item["statusHistory"]] == ["Launching", "InProgress", "Stopping"]


def test_delete_leaves_a_retained_job_running(
    runtime: Runtime, context: FakeContext, set_tuning_job_status: Any
) -> None:
    props = properties(parent_definition(), table=runtime.table, removal="retain")
    name = on_event(create_event(props), context)["PhysicalResourceId"]
    set_tuning_job_status(name, "InProgress")

    on_event(delete_event(props, name), context)

    assert runtime.describe(name)["HyperParameterTuningJobStatus"] == "InProgress"
    item = runtime.item(name)
    assert item is not None
    assert item["removed"]["behaviour"] == "retain"
    assert item["removed"]["action"] == "retained"
    assert item["status"] == "InProgress"


def test_delete_of_a_job_that_ended_calls_no_stop(runtime: Runtime, context: FakeContext) -> None:
    props = properties(parent_definition(), table=runtime.table)
    name = on_event(create_event(props), context)["PhysicalResourceId"]

    on_event(delete_event(props, name), context)

    assert runtime.describe(name)["HyperParameterTuningJobStatus"] == "Completed"
    item = runtime.item(name)
    assert item is not None and item["removed"]["action"] == "already-ended"
    assert item["status"] == "Completed"


def test_delete_with_a_bogus_physical_id_is_a_no_op(
    runtime: Runtime, context: FakeContext
) -> None:
    name, _ = launch_parent(runtime, context)
    event = canned("delete-bogus-id", TABLE=runtime.table)

    answer = on_event(event, context)

    assert answer == {"PhysicalResourceId": event["PhysicalResourceId"]}
    assert runtime.job_names() == [name]
    item = runtime.item(name)
    assert item is not None and "removed" not in item


def test_delete_of_a_job_that_no_longer_exists_succeeds(
    runtime: Runtime, context: FakeContext
) -> None:
    props = properties(parent_definition(), table=runtime.table)
    name = on_event(create_event(props), context)["PhysicalResourceId"]
    runtime.sagemaker.delete_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)

    answer = on_event(delete_event(props, name), context)

    assert answer == {"PhysicalResourceId": name}
    assert runtime.job_names() == []
    item = runtime.item(name)
    assert item is not None and item["removed"]["action"] == "not-found"
    assert item["status"] == "InProgress"


def test_delete_of_a_job_not_launched_by_this_resource_touches_nothing(
    runtime: Runtime, context: FakeContext, set_tuning_job_status: Any
) -> None:
    runtime.sagemaker.create_hyper_parameter_tuning_job(
        **parent_definition().to_request("someone-elses-job")
    )
    set_tuning_job_status("someone-elses-job", "InProgress")
    props = properties(parent_definition(), table=runtime.table)

    answer = on_event(delete_event(props, "someone-elses-job"), context)

    assert answer == {"PhysicalResourceId": "someone-elses-job"}
    assert runtime.describe("someone-elses-job")["HyperParameterTuningJobStatus"] == "InProgress"
    assert runtime.items() == []


def test_delete_of_a_parent_seen_only_by_name_touches_nothing(
    runtime: Runtime, context: FakeContext, set_tuning_job_status: Any
) -> None:
    runtime.sagemaker.create_hyper_parameter_tuning_job(
        **parent_definition().to_request("team-b-base")
    )
    props = properties(child_definition(["team-b-base"]), table=runtime.table)
    on_event(create_event(props, logical_id="Child"), context)
    set_tuning_job_status("team-b-base", "InProgress")

    on_event(delete_event(props, "team-b-base", logical_id="Child"), context)

    assert runtime.describe("team-b-base")["HyperParameterTuningJobStatus"] == "InProgress"
    item = runtime.item("team-b-base")
    assert item is not None and item["external"] is True and "removed" not in item


def test_a_second_delete_is_a_no_op(
    runtime: Runtime, context: FakeContext, set_tuning_job_status: Any
) -> None:
    props = properties(parent_definition(), table=runtime.table)
    name = on_event(create_event(props), context)["PhysicalResourceId"]
    set_tuning_job_status(name, "InProgress")
    on_event(delete_event(props, name), context)
    first = runtime.item(name)

    on_event(delete_event(props, name), context)

    assert runtime.item(name) == first


# --------------------------------------------------------------------------- logging


def test_logs_are_json_lines_with_context_and_no_secrets(
    runtime: Runtime, context: FakeContext, capsys: pytest.CaptureFixture[str]
) -> None:
    definition = parent_definition(
        training=training(environment={"API_TOKEN": "s3cr3t-value-do-not-log"})
    )
    event = create_event(properties(definition, table=runtime.table))
    capsys.readouterr()

    answer = on_event(event, context)

    lines = capsys.readouterr().out.strip().splitlines()
    entries = [json.loads(line) for line in lines]
    assert entries, "the handler logged nothing"
    for entry in entries:
        assert entry["stackId"] == STACK_ID
        assert entry["logicalResourceId"] == "Job"
        assert entry["requestId"] == event["RequestId"]
    assert any(e.get("jobName") == answer["PhysicalResourceId"] for e in entries)
    output = "\n".join(lines)
    assert "X-Amz-Signature" not in output and "SECRET-SIGNATURE" not in output
    assert "s3cr3t-value-do-not-log" not in output
    assert "ResponseURL" not in output


def test_an_environment_value_never_reaches_a_failure_reason(
    runtime: Runtime, context: FakeContext, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "s3cr3t-" + "x" * 600
    definition = parent_definition(training=training(environment={"API_TOKEN": secret}))

    error = fail(create_event(properties(definition, table=runtime.table)), context)

    assert "training.environment" in str(error)
    assert "value redacted" in str(error)
    assert "s3cr3t" not in error.message
    assert "s3cr3t" not in capsys.readouterr().out


def test_stringify_turns_scalars_into_strings() -> None:
    assert stringify({"a": 1, "b": [True, 2.5], "c": {"d": False}}) == {
        "a": "1",
        "b": ["true", "2.5"],
        "c": {"d": "false"},
    }


def test_the_canned_parent_event_still_matches_the_model(
    runtime: Runtime, context: FakeContext
) -> None:
    """If the model's rendering changes, regenerate tests/runtime/events/create-parent.json."""
    event = canned("create-parent", TABLE=runtime.table)

    answer = on_event(event, context)

    assert event["ResourceProperties"]["Spec"] == spec(parent_definition())
    assert answer["Data"]["DefinitionHash"] == definition_hash(parent_definition())
    assert runtime.job_names() == [answer["PhysicalResourceId"]]
