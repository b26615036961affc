"""State-change events keep each known job's lineage record current, and never move it back.

The event lacks the best training job and the failure reason, so the handler describes the
job; writes are ordered by ``LastModifiedTime`` and a terminal status is final.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from constructs_pkg.runtime.aws import sagemaker_client
from constructs_pkg.runtime.errors import RequestInvalidError
from constructs_pkg.runtime.lineage import JobSnapshot, LaunchRecord, Lineage

from .conftest import Runtime
from .definitions import parent_definition
from .eventbridge import Launchers, launchers_fixture  # noqa: F401
from .moto_ext import set_training_job_counters

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def best_job(name: str, value: float, metric: str = "validation:accuracy") -> dict[str, Any]:
    """A ``HyperParameterTrainingJobSummary`` as Describe returns it."""
    return {
        "TrainingJobName": name,
        "TrainingJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{name}",
        "CreationTime": T0,
        "TrainingJobStatus": "Completed",
        "TunedHyperParameters": {"learning_rate": "0.01", "momentum": "0.9"},
        "FinalHyperParameterTuningJobObjectiveMetric": {
            "Type": "Maximize",
            "MetricName": metric,
            "Value": value,
        },
        "ObjectiveStatus": "Succeeded",
    }


def test_events_keep_a_launched_jobs_record_current(launchers: Launchers) -> None:
    name = launchers.launch_parent()
    launchers.set_status(name, "InProgress")
    set_training_job_counters(launchers.runtime.moto_backend, name, Completed=3, InProgress=2)

    answer = launchers.deliver(launchers.state_change(name))

    assert answer["tracked"] == {launchers.runtime.table: "updated"}
    item = launchers.runtime.item(name)
    assert item is not None
    assert item["status"] == "InProgress"
    assert [h["status"] for h in item["statusHistory"]] == ["Launching", "InProgress"]
    assert item["trainingJobCounters"] == {
        "Completed": 3,
        "InProgress": 2,
        "RetryableError": 0,
        "NonRetryableError": 0,
        "Stopped": 0,
    }
    assert item["lastModifiedAt"].endswith("Z")

    job = launchers.job(name)
    job.best_training_job = best_job(f"{name}-007-0e830ada", 0.91)
    set_training_job_counters(launchers.runtime.moto_backend, name, Completed=10)
    launchers.finish(name)

    item = launchers.runtime.item(name)
    assert item is not None
    assert item["status"] == "Completed"
    assert [h["status"] for h in item["statusHistory"]] == ["Launching", "InProgress", "Completed"]
    assert item["bestTrainingJob"] == {
        "name": f"{name}-007-0e830ada",
        "status": "Completed",
        "objectiveMetric": "validation:accuracy",
        "objectiveValue": 0.91,
    }
    assert item["trainingJobCounters"]["Completed"] == 10
    assert item["endedAt"].endswith("Z")


def test_identical_data_and_algorithm_children_record_the_overall_best(
    launchers: Launchers,
) -> None:
    parent = launchers.launch_parent()
    child = launchers.deploy(launchers.child_properties([parent]))["PhysicalResourceId"]
    job = launchers.job(child)
    job.best_training_job = best_job(f"{child}-003-1a2b3c4d", 0.88)
    job.OverallBestTrainingJob = best_job(f"{parent}-007-0e830ada", 0.91)

    launchers.finish(child)

    item = launchers.runtime.item(child)
    assert item is not None
    assert item["bestTrainingJob"]["objectiveValue"] == 0.88
    assert item["overallBestTrainingJob"] == {
        "name": f"{parent}-007-0e830ada",
        "status": "Completed",
        "objectiveMetric": "validation:accuracy",
        "objectiveValue": 0.91,
    }


def test_a_failed_job_records_why(launchers: Launchers) -> None:
    name = launchers.launch_parent(status="InProgress")
    reason = (
        "No training job succeeded after 5 attempts. Please take a look at the training job "
        "failures to get more details."
    )

    launchers.finish(name, "Failed", failure_reason=reason)

    item = launchers.runtime.item(name)
    assert item is not None
    assert item["status"] == "Failed"
    assert item["failureReason"] == reason


def test_duplicate_and_older_events_change_nothing(launchers: Launchers) -> None:
    name = launchers.launch_parent(status="InProgress")
    running = launchers.state_change(name)
    launchers.deliver(running)
    launchers.set_status(name, "Completed")
    done = launchers.state_change(name)
    launchers.deliver(done)
    before = launchers.runtime.item(name)

    again = launchers.deliver(done)
    older = launchers.deliver(running)

    assert again["tracked"] == {launchers.runtime.table: "final"}
    assert older["tracked"] == {launchers.runtime.table: "final"}
    assert launchers.runtime.item(name) == before
    assert [h["status"] for h in before["statusHistory"]] == [  # type: ignore[index]
        "Launching",
        "InProgress",
        "Completed",
    ]


def test_an_event_for_a_job_no_table_knows_is_ignored(launchers: Launchers) -> None:
    launchers.runtime.sagemaker.create_hyper_parameter_tuning_job(
        **parent_definition().to_request("someone-elses-job")
    )
    describes: list[str] = []
    sagemaker_client().meta.events.register(
        "before-parameter-build.sagemaker.DescribeHyperParameterTuningJob",
        lambda params, **_: describes.append(params["HyperParameterTuningJobName"]),
    )

    answer = launchers.deliver(launchers.state_change("someone-elses-job"))

    assert answer == {"job": "someone-elses-job"}
    assert describes == []
    assert launchers.runtime.items() == []


def test_a_parent_seen_only_by_name_is_tracked_too(launchers: Launchers) -> None:
    launchers.runtime.sagemaker.create_hyper_parameter_tuning_job(
        **parent_definition().to_request("team-b-base")
    )
    launchers.set_status("team-b-base", "InProgress")
    child = launchers.deploy(launchers.child_properties(["team-b-base"]))["PhysicalResourceId"]
    external = launchers.runtime.item("team-b-base")
    assert external is not None and external["external"] is True and "status" not in external

    answer = launchers.finish("team-b-base")

    assert answer["launched"] == [child]
    external = launchers.runtime.item("team-b-base")
    assert external is not None
    assert external["status"] == "Completed"
    assert external["external"] is True
    assert [h["status"] for h in external["statusHistory"]] == ["Completed"]


def test_when_describe_fails_the_event_itself_is_recorded(launchers: Launchers) -> None:
    name = launchers.launch_parent(status="InProgress")
    event = launchers.state_change(name, status="Stopped")
    launchers.runtime.sagemaker.delete_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)

    launchers.deliver(event)

    item = launchers.runtime.item(name)
    assert item is not None
    assert item["status"] == "Stopped"
    assert item["trainingJobCounters"]["Completed"] == 4  # the canned event's counters


def test_an_event_of_another_kind_is_refused(launchers: Launchers) -> None:
    event = launchers.state_change(launchers.launch_parent())
    event["detail-type"] = "SageMaker Training Job State Change"

    with pytest.raises(RequestInvalidError, match="not a 'SageMaker HyperParameter"):
        launchers.deliver(event)


def test_the_handler_needs_to_know_its_tables(
    launchers: Launchers, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = launchers.state_change(launchers.launch_parent())
    monkeypatch.delenv("LINEAGE_TABLE_NAMES")

    with pytest.raises(RequestInvalidError, match="LINEAGE_TABLE_NAMES is empty"):
        launchers.deliver(event)


# --------------------------------------------------------------------------- the store alone


@pytest.fixture
def lineage(runtime: Runtime) -> Lineage:
    store = Lineage(runtime.dynamodb, runtime.table, clock=lambda: T0)
    store.claim(
        LaunchRecord(
            name="Churn-Base-1",
            definition_hash="0123456789abcdef",
            stack_id="stack",
            logical_id="Base",
            request_id="req-1",
        )
    )
    store.mark_launched(
        "Churn-Base-1", "arn:aws:sagemaker:us-east-1:1:hyper-parameter-tuning-job/x"
    )
    return store


def seen(status: str, minutes: int, **counters: int) -> JobSnapshot:
    return JobSnapshot(
        status=status,
        training_job_counters=dict(counters),
        last_modified_time=T0 + timedelta(minutes=minutes),
    )


def test_record_state_orders_by_last_modified_time(lineage: Lineage, runtime: Runtime) -> None:
    assert lineage.record_state("churn-base-1", seen("InProgress", 5, Completed=2)) == "updated"
    assert lineage.record_state("churn-base-1", seen("InProgress", 3, Completed=1)) == "stale"
    assert lineage.record_state("churn-base-1", seen("InProgress", 5, Completed=9)) == "stale"
    assert lineage.record_state("churn-base-1", seen("Stopping", 8, Completed=3)) == "updated"
    assert lineage.record_state("churn-base-1", seen("InProgress", 7, Completed=3)) == "stale"

    item = runtime.item("churn-base-1")
    assert item is not None
    assert item["status"] == "Stopping"
    assert item["trainingJobCounters"] == {"Completed": 3}
    assert [h["status"] for h in item["statusHistory"]] == ["Launching", "InProgress", "Stopping"]


def test_a_terminal_status_is_final(lineage: Lineage, runtime: Runtime) -> None:
    assert lineage.record_state("churn-base-1", seen("Completed", 5)) == "updated"
    assert lineage.record_state("churn-base-1", seen("InProgress", 9)) == "final"
    assert lineage.record_state("churn-base-1", seen("Stopped", 10)) == "final"

    assert runtime.item("churn-base-1")["status"] == "Completed"  # type: ignore[index]


def test_records_without_a_job_are_never_tracked(lineage: Lineage, runtime: Runtime) -> None:
    store = Lineage(runtime.dynamodb, runtime.table, clock=lambda: T0)
    store.claim(
        LaunchRecord(
            name="waiting-1",
            definition_hash="0123456789abcdef",
            stack_id="stack",
            logical_id="Child",
            request_id="req-2",
            parents=("churn-base-1",),
            waiting_for=("churn-base-1",),
            launch_request={"spec": "{}", "removalBehaviour": "stop"},
        )
    )

    assert store.record_state("waiting-1", seen("InProgress", 1)) == "final"
    assert store.record_state("nobody", seen("InProgress", 1)) == "unknown"
    assert runtime.item("nobody") is None
