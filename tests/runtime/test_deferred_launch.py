"""Deferred launch: a child whose parents still run waits, and is launched exactly once.

The custom-resource handler records the waiting child; the EventBridge handler
(state-change events and the scheduled sweep) launches it when its last parent is terminal.
Everything runs against moto (SageMaker, SNS, SQS) and dynalite over HTTP on 127.0.0.1.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from constructs_pkg.core.model import (
    Objective,
    WarmStartType,
    canonical_json,
    definition_hash,
    definition_spec,
)
from constructs_pkg.core.naming import generate_job_name
from constructs_pkg.runtime.aws import PropagationRetry, dynamodb_client, sagemaker_client
from constructs_pkg.runtime.errors import (
    DefinitionInvalidError,
    ParentIncompatibleError,
    ParentNotReadyError,
)
from constructs_pkg.runtime.events import handle_sweep
from constructs_pkg.runtime.handler import Services, on_event
from constructs_pkg.runtime.lineage import Lineage

from .definitions import child_definition
from .eventbridge import Launchers, launchers_fixture  # noqa: F401
from .events import STACK_ID, create_event, update_event
from .moto_ext import set_training_job_counters

MAX_RESPONSE_BYTES = 4096


def statuses(item: dict[str, Any] | None) -> list[str]:
    assert item is not None
    return [entry["status"] for entry in item["statusHistory"]]


def waiting_child(
    launchers: Launchers, parents: list[str], **props: Any
) -> tuple[str, dict[str, Any]]:
    child_props = launchers.child_properties(parents, **props)
    answer = launchers.deploy(child_props)
    assert answer["Data"]["LaunchState"] == "Waiting"
    return answer["PhysicalResourceId"], child_props


# --------------------------------------------------------------------------- deploy time


def test_a_child_of_a_running_parent_waits_and_the_deployment_succeeds(
    launchers: Launchers,
) -> None:
    """GIVEN a parent still InProgress WHEN its child is created THEN SUCCESS, recorded Waiting."""
    parent = launchers.launch_parent(status="InProgress")
    definition = child_definition([parent])
    props = launchers.child_properties([parent], tags={"team": "vision"})
    event = create_event(props, logical_id="Child")

    answer = on_event(event, launchers.context)

    name = generate_job_name("tuningstack-child", definition_hash(definition), event["RequestId"])
    assert answer == {
        "PhysicalResourceId": name,
        "Data": {
            "JobName": name,
            "JobArn": "",
            "DefinitionHash": definition_hash(definition),
            "LaunchState": "Waiting",
        },
    }
    assert len(json.dumps(answer).encode()) < MAX_RESPONSE_BYTES
    assert launchers.runtime.job_names() == [parent]
    assert launchers.creates == [parent]

    item = launchers.runtime.item(name)
    assert item is not None
    assert item["status"] == "Waiting"
    assert statuses(item) == ["Waiting"]
    assert item["waitingFor"] == [parent]
    assert item["parents"] == [parent]
    assert item["tags"] == {"team": "vision"}
    assert item["launchRequest"] == {
        "spec": canonical_json(definition_spec(definition)),
        "removalBehaviour": "stop",
    }
    assert "arn" not in item
    parent_item = launchers.runtime.item(parent)
    assert parent_item is not None and parent_item["children"] == frozenset({name})


def test_wait_for_parents_false_keeps_failing_fast(launchers: Launchers) -> None:
    parent = launchers.launch_parent(status="InProgress")
    props = launchers.child_properties([parent], WaitForParents="false")

    with pytest.raises(ParentNotReadyError):
        launchers.deploy(props)

    assert [i["name"] for i in launchers.runtime.items()] == [parent]


@pytest.mark.parametrize("value", ["yes", "1"])
def test_wait_for_parents_must_be_true_or_false(launchers: Launchers, value: str) -> None:
    parent = launchers.launch_parent(status="InProgress")
    props = launchers.child_properties([parent], WaitForParents=value)

    with pytest.raises(DefinitionInvalidError, match='`WaitForParents` must be "true" or "false"'):
        launchers.deploy(props)


def test_a_child_incompatible_with_its_running_parent_still_fails_at_deploy(
    launchers: Launchers,
) -> None:
    """Only "not finished yet" is deferred; every other warm-start problem fails now."""
    parent = launchers.launch_parent(status="InProgress")
    definition = child_definition([parent], objective=Objective.minimize("validation:accuracy"))

    with pytest.raises(ParentIncompatibleError, match=r"\[W6\]"):
        launchers.deploy(launchers.child_properties([parent], definition=definition))

    assert [i["name"] for i in launchers.runtime.items()] == [parent]


def test_the_same_create_redelivered_while_waiting_answers_the_same(
    launchers: Launchers,
) -> None:
    parent = launchers.launch_parent(status="InProgress")
    event = create_event(launchers.child_properties([parent]), logical_id="Child")

    first = on_event(event, launchers.context)
    second = on_event(event, launchers.context)

    assert second == first
    assert first["Data"]["LaunchState"] == "Waiting"
    assert statuses(launchers.runtime.item(first["PhysicalResourceId"])) == ["Waiting"]


# --------------------------------------------------------------------------- launch


def test_the_parent_finishing_launches_the_child_exactly_once(launchers: Launchers) -> None:
    parent = launchers.launch_parent(status="InProgress")
    child, _ = waiting_child(launchers, [parent], tags={"team": "vision"})

    event_answer = launchers.finish(parent)

    assert event_answer["launched"] == [child]
    assert launchers.creates.count(child) == 1
    described = launchers.runtime.describe(child)
    assert described["WarmStartConfig"] == {
        "WarmStartType": "IdenticalDataAndAlgorithm",
        "ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": parent}],
    }
    assert launchers.runtime.tags(child) == {"team": "vision"}
    item = launchers.runtime.item(child)
    assert item is not None
    assert item["status"] == "InProgress"
    assert item["arn"] == described["HyperParameterTuningJobArn"]
    assert statuses(item) == ["Waiting", "Launching", "InProgress"]
    assert item["launchClaim"]["by"].startswith("event:")
    assert "waitingFor" not in item
    parent_item = launchers.runtime.item(parent)
    assert parent_item is not None
    assert parent_item["status"] == "Completed"
    assert parent_item["lastDescribed"]["status"] == "Completed"

    # The same event again, and a sweep: nothing more is launched.
    launchers.set_status(child, "InProgress")  # moto's jobs are born Completed
    again = launchers.deliver(launchers.state_change(parent))
    swept = launchers.sweep()

    assert "launched" not in again and "launched" not in swept
    assert launchers.creates.count(child) == 1
    assert statuses(launchers.runtime.item(child)) == ["Waiting", "Launching", "InProgress"]


@pytest.mark.parametrize("order", ["first-then-second", "second-then-first"])
def test_two_parents_finishing_in_either_order(launchers: Launchers, order: str) -> None:
    first = launchers.launch_parent("ParentA", status="InProgress", name_prefix="parent-a")
    second = launchers.launch_parent("ParentB", status="InProgress", name_prefix="parent-b")
    child, _ = waiting_child(
        launchers,
        [first, second],
        definition=child_definition([first, second], WarmStartType.TRANSFER_LEARNING),
    )
    assert launchers.runtime.item(child)["waitingFor"] == [first, second]  # type: ignore[index]
    early, late = (first, second) if order == "first-then-second" else (second, first)

    answer = launchers.finish(early)

    assert answer["waiting"] == [child]
    assert launchers.creates.count(child) == 0
    item = launchers.runtime.item(child)
    assert item is not None and item["status"] == "Waiting"
    assert item["waitingFor"] == [late]

    answer = launchers.finish(late)

    assert answer["launched"] == [child]
    assert launchers.creates.count(child) == 1
    parents = launchers.runtime.describe(child)["WarmStartConfig"]
    assert parents["ParentHyperParameterTuningJobs"] == [
        {"HyperParameterTuningJobName": first},
        {"HyperParameterTuningJobName": second},
    ]


@pytest.mark.parametrize("status", ["Failed", "Stopped"])
def test_a_parent_that_ends_failed_or_stopped_still_launches_its_child(
    launchers: Launchers, status: str
) -> None:
    """DG-ws: Completed, Stopped and Failed are all terminal for warm start."""
    parent = launchers.launch_parent(status="InProgress")
    child, _ = waiting_child(launchers, [parent])

    answer = launchers.finish(
        parent, status, failure_reason="No training job succeeded after 5 attempts."
    )

    assert answer["launched"] == [child]
    assert launchers.creates.count(child) == 1
    parent_item = launchers.runtime.item(parent)
    assert parent_item is not None and parent_item["status"] == status


def test_a_lost_event_is_made_up_for_by_the_sweep(launchers: Launchers) -> None:
    parent = launchers.launch_parent(status="InProgress")
    child, _ = waiting_child(launchers, [parent])
    launchers.set_status(parent, "Completed")  # no event is delivered

    answer = launchers.sweep()

    assert answer["launched"] == [child]
    assert launchers.creates.count(child) == 1
    item = launchers.runtime.item(child)
    assert item is not None and item["launchClaim"]["by"] == "sweep"
    parent_item = launchers.runtime.item(parent)
    assert parent_item is not None and parent_item["status"] == "Completed"

    assert "launched" not in launchers.sweep()
    assert launchers.creates.count(child) == 1


def test_duplicate_and_out_of_order_events_launch_once(launchers: Launchers) -> None:
    parent = launchers.launch_parent(status="InProgress")
    child, _ = waiting_child(launchers, [parent])
    running = launchers.state_change(parent)
    launchers.set_status(parent, "Completed")
    done = launchers.state_change(parent)

    results = [launchers.deliver(e) for e in (done, done, running, done)]

    assert [r.get("launched") for r in results] == [[child], None, None, None]
    assert launchers.creates.count(child) == 1
    assert statuses(launchers.runtime.item(parent)) == ["Launching", "InProgress", "Completed"]


def test_racing_launchers_send_one_create(launchers: Launchers) -> None:
    """An event and a sweep reach the claim at the same moment: one Create, one winner."""
    parent = launchers.launch_parent(status="InProgress")
    child, _ = waiting_child(launchers, [parent])
    launchers.set_status(parent, "Completed")
    event = launchers.state_change(parent)
    barrier = threading.Barrier(2, timeout=20)

    def hold_at_claim(params: dict[str, Any], **_: Any) -> None:
        if ":waitingStatus" in params.get("ExpressionAttributeValues", {}) and (
            "#launchClaim" in params.get("UpdateExpression", "")
        ):
            barrier.wait()

    dynamodb_client().meta.events.register(
        "before-parameter-build.dynamodb.UpdateItem", hold_at_claim
    )
    results: dict[str, Any] = {}

    def run(label: str, action: Any) -> None:
        try:
            results[label] = action()
        except Exception as exc:  # reported below
            results[label] = exc

    threads = [
        threading.Thread(target=run, args=("event", lambda: launchers.deliver(event))),
        threading.Thread(target=run, args=("sweep", launchers.sweep)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert all(isinstance(r, dict) for r in results.values()), results
    assert sorted(len(r.get("launched", [])) for r in results.values()) == [0, 1]
    assert sorted(len(r.get("skipped", [])) for r in results.values()) == [0, 1]
    assert launchers.creates.count(child) == 1
    assert launchers.runtime.job_names() == sorted([parent, child])
    assert statuses(launchers.runtime.item(child)) == ["Waiting", "Launching", "InProgress"]


def test_a_handler_launches_only_its_own_stacks_children(
    launchers: Launchers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lineage table shared by two stacks: each stack's handler launches its own jobs."""
    parent = launchers.launch_parent(status="InProgress")
    child, _ = waiting_child(launchers, [parent])
    monkeypatch.setenv("STACK_ID", STACK_ID.replace("TuningStack", "OtherStack"))

    answer = launchers.finish(parent)

    assert answer["skipped"] == [child]
    assert "launched" not in launchers.sweep()
    assert launchers.creates.count(child) == 0
    assert launchers.runtime.item(parent)["status"] == "Completed"  # type: ignore[index]

    monkeypatch.setenv("STACK_ID", STACK_ID)
    assert launchers.sweep()["launched"] == [child]


