"""Tests of the test harness in conftest.py: network guard, AWS isolation, moto, dynalite.

They also pin down what moto 5.2.5 does for tuning jobs, so a moto upgrade that
changes it shows up here first.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import pytest

# TEST-NET-1 and the IPv6 documentation range: reserved, never routed.
TEST_NET_V4 = "192.0.2.1"
TEST_NET_V6 = "2001:db8::1"
AWS_HOST = "sagemaker.us-east-1.amazonaws.com"


def _tripwire(name: str) -> Any:
    def fail(*args: Any, **kwargs: Any) -> Any:
        pytest.fail(f"the real {name} was reached: the guard let a non-loopback call through")

    return fail


@pytest.fixture
def tripwires(network_guard: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Replace the real socket functions behind the guard by ones that fail the test.

    A test using this proves that the guard raised before the real call: nothing
    was sent, not even a DNS query.
    """
    for name in list(network_guard.originals):
        monkeypatch.setitem(network_guard.originals, name, _tripwire(name))


# --------------------------------------------------------------------------- network guard


@pytest.mark.usefixtures("tripwires")
@pytest.mark.parametrize(
    ("family", "address"),
    [
        (socket.AF_INET, (TEST_NET_V4, 443)),
        (socket.AF_INET6, (TEST_NET_V6, 443, 0, 0)),
        (socket.AF_INET, (AWS_HOST, 443)),
    ],
)
def test_guard_blocks_connect_before_it_happens(
    network_guard: Any, family: int, address: tuple[Any, ...]
) -> None:
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        with network_guard.expect_blocked() as blocked, pytest.raises(network_guard.error) as info:
            sock.connect(address)
        with network_guard.expect_blocked(), pytest.raises(network_guard.error):
            sock.connect_ex(address)
    assert "non-loopback" in str(info.value)
    assert blocked[0].call == "socket.connect"
    assert blocked[0].test is not None and "test_guard_blocks_connect" in blocked[0].test


@pytest.mark.usefixtures("tripwires")
def test_guard_blocks_create_connection_udp_and_dns(network_guard: Any) -> None:
    with network_guard.expect_blocked(), pytest.raises(network_guard.error):
        socket.create_connection((TEST_NET_V4, 443), timeout=1)
    with network_guard.expect_blocked(), pytest.raises(network_guard.error):
        socket.create_connection((AWS_HOST, 443), timeout=1)
    with (
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock,
        network_guard.expect_blocked(),
        pytest.raises(network_guard.error),
    ):
        sock.sendto(b"x", (TEST_NET_V4, 53))
    lookups: list[Callable[[], object]] = [
        lambda: socket.getaddrinfo(AWS_HOST, 443),
        lambda: socket.gethostbyname(AWS_HOST),
        lambda: socket.gethostbyname_ex(AWS_HOST),
    ]
    for lookup in lookups:
        with network_guard.expect_blocked(), pytest.raises(network_guard.error):
            lookup()


