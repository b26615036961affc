"""The lineage store against dynalite, which is stricter than moto's DynamoDB."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from constructs_pkg.runtime.errors import AwsCallFailedError, LineageError
from constructs_pkg.runtime.lineage import (
    MAX_ITEM_BYTES,
    PARTITION_KEY,
    JobSnapshot,
    LaunchRecord,
    LaunchStatus,
    Lineage,
    check_item_size,
    from_attribute,
    item_key,
    table_key_schema,
    to_attribute,
)

from .conftest import Runtime
from .events import STACK_ID

NOW = datetime(2026, 1, 2, 3, 4, 5, 678_000, tzinfo=UTC)


def record(name: str = "Churn-Base-1", **overrides: Any) -> LaunchRecord:
    values: dict[str, Any] = {
        "name": name,
        "definition_hash": "0123456789abcdef",
        "stack_id": STACK_ID,
        "logical_id": "Parent",
        "request_id": "req-1",
        "construct_path": "TuningStack/Parent",
        "tags": {"team": "vision"},
    }
    return LaunchRecord(**(values | overrides))


@pytest.fixture
def lineage(runtime: Runtime) -> Lineage:
    return Lineage(runtime.dynamodb, runtime.table, clock=lambda: NOW)


class TestTableKeySchema:
    def test_the_table_has_one_string_partition_key_named_pk(self) -> None:
        assert PARTITION_KEY == "pk"
        assert table_key_schema() == {
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        }

    def test_keys_are_lower_case_because_sagemaker_ignores_case(self) -> None:
        assert item_key("Churn-Base-1") == "job#churn-base-1"


class TestClaim:
    def test_the_first_record_is_written_whole(self, lineage: Lineage, runtime: Runtime) -> None:
        assert lineage.claim(record()) is None

        item = runtime.item("churn-base-1")
        assert item == {
            "pk": "job#churn-base-1",
            "itemVersion": 1,
            "name": "Churn-Base-1",
            "external": False,
            "stackId": STACK_ID,
            "logicalId": "Parent",
            "constructPath": "TuningStack/Parent",
            "requestId": "req-1",
            "definitionHash": "0123456789abcdef",
            "parents": [],
            "status": "Launching",
            "statusHistory": [{"status": "Launching", "at": "2026-01-02T03:04:05.678Z"}],
            "tags": {"team": "vision"},
            "createdAt": "2026-01-02T03:04:05.678Z",
            "updatedAt": "2026-01-02T03:04:05.678Z",
        }

    def test_a_second_claim_returns_the_first_record_unchanged(
        self, lineage: Lineage, runtime: Runtime
    ) -> None:
        lineage.claim(record())

        existing = lineage.claim(record("CHURN-BASE-1", definition_hash="ffffffffffffffff"))

        assert existing is not None
        assert existing.definition_hash == "0123456789abcdef"
        assert runtime.item("churn-base-1")["name"] == "Churn-Base-1"  # type: ignore[index]

    def test_a_record_of_a_refused_launch_is_replaced(
        self, lineage: Lineage, runtime: Runtime
    ) -> None:
        lineage.claim(record())
        lineage.mark_launch_failed("Churn-Base-1", "SageMaker rejected it")

        assert (
            lineage.claim(record(definition_hash="ffffffffffffffff", request_id="req-2")) is None
        )

        item = runtime.item("churn-base-1")
        assert item is not None
        assert item["definitionHash"] == "ffffffffffffffff"
        assert item["status"] == "Launching"

    def test_a_launched_job_is_never_marked_refused(
        self, lineage: Lineage, runtime: Runtime
    ) -> None:
        lineage.claim(record())
        lineage.mark_launched(
            "Churn-Base-1",
            "arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/churn-base-1",
        )

        with pytest.raises(AwsCallFailedError, match="ConditionalCheckFailedException"):
            lineage.mark_launch_failed("Churn-Base-1", "too late")

        assert runtime.item("churn-base-1")["status"] == "InProgress"  # type: ignore[index]

    def test_an_item_too_large_is_refused_before_writing(
        self, lineage: Lineage, runtime: Runtime
    ) -> None:
        tags = {f"key-{i:03}": "v" * 256 for i in range(2000)}

        with pytest.raises(LineageError) as info:
            lineage.claim(record(tags=tags))

        assert "over DynamoDB's 409,600-byte item limit" in str(info.value)
        assert runtime.items() == []

    def test_withdraw_deletes_only_this_requests_unlaunched_record(
        self, lineage: Lineage, runtime: Runtime
    ) -> None:
        lineage.claim(record())

        lineage.withdraw("Churn-Base-1", "another-request")
        assert runtime.item("churn-base-1") is not None

        lineage.withdraw("Churn-Base-1", "req-1")
        assert runtime.item("churn-base-1") is None


class TestUpdatePath:
    """B25: every attribute goes through ExpressionAttributeNames, reserved words included."""

    def test_dynalite_rejects_a_reserved_word_used_bare(self, runtime: Runtime) -> None:
        runtime.dynamodb.put_item(TableName=runtime.table, Item={"pk": {"S": "job#x"}})

        with pytest.raises(ClientError) as info:
            runtime.dynamodb.update_item(
                TableName=runtime.table,
                Key={"pk": {"S": "job#x"}},
                UpdateExpression="SET status = :s, name = :n",
                ExpressionAttributeValues={":s": {"S": "InProgress"}, ":n": {"S": "x"}},
            )

        assert "reserved keyword" in str(info.value)

    def test_reserved_word_attributes_are_written_by_updates(
        self, lineage: Lineage, runtime: Runtime
    ) -> None:
        lineage.claim(record())
        lineage.mark_launched(
            "Churn-Base-1",
            "arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/churn-base-1",
        )
        seen = JobSnapshot(
            status="Stopped",
            training_job_counters={"Completed": 7, "Stopped": 2},
            best_training_job={"name": "churn-base-1-007-0e830ada", "objectiveValue": 0.91},
            failure_reason="stopped by the stack",
        )

        lineage.mark_removed(
            "Churn-Base-1",
            behaviour="stop",
            action="stopped",
            seen=seen,
            previous_status="InProgress",
        )

        raw = runtime.raw_item("churn-base-1")
        assert raw["status"] == {"S": "Stopped"}
        assert raw["name"] == {"S": "Churn-Base-1"}
        assert raw["removed"] == {
            "M": {
                "at": {"S": "2026-01-02T03:04:05.678Z"},
                "behaviour": {"S": "stop"},
                "action": {"S": "stopped"},
            }
        }
        item = runtime.item("churn-base-1")
        assert item is not None
        assert item["trainingJobCounters"] == {"Completed": 7, "Stopped": 2}
        assert item["bestTrainingJob"] == {
            "name": "churn-base-1-007-0e830ada",
            "objectiveValue": 0.91,
        }
        assert item["failureReason"] == "stopped by the stack"
        assert [h["status"] for h in item["statusHistory"]] == [
            "Launching",
            "InProgress",
            "Stopped",
        ]

    def test_updates_never_create_a_partial_item(self, lineage: Lineage, runtime: Runtime) -> None:
        found = lineage.update_in_place(
            "nobody", tags={}, construct_path="x", seen=None, previous_status=None
        )

        assert found is False
        assert runtime.items() == []

    def test_tags_removed_entirely_leave_no_empty_map(
        self, lineage: Lineage, runtime: Runtime
    ) -> None:
        lineage.claim(record())

        lineage.update_in_place(
            "Churn-Base-1", tags={}, construct_path="", seen=None, previous_status=None
        )

        assert "tags" not in runtime.raw_item("churn-base-1")


class TestParentsAndChildren:
    def test_a_parent_seen_only_by_name_gets_a_minimal_external_item(
        self, lineage: Lineage, runtime: Runtime
    ) -> None:
        seen = JobSnapshot(
            status="Completed", training_job_counters={"Completed": 40, "Stopped": 2}
        )

        lineage.link_parent("Team-B-Base", "child-1", parent_arn="arn:parent", seen=seen)
        lineage.link_parent("Team-B-Base", "child-2", parent_arn="arn:parent", seen=seen)
        lineage.link_parent("Team-B-Base", "child-2", parent_arn="arn:parent", seen=seen)

        item = runtime.item("team-b-base")
        assert item == {
            "pk": "job#team-b-base",
            "itemVersion": 1,
            "name": "Team-B-Base",
            "external": True,
            "arn": "arn:parent",
            "children": frozenset({"child-1", "child-2"}),
            "createdAt": "2026-01-02T03:04:05.678Z",
            "updatedAt": "2026-01-02T03:04:05.678Z",
            "lastDescribed": {
                "status": "Completed",
                "trainingJobsLaunched": 42,
                "at": "2026-01-02T03:04:05.678Z",
            },
        }

    def test_a_parent_launched_by_the_library_stays_ours(
        self, lineage: Lineage, runtime: Runtime
    ) -> None:
        lineage.claim(record())

        lineage.link_parent(
            "churn-base-1", "child-1", parent_arn="arn:other", seen=JobSnapshot("Completed")
        )

        item = runtime.item("churn-base-1")
        assert item is not None
        assert item["external"] is False
        assert item["name"] == "Churn-Base-1"
        assert item["children"] == frozenset({"child-1"})
        assert item["arn"] == "arn:other"

    def test_dynalite_rejects_an_empty_string_set(self, runtime: Runtime) -> None:
        """Why the store never writes one (moto's DynamoDB would accept it)."""
        with pytest.raises(ClientError):
            runtime.dynamodb.put_item(
                TableName=runtime.table, Item={"pk": {"S": "job#x"}, "children": {"SS": []}}
            )


class TestAttributeValues:
    def test_values_round_trip(self) -> None:
        value = {
            "s": "text",
            "n": 3,
            "f": 0.25,
            "b": True,
            "l": ["a", 1],
            "m": {"k": "v"},
            "ss": frozenset({"x", "y"}),
        }
        assert from_attribute(to_attribute(value)) == value

    def test_empty_strings_and_none_are_left_out_of_maps(self) -> None:
        assert to_attribute({"a": "", "b": None, "c": "x"}) == {"M": {"c": {"S": "x"}}}

    def test_an_empty_set_is_refused(self) -> None:
        with pytest.raises(ValueError, match="no empty set"):
            to_attribute(frozenset())

    def test_the_size_check_counts_names_and_values(self) -> None:
        check_item_size("job", {"a": {"S": "x" * (MAX_ITEM_BYTES - 1)}})
        with pytest.raises(LineageError):
            check_item_size("job", {"ab": {"S": "x" * (MAX_ITEM_BYTES - 1)}})


def test_a_missing_table_is_named_in_the_error(runtime: Runtime) -> None:
    lineage = Lineage(runtime.dynamodb, "no-such-table", clock=lambda: NOW)

    with pytest.raises(AwsCallFailedError) as info:
        lineage.claim(record())

    assert (
        "failed to record the lineage item of tuning job 'Churn-Base-1' in table 'no-such-table'"
        in str(info.value)
    )
    assert "check that the lineage table exists" in str(info.value)


def test_launch_statuses_are_not_sagemaker_statuses() -> None:
    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker")
    statuses = set(model.shape_for("HyperParameterTuningJobStatus").enum)
    assert not {s.value for s in LaunchStatus} & statuses
