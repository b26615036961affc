"""Fixtures for the runtime tests: moto (SageMaker) and dynalite (DynamoDB) on loopback.

``runtime`` gives each test an empty moto, a fresh lineage table in dynalite created from
:func:`constructs_pkg.runtime.lineage.table_key_schema`, and handler clients created anew
from the endpoints that ``aws_endpoints`` sets.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from constructs_pkg.runtime.aws import reset_clients
from constructs_pkg.runtime.lineage import (
    PARTITION_KEY,
    from_attribute,
    item_key,
    table_key_schema,
)

from . import moto_ext


@pytest.fixture(scope="session", autouse=True)
def _moto_extensions() -> None:
    moto_ext.install()


@dataclass
class FakeContext:
    """The parts of the Lambda context object the handler reads."""

    log_stream_name: str = "2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef"
    aws_request_id: str = "4f0a6c1e-0000-4000-8000-000000000000"
    remaining_millis: int = 300_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_millis


@dataclass
class Runtime:
    """The servers behind the handler, and what the tests read back from them."""

    endpoints: Any
    table: str
    moto_backend: Any = field(repr=False)

    @property
    def sagemaker(self) -> Any:
        return self.endpoints.sagemaker

    @property
    def dynamodb(self) -> Any:
        return self.endpoints.dynamodb

    def job_names(self) -> list[str]:
        response = self.sagemaker.list_hyper_parameter_tuning_jobs(MaxResults=100)
        return sorted(
            s["HyperParameterTuningJobName"] for s in response["HyperParameterTuningJobSummaries"]
        )

    def describe(self, name: str) -> dict[str, Any]:
        response: dict[str, Any] = self.sagemaker.describe_hyper_parameter_tuning_job(
            HyperParameterTuningJobName=name
        )
        return response

    def tags(self, name: str) -> dict[str, str]:
        arn = self.describe(name)["HyperParameterTuningJobArn"]
        response = self.sagemaker.list_tags(ResourceArn=arn)
        return {t["Key"]: t["Value"] for t in response["Tags"]}

    def item(self, name: str) -> dict[str, Any] | None:
        response = self.dynamodb.get_item(
            TableName=self.table, Key={PARTITION_KEY: {"S": item_key(name)}}, ConsistentRead=True
        )
        if "Item" not in response:
            return None
        value: dict[str, Any] = from_attribute({"M": response["Item"]})  # type: ignore[assignment]
        return value

    def raw_item(self, name: str) -> dict[str, Any]:
        response = self.dynamodb.get_item(
            TableName=self.table, Key={PARTITION_KEY: {"S": item_key(name)}}, ConsistentRead=True
        )
        item: dict[str, Any] = response["Item"]
        return item

    def items(self) -> list[dict[str, Any]]:
        response = self.dynamodb.scan(TableName=self.table, ConsistentRead=True)
        return [from_attribute({"M": i}) for i in response["Items"]]  # type: ignore[misc]


@pytest.fixture
def runtime(aws_endpoints: Any, moto_server: Any) -> Iterator[Runtime]:
    reset_clients()
    table = f"lineage-{uuid.uuid4().hex[:12]}"
    aws_endpoints.dynamodb.create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST", **table_key_schema()
    )
    _wait_until_active(aws_endpoints.dynamodb, table)
    yield Runtime(
        endpoints=aws_endpoints, table=table, moto_backend=moto_server.sagemaker_backend()
    )
    reset_clients()


def _wait_until_active(client: Any, table: str, timeout: float = 10.0) -> None:
    """dynalite answers CreateTable with CREATING and flips to ACTIVE a moment later
    (even with ``--createTableMs 0``); until then the table is "not found"."""
    deadline = time.monotonic() + timeout
    while client.describe_table(TableName=table)["Table"]["TableStatus"] != "ACTIVE":
        if time.monotonic() > deadline:
            raise TimeoutError(f"table {table} did not become ACTIVE within {timeout:.0f}s")
        time.sleep(0.01)


@pytest.fixture
def context() -> FakeContext:
    return FakeContext()
