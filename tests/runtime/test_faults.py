"""The handler when SageMaker or DynamoDB fail in ways moto and dynalite do not produce.

The clients are the real ones pointed at moto and dynalite, wrapped so that one operation
raises the error a real service would return; everything else reaches the servers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError

from constructs_pkg.runtime.aws import PropagationRetry, dynamodb_client, sagemaker_client
from constructs_pkg.runtime.errors import (
    AwsCallFailedError,
    JobRejectedError,
    TuningJobError,
)
from constructs_pkg.runtime.handler import Services, handle

from .conftest import FakeContext, Runtime
from .definitions import parent_definition
from .events import create_event, delete_event, properties


class Wrapped:
    """A client whose named operations are replaced; the rest go to the real client."""

    def __init__(self, client: Any, **operations: Callable[..., Any]) -> None:
        self._client = client
        self._operations = operations
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        self.calls.append(name)
        return self._operations.get(name) or getattr(self._client, name)


def client_error(code: str, message: str, operation: str, retries: int = 0) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"RetryAttempts": retries},
        },
        operation,
    )


def raising(*errors: Exception, then: Callable[..., Any] | None = None) -> Callable[..., Any]:
    """An operation that raises ``errors`` in turn, then calls ``then``."""
    pending = list(errors)

    def operation(**params: Any) -> Any:
        if pending:
            raise pending.pop(0)
        assert then is not None
        return then(**params)

    return operation


def services(
    sagemaker: Any = None, dynamodb: Any = None, sleeps: list[float] | None = None
) -> Services:
    sleeps = sleeps if sleeps is not None else []
    return Services(
        sagemaker=sagemaker or sagemaker_client(),
        dynamodb=dynamodb or dynamodb_client(),
        clock=lambda: datetime.now(UTC),
        retry=PropagationRetry(sleep=sleeps.append),
    )


def test_create_retries_while_the_training_role_propagates(
    runtime: Runtime, context: FakeContext
) -> None:
    real = sagemaker_client()
    assume = client_error(
        "ValidationException",
        "Could not assume role arn:aws:iam::123456789012:role/x",
        "CreateHyperParameterTuningJob",
    )
    sleeps: list[float] = []
    sagemaker = Wrapped(
        real,
        create_hyper_parameter_tuning_job=raising(
            assume, assume, then=real.create_hyper_parameter_tuning_job
        ),
    )

    answer = handle(
        create_event(properties(parent_definition(), table=runtime.table)),
        context,
        services(sagemaker, sleeps=sleeps),
    )

    assert sleeps == [2.0, 4.0]
    assert runtime.job_names() == [answer["PhysicalResourceId"]]
    assert runtime.item(answer["PhysicalResourceId"])["status"] == "InProgress"  # type: ignore[index]


def test_a_create_refused_by_sagemaker_is_recorded_and_the_name_freed(
    runtime: Runtime, context: FakeContext
) -> None:
    real = sagemaker_client()
    refusal = client_error(
        "ValidationException",
        "The set of tunable plus static HyperParameter names is not the same across current and parent tuning jobs.",
        "CreateHyperParameterTuningJob",
    )
    sagemaker = Wrapped(real, create_hyper_parameter_tuning_job=raising(refusal))
    props = properties(parent_definition(), table=runtime.table, job_name="churn-base-1")

    with pytest.raises(JobRejectedError) as info:
        handle(create_event(props), context, services(sagemaker))

    assert str(info.value).startswith(
        "SageMaker rejected tuning job 'churn-base-1': The set of tunable plus static HyperParameter names"
    )
    assert runtime.job_names() == []
    item = runtime.item("churn-base-1")
    assert item is not None
    assert item["status"] == "LaunchFailed"
    assert item["failureReason"].startswith("SageMaker rejected tuning job 'churn-base-1'")

    # The user fixes the definition; a new Create may use the same fixed name.
    fixed = properties(
        parent_definition(max_jobs=12), table=runtime.table, job_name="churn-base-1"
    )
    answer = handle(create_event(fixed), context, services())

    assert answer["PhysicalResourceId"] == "churn-base-1"
    assert runtime.job_names() == ["churn-base-1"]
    item = runtime.item("churn-base-1")
    assert item is not None and item["status"] == "InProgress" and "failureReason" not in item


def test_access_denied_names_the_permissions_needed(
    runtime: Runtime, context: FakeContext
) -> None:
    denied = client_error(
        "AccessDeniedException",
        "User is not authorized to perform: sagemaker:AddTags",
        "CreateHyperParameterTuningJob",
    )
    sagemaker = Wrapped(sagemaker_client(), create_hyper_parameter_tuning_job=raising(denied))

    with pytest.raises(JobRejectedError) as info:
        handle(
            create_event(properties(parent_definition(), table=runtime.table)),
            context,
            services(sagemaker),
        )

    assert "needs sagemaker:CreateHyperParameterTuningJob and sagemaker:AddTags" in str(info.value)
    assert "iam:PassRole" in str(info.value)


def test_a_timeout_on_create_leaves_the_job_recorded_as_launching(
    runtime: Runtime, context: FakeContext
) -> None:
    """The request may have reached SageMaker: the record must survive the failure."""
    timeout = ReadTimeoutError(endpoint_url="http://127.0.0.1")
    sagemaker = Wrapped(sagemaker_client(), create_hyper_parameter_tuning_job=raising(timeout))
    event = create_event(properties(parent_definition(), table=runtime.table))

    with pytest.raises(AwsCallFailedError, match="failed to create tuning job 'tuningstack-job-"):
        handle(event, context, services(sagemaker))

    (item,) = runtime.items()
    assert item["status"] == "Launching"


def test_resource_in_use_after_a_botocore_retry_adopts_our_own_job(
    runtime: Runtime, context: FakeContext
) -> None:
    """A read timeout made botocore send Create twice: the first attempt created the job."""
    real = sagemaker_client()

    def create_then_in_use(**params: Any) -> Any:
        real.create_hyper_parameter_tuning_job(**params)
        raise client_error(
            "ResourceInUse", "already exists", "CreateHyperParameterTuningJob", retries=1
        )

    sagemaker = Wrapped(real, create_hyper_parameter_tuning_job=create_then_in_use)

    answer = handle(
        create_event(properties(parent_definition(), table=runtime.table)),
        context,
        services(sagemaker),
    )

    assert runtime.job_names() == [answer["PhysicalResourceId"]]
    assert runtime.item(answer["PhysicalResourceId"])["arn"] == answer["Data"]["JobArn"]  # type: ignore[index]


def test_a_lineage_failure_after_the_launch_does_not_fail_the_create(
    runtime: Runtime, context: FakeContext, capsys: pytest.CaptureFixture[str]
) -> None:
    """Failing would leave a running job CloudFormation forgets; the job is recorded already."""
    throttled = client_error("ProvisionedThroughputExceededException", "slow down", "UpdateItem")
    dynamodb = Wrapped(
        dynamodb_client(),
        update_item=raising(throttled, throttled, then=dynamodb_client().update_item),
    )

    answer = handle(
        create_event(properties(parent_definition(), table=runtime.table)),
        context,
        services(dynamodb=dynamodb),
    )

    name = answer["PhysicalResourceId"]
    assert runtime.job_names() == [name]
    item = runtime.item(name)
    assert item is not None and item["status"] == "Launching"
    assert "failed to record the launch" in capsys.readouterr().out


def test_stop_saying_already_stopped_is_success(
    runtime: Runtime, context: FakeContext, set_tuning_job_status: Any
) -> None:
    props = properties(parent_definition(), table=runtime.table)
    name = handle(create_event(props), context, services())["PhysicalResourceId"]
    set_tuning_job_status(name, "InProgress")
    already = client_error(
        "ValidationException",
        f"Job {name} has already been stopped.",
        "StopHyperParameterTuningJob",
    )
    sagemaker = Wrapped(sagemaker_client(), stop_hyper_parameter_tuning_job=raising(already))

    answer = handle(delete_event(props, name), context, services(sagemaker))

    assert answer == {"PhysicalResourceId": name}
    assert runtime.item(name)["removed"]["action"] == "already-ended"  # type: ignore[index]


def test_a_stop_that_fails_fails_the_delete_and_says_what_to_do(
    runtime: Runtime, context: FakeContext, set_tuning_job_status: Any
) -> None:
    props = properties(parent_definition(), table=runtime.table)
    name = handle(create_event(props), context, services())["PhysicalResourceId"]
    set_tuning_job_status(name, "InProgress")
    denied = client_error(
        "AccessDeniedException",
        "not authorized to perform sagemaker:StopHyperParameterTuningJob",
        "StopHyperParameterTuningJob",
    )
    sagemaker = Wrapped(sagemaker_client(), stop_hyper_parameter_tuning_job=raising(denied))

    with pytest.raises(AwsCallFailedError) as info:
        handle(delete_event(props, name), context, services(sagemaker))

    assert str(info.value).startswith(
        f"failed to stop tuning job '{name}': AccessDeniedException: not authorized"
    )
    assert "or set its removal behaviour to retain" in str(info.value)
    assert "removed" not in runtime.item(name)  # type: ignore[operator]


def test_an_unexpected_error_becomes_a_short_internal_reason(
    runtime: Runtime, context: FakeContext
) -> None:
    def broken(**params: Any) -> Any:
        raise RuntimeError("boom " * 500)

    sagemaker = Wrapped(sagemaker_client(), describe_hyper_parameter_tuning_job=broken)
    props = properties(parent_definition(), table=runtime.table)
    name = handle(create_event(props), context, services())["PhysicalResourceId"]

    with pytest.raises(TuningJobError) as info:
        handle(delete_event(props, name), context, services(sagemaker))

    assert str(info.value).startswith(
        "internal error in the tuning-job handler (RuntimeError: boom boom"
    )
    assert len(str(info.value).encode()) <= 1024