# --------------------------------------------------------------------------- cancel, update


def test_a_child_deleted_while_waiting_is_cancelled_and_never_launched(
    launchers: Launchers,
) -> None:
    parent = launchers.launch_parent(status="InProgress")
    child, props = waiting_child(launchers, [parent])

    launchers.delete(props, child)

    item = launchers.runtime.item(child)
    assert item is not None
    assert item["status"] == "Cancelled"
    assert statuses(item) == ["Waiting", "Cancelled"]
    assert item["removed"]["action"] == "cancelled"
    assert "waitingFor" not in item

    launchers.finish(parent)
    launchers.sweep()
    launchers.delete(props, child)  # a repeated Delete is a no-op

    assert launchers.creates.count(child) == 0
    assert launchers.runtime.job_names() == [parent]
    assert launchers.runtime.item(child)["status"] == "Cancelled"  # type: ignore[index]


def test_a_tags_update_while_waiting_changes_what_will_be_launched(
    launchers: Launchers,
) -> None:
    parent = launchers.launch_parent(status="InProgress")
    child, props = waiting_child(launchers, [parent], tags={"team": "vision"})
    new_props = {**props, "Tags": json.dumps({"team": "vision", "cost-centre": "42"})}

    answer = on_event(update_event(props, new_props, child, logical_id="Child"), launchers.context)

    assert answer["PhysicalResourceId"] == child
    assert answer["Data"]["LaunchState"] == "Waiting"
    launchers.finish(parent)
    assert launchers.runtime.tags(child) == {"team": "vision", "cost-centre": "42"}