def test_guard_allows_loopback_and_unix_sockets(network_guard: Any, tmp_path: Any) -> None:
    assert network_guard.installed
    for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        try:
            server = socket.socket(family, socket.SOCK_STREAM)
            server.bind((host, 0))
        except OSError:  # no IPv6 on this machine
            continue
        with server:
            server.listen(1)
            port = server.getsockname()[1]
            with socket.create_connection((host, port), timeout=5):
                pass
            if family == socket.AF_INET:
                with socket.create_connection(("localhost", port), timeout=5):
                    pass
    path = str(tmp_path / "sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(path)
        server.listen(1)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.connect(path)


@pytest.mark.usefixtures("tripwires")
def test_boto3_client_with_a_real_aws_endpoint_is_blocked(network_guard: Any) -> None:
    client = boto3.client("sagemaker", endpoint_url=f"https://{AWS_HOST}")
    # botocore wraps whatever the HTTP layer raises (and retries it).
    with (
        network_guard.expect_blocked() as blocked,
        pytest.raises(botocore.exceptions.HTTPClientError) as info,
    ):
        client.list_hyper_parameter_tuning_jobs()
    assert isinstance(info.value.kwargs["error"], network_guard.error)
    assert "non-loopback" in str(info.value)
    assert {attempt.call for attempt in blocked} == {"socket.getaddrinfo"}  # before any DNS query


# --------------------------------------------------------------------------- AWS environment


def test_default_boto3_client_cannot_reach_aws() -> None:
    session = boto3.session.Session()
    credentials = session.get_credentials()
    assert credentials is not None and credentials.access_key == "testing"
    assert session.region_name == "us-east-1"
    for service in ("sagemaker", "sts", "dynamodb"):
        client = session.client(service)
        assert client.meta.endpoint_url == "http://127.0.0.1:9"
    started = time.monotonic()
    with pytest.raises(botocore.exceptions.EndpointConnectionError):
        session.client("sagemaker").list_hyper_parameter_tuning_jobs()
    with pytest.raises(botocore.exceptions.EndpointConnectionError):
        session.client("sts").get_caller_identity()
    assert time.monotonic() - started < 15


# --------------------------------------------------------------------------- moto


def _create_job(sagemaker: Any, name: str, **extra: Any) -> str:
    response = sagemaker.create_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=name,
        HyperParameterTuningJobConfig={
            "Strategy": "Bayesian",
            "HyperParameterTuningJobObjective": {
                "Type": "Maximize",
                "MetricName": "validation:auc",
            },
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 4, "MaxParallelTrainingJobs": 2},
            "ParameterRanges": {
                "ContinuousParameterRanges": [
                    {"Name": "eta", "MinValue": "0.1", "MaxValue": "0.5"}
                ]
            },
        },
        TrainingJobDefinition={
            "StaticHyperParameters": {"num_round": "10"},
            "AlgorithmSpecification": {
                "TrainingImage": "683313688378.dkr.ecr.us-east-1.amazonaws.com/xgboost:1.7-1",
                "TrainingInputMode": "File",
            },
            "RoleArn": "arn:aws:iam::123456789012:role/tuning",
            "OutputDataConfig": {"S3OutputPath": "s3://bucket/output"},
            "ResourceConfig": {
                "InstanceType": "ml.m5.large",
                "InstanceCount": 1,
                "VolumeSizeInGB": 10,
            },
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        },
        **extra,
    )
    arn: str = response["HyperParameterTuningJobArn"]
    return arn


def test_moto_tuning_job_round_trip(aws_endpoints: Any) -> None:
    warm_start = {
        "ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": "no-such-parent"}],
        "WarmStartType": "IdenticalDataAndAlgorithm",
    }
    arn = _create_job(aws_endpoints.sagemaker, "job-1", WarmStartConfig=warm_start)
    assert arn == "arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/job-1"

    job = aws_endpoints.sagemaker.describe_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="job-1"
    )
    assert job["HyperParameterTuningJobArn"] == arn
    assert job["HyperParameterTuningJobStatus"] == "Completed"
    assert job["HyperParameterTuningJobConfig"]["Strategy"] == "Bayesian"
    assert job["WarmStartConfig"] == warm_start  # accepted and echoed, parent not checked

    # The code under test builds its own clients: the endpoint env vars route them.
    default_client = boto3.client("sagemaker")
    assert default_client.meta.endpoint_url == aws_endpoints.sagemaker_url
    names = [
        summary["HyperParameterTuningJobName"]
        for summary in default_client.list_hyper_parameter_tuning_jobs()[
            "HyperParameterTuningJobSummaries"
        ]
    ]
    assert names == ["job-1"]

    with pytest.raises(botocore.exceptions.ClientError) as info:
        _create_job(aws_endpoints.sagemaker, "job-1")
    assert info.value.response["Error"]["Code"] == "ResourceInUse"