def test_a_child_of_a_waiting_parent_waits_for_it_too(launchers: Launchers) -> None:
    """Three generations in one deployment: the middle one is not in SageMaker yet."""
    first = launchers.launch_parent(status="InProgress")
    second, _ = waiting_child(launchers, [first], name_prefix="second")
    third, _ = waiting_child(
        launchers, [second], definition=child_definition([second]), name_prefix="third"
    )

    item = launchers.runtime.item(third)
    assert item is not None and item["waitingFor"] == [second]
    with pytest.raises(ParentNotReadyError, match=f"'{second}' is Waiting"):
        launchers.deploy(launchers.child_properties([second], WaitForParents="false"))

    assert launchers.finish(first)["launched"] == [second]
    assert launchers.creates.count(third) == 0
    assert launchers.finish(second)["launched"] == [third]
    assert launchers.creates.count(third) == 1


# --------------------------------------------------------------------------- failures


def test_a_launch_rejected_by_the_preflight_checks_is_recorded_and_published(
    launchers: Launchers,
) -> None:
    """W11: the parent ran more training jobs by the time it finished than at deploy."""
    parent = launchers.launch_parent(status="InProgress")
    set_training_job_counters(launchers.runtime.moto_backend, parent, Completed=10)
    child, props = waiting_child(launchers, [parent])
    set_training_job_counters(launchers.runtime.moto_backend, parent, Completed=740)

    answer = launchers.finish(parent)

    assert answer["failed"] == [child]
    assert answer["notified"] == [child]
    assert launchers.creates.count(child) == 0
    assert launchers.runtime.job_names() == [parent]
    item = launchers.runtime.item(child)
    assert item is not None
    assert item["status"] == "LaunchFailed"
    assert statuses(item) == ["Waiting", "Launching", "LaunchFailed"]
    assert "[W11]" in item["failureReason"]
    assert item["launchFailureNotice"]["status"] == "sent"
    notices = launchers.notices()
    assert len(notices) == 1
    notice = notices[0]
    assert notice["subject"] == f"Tuning job {child} was not launched"
    assert notice["event"] == "TuningJobLaunchFailed"
    assert notice["jobName"] == child
    assert notice["lineageTable"] == launchers.runtime.table
    assert notice["parents"] == [parent]
    assert notice["reason"] == item["failureReason"]
    assert notice["logicalId"] == "Child"

    # Later events and sweeps neither retry the launch nor publish again.
    launchers.deliver(launchers.state_change(parent))
    launchers.sweep()
    assert launchers.creates.count(child) == 0
    assert launchers.notices() == []

    # A later stack update of the same job says so.
    answer = on_event(update_event(props, props, child, logical_id="Child"), launchers.context)
    assert answer["Data"]["LaunchState"] == "LaunchFailed"


def test_a_create_refused_by_sagemaker_is_recorded_and_published(launchers: Launchers) -> None:
    parent = launchers.launch_parent(status="InProgress")
    child, _ = waiting_child(launchers, [parent])
    _refuse_creates(
        "ResourceLimitExceeded",
        "The account-level service limit 'Number of concurrent hyperparameter tuning jobs' "
        "is 100 Jobs.",
    )

    answer = launchers.finish(parent)

    assert answer["failed"] == [child]
    item = launchers.runtime.item(child)
    assert item is not None and item["status"] == "LaunchFailed"
    assert "account limit" in item["failureReason"]
    (notice,) = launchers.notices()
    assert notice["jobName"] == child
    assert "ResourceLimitExceeded" not in notice["subject"]
    assert notice["reason"] == item["failureReason"]


def test_a_notice_that_could_not_be_published_is_published_by_the_sweep(
    launchers: Launchers, monkeypatch: pytest.MonkeyPatch
) -> None:
    parent = launchers.launch_parent(status="InProgress")
    set_training_job_counters(launchers.runtime.moto_backend, parent, Completed=10)
    child, _ = waiting_child(launchers, [parent])
    set_training_job_counters(launchers.runtime.moto_backend, parent, Completed=745)
    topic = launchers.topic_arn
    monkeypatch.delenv("LAUNCH_FAILURE_TOPIC_ARN")

    answer = launchers.finish(parent)

    assert answer["failed"] == [child] and "notified" not in answer
    item = launchers.runtime.item(child)
    assert item is not None and item["launchFailureNotice"]["status"] == "pending"
    assert launchers.notices() == []

    monkeypatch.setenv("LAUNCH_FAILURE_TOPIC_ARN", topic)
    assert launchers.sweep()["notified"] == [child]
    assert [n["jobName"] for n in launchers.notices()] == [child]
    assert launchers.sweep().get("notified") is None