@pytest.mark.parametrize(
    "operation",
    ["stop_hyper_parameter_tuning_job", "list_training_jobs_for_hyper_parameter_tuning_job"],
)
def test_moto_does_not_implement(aws_endpoints: Any, operation: str) -> None:
    from moto.sagemaker import responses

    # Stock moto (the file on disk, whatever a test may have patched in since).
    assert f"def {operation}(" not in Path(responses.__file__).read_text()
    if hasattr(responses.SageMakerResponse, operation):
        return  # another test module patched it into moto for this session
    _create_job(aws_endpoints.sagemaker, "job-1")
    with pytest.raises(botocore.exceptions.ClientError) as info:
        getattr(aws_endpoints.sagemaker, operation)(HyperParameterTuningJobName="job-1")
    assert info.value.response["Error"]["Code"] == "500"


def test_set_tuning_job_status(aws_endpoints: Any, set_tuning_job_status: Any) -> None:
    _create_job(aws_endpoints.sagemaker, "job-1")
    describe = aws_endpoints.sagemaker.describe_hyper_parameter_tuning_job

    set_tuning_job_status("job-1", "InProgress")
    job = describe(HyperParameterTuningJobName="job-1")
    assert job["HyperParameterTuningJobStatus"] == "InProgress"
    assert "HyperParameterTuningEndTime" not in job

    set_tuning_job_status("job-1", "Stopped")
    job = describe(HyperParameterTuningJobName="job-1")
    assert job["HyperParameterTuningJobStatus"] == "Stopped"
    assert "HyperParameterTuningEndTime" in job

    set_tuning_job_status("job-1", "Failed", failure_reason="boom")
    job = describe(HyperParameterTuningJobName="job-1")
    assert (job["HyperParameterTuningJobStatus"], job["FailureReason"]) == ("Failed", "boom")

    listed = aws_endpoints.sagemaker.list_hyper_parameter_tuning_jobs(StatusEquals="Failed")
    assert [
        s["HyperParameterTuningJobName"] for s in listed["HyperParameterTuningJobSummaries"]
    ] == ["job-1"]

    with pytest.raises(ValueError, match="HyperParameterTuningJobStatus"):
        set_tuning_job_status("job-1", "Running")
    with pytest.raises(LookupError):
        set_tuning_job_status("no-such-job", "Stopped")


def test_moto_reset_between_tests(aws_endpoints: Any, moto_server: Any) -> None:
    # Each test starts empty (aws_endpoints resets moto); reset() empties it again.
    assert (
        aws_endpoints.sagemaker.list_hyper_parameter_tuning_jobs()[
            "HyperParameterTuningJobSummaries"
        ]
        == []
    )
    _create_job(aws_endpoints.sagemaker, "job-1")
    moto_server.reset()
    with pytest.raises(botocore.exceptions.ClientError) as info:
        aws_endpoints.sagemaker.describe_hyper_parameter_tuning_job(
            HyperParameterTuningJobName="job-1"
        )
    assert info.value.response["Error"]["Code"] == "ResourceNotFound"


# --------------------------------------------------------------------------- dynalite


def test_dynalite_table_round_trip(aws_endpoints: Any, dynalite: Any) -> None:
    dynamodb = aws_endpoints.dynamodb
    assert dynamodb.meta.endpoint_url == aws_endpoints.dynamodb_url
    assert dynamodb.list_tables()["TableNames"] == []
    dynamodb.create_table(
        TableName="tuning-jobs",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynalite.wait_for_table("tuning-jobs")
    dynamodb.put_item(TableName="tuning-jobs", Item={"pk": {"S": "job-1"}, "n": {"N": "3"}})
    item = dynamodb.get_item(TableName="tuning-jobs", Key={"pk": {"S": "job-1"}})["Item"]
    assert item == {"pk": {"S": "job-1"}, "n": {"N": "3"}}

    # A default resource built by the code under test also lands on dynalite.
    table = boto3.resource("dynamodb").Table("tuning-jobs")
    assert table.get_item(Key={"pk": "job-1"})["Item"]["n"] == 3

    # reset() waits until the tables are really gone: the name is free again.
    dynalite.reset()
    assert dynamodb.list_tables()["TableNames"] == []
    dynamodb.create_table(
        TableName="tuning-jobs",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynalite.wait_for_table("tuning-jobs")
    assert "Item" not in dynamodb.get_item(TableName="tuning-jobs", Key={"pk": {"S": "job-1"}})