def test_a_transient_create_failure_is_retried_by_the_sweep(launchers: Launchers) -> None:
    parent = launchers.launch_parent(status="InProgress")
    child, _ = waiting_child(launchers, [parent])
    stop = _refuse_creates("ThrottlingException", "Rate exceeded", status=400)

    answer = launchers.finish(parent)

    assert answer["retrying"] == [child]
    item = launchers.runtime.item(child)
    assert item is not None and item["status"] == "Launching"
    assert "Rate exceeded" in item["lastLaunchError"]["error"]

    stop()
    answer = launchers.sweep()

    assert answer["launched"] == [child]
    item = launchers.runtime.item(child)
    assert item is not None and item["status"] == "InProgress"
    assert item["launchClaim"]["attempt"] == 2
    assert launchers.runtime.job_names() == sorted([parent, child])


def test_a_launcher_that_died_holding_the_claim_is_taken_over_after_the_lease(
    launchers: Launchers,
) -> None:
    parent = launchers.launch_parent(status="InProgress")
    child, _ = waiting_child(launchers, [parent])
    launchers.set_status(parent, "Completed")
    lineage = Lineage(dynamodb_client(), launchers.runtime.table)
    assert lineage.claim_waiting(child, "launch-dead", "event:lost")  # ... and then it died

    assert "launched" not in launchers.sweep()  # the claim still holds

    later = Services(
        sagemaker=sagemaker_client(),
        dynamodb=dynamodb_client(),
        clock=lambda: datetime.now(UTC) + timedelta(minutes=21),
        retry=PropagationRetry(),
    )
    answer = handle_sweep({"detail-type": "Scheduled Event"}, launchers.context, later)

    assert answer["launched"] == [child]
    assert launchers.creates.count(child) == 1
    item = launchers.runtime.item(child)
    assert item is not None and item["launchClaim"]["attempt"] == 2


def test_a_job_deleted_from_its_stack_during_its_launch_is_stopped(
    launchers: Launchers,
) -> None:
    parent = launchers.launch_parent(status="InProgress")
    child, props = waiting_child(launchers, [parent])

    def delete_meanwhile(params: dict[str, Any], **_: Any) -> None:
        launchers.delete(props, child)  # the record says Launching: cannot be cancelled

    def running_at_once(http_response: Any, parsed: dict[str, Any], **_: Any) -> None:
        launchers.set_status(child, "InProgress")

    client = sagemaker_client()
    client.meta.events.register_first(
        "before-parameter-build.sagemaker.CreateHyperParameterTuningJob", delete_meanwhile
    )
    client.meta.events.register(
        "after-call.sagemaker.CreateHyperParameterTuningJob", running_at_once
    )

    launchers.finish(parent)

    assert launchers.runtime.describe(child)["HyperParameterTuningJobStatus"] == "Stopping"
    item = launchers.runtime.item(child)
    assert item is not None
    assert item["removed"]["action"] == "stopped"
    assert item["arn"].endswith(f"/{child}")


# --------------------------------------------------------------------------- helpers


def _refuse_creates(code: str, message: str, status: int = 400) -> Callable[[], None]:
    """Make the handlers' Create calls fail with ``code`` until the returned stop() is called.

    A ``before-call`` handler that returns a response stands in for the HTTP exchange.
    """

    def refuse(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        response = AWSResponse("http://127.0.0.1:9", status, {}, None)  # type: ignore[arg-type]
        return response, {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status},
        }

    events = sagemaker_client().meta.events
    events.register("before-call.sagemaker.CreateHyperParameterTuningJob", refuse)

    def stop() -> None:
        events.unregister("before-call.sagemaker.CreateHyperParameterTuningJob", refuse)

    return stop
