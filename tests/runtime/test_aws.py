"""Client settings and the bounded retry of IAM/S3 propagation errors (no server needed)."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from constructs_pkg.runtime import aws
from constructs_pkg.runtime.aws import PropagationRetry, client_config, is_propagation_error

ASSUME_ROLE = (
    "Could not assume role arn:aws:iam::123456789012:role/SageMakerTrainingRole. Please "
    "ensure that the role exists and allows principal 'sagemaker.amazonaws.com' to assume it."
)
REQUEST = {
    "HyperParameterTuningJobName": "job-1",
    "HyperParameterTuningJobConfig": {
        "Strategy": "Bayesian",
        "ResourceLimits": {"MaxParallelTrainingJobs": 1},
    },
}
ARN = "arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/job-1"


@pytest.fixture
def stubbed() -> tuple[object, Stubber]:
    client = boto3.session.Session(region_name="us-east-1").client("sagemaker")
    return client, Stubber(client)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now


def retry(clock: FakeClock, **settings: float) -> PropagationRetry:
    return PropagationRetry(sleep=clock.sleep, clock=clock, **settings)  # type: ignore[arg-type]


class TestPropagationRetry:
    def test_propagation_errors_are_retried_with_backoff(
        self, stubbed: tuple[object, Stubber]
    ) -> None:
        client, stubber = stubbed
        for _ in range(2):
            stubber.add_client_error(
                "create_hyper_parameter_tuning_job",
                "ValidationException",
                ASSUME_ROLE,
                400,
                expected_params=REQUEST,
            )
        stubber.add_response(
            "create_hyper_parameter_tuning_job", {"HyperParameterTuningJobArn": ARN}, REQUEST
        )
        clock = FakeClock()
        seen: list[int] = []

        with stubber:
            response = retry(clock).call(
                lambda: client.create_hyper_parameter_tuning_job(**REQUEST),  # type: ignore[attr-defined]
                on_retry=lambda exc, attempt, delay: seen.append(attempt),
            )
            stubber.assert_no_pending_responses()

        assert response["HyperParameterTuningJobArn"] == ARN
        assert clock.sleeps == [2.0, 4.0]
        assert seen == [1, 2]

    def test_validation_errors_are_never_retried(self, stubbed: tuple[object, Stubber]) -> None:
        client, stubber = stubbed
        stubber.add_client_error(
            "create_hyper_parameter_tuning_job",
            "ValidationException",
            "The set of tunable plus static HyperParameter names is not the same",
            400,
        )
        clock = FakeClock()

        with stubber, pytest.raises(ClientError, match="HyperParameter names"):
            retry(clock).call(lambda: client.create_hyper_parameter_tuning_job(**REQUEST))  # type: ignore[attr-defined]

        assert clock.sleeps == []

    def test_attempts_are_bounded(self, stubbed: tuple[object, Stubber]) -> None:
        client, stubber = stubbed
        for _ in range(3):
            stubber.add_client_error(
                "create_hyper_parameter_tuning_job", "ValidationException", ASSUME_ROLE, 400
            )
        clock = FakeClock()

        with stubber, pytest.raises(ClientError, match="Could not assume role"):
            retry(clock, max_attempts=3).call(
                lambda: client.create_hyper_parameter_tuning_job(**REQUEST)
            )  # type: ignore[attr-defined]
        stubber.assert_no_pending_responses()

        assert clock.sleeps == [2.0, 4.0]

    def test_no_wait_passes_the_deadline(self, stubbed: tuple[object, Stubber]) -> None:
        client, stubber = stubbed
        for _ in range(3):
            stubber.add_client_error(
                "create_hyper_parameter_tuning_job", "ValidationException", ASSUME_ROLE, 400
            )
        clock = FakeClock()

        with stubber, pytest.raises(ClientError):
            retry(clock).call(
                lambda: client.create_hyper_parameter_tuning_job(**REQUEST),  # type: ignore[attr-defined]
                deadline=5.0,
            )

        assert clock.sleeps == [2.0]
        assert clock.now <= 5.0

    @pytest.mark.parametrize(
        "message",
        [
            ASSUME_ROLE,
            "User: arn:aws:sts::1:assumed-role/x is not authorized: no identity-based policy allows the s3:ListBucket action",
            'No S3 objects found under S3 URL "s3://bucket/train/" given in input data source.',
            "The AWS Access Key Id you provided does not exist in our records.",
            "Access denied when describing algorithm arn:aws:sagemaker:us-east-1:1:algorithm/x",
        ],
    )
    def test_the_listed_messages_count_as_propagation(self, message: str) -> None:
        error = ClientError(
            {"Error": {"Code": "ValidationException", "Message": message}}, "Create"
        )
        assert is_propagation_error(error)

    def test_the_same_text_under_another_code_does_not(self) -> None:
        error = ClientError(
            {"Error": {"Code": "AccessDeniedException", "Message": ASSUME_ROLE}}, "Create"
        )
        assert not is_propagation_error(error)


class TestClients:
    def test_timeouts_are_short_and_retries_standard(self) -> None:
        config = client_config()

        assert config.connect_timeout == 5
        assert config.read_timeout == 20
        assert config.retries == {"total_max_attempts": 5, "mode": "standard"}

    def test_clients_are_created_once_and_lazily(self, monkeypatch: pytest.MonkeyPatch) -> None:
        aws.reset_clients()
        assert aws._clients == {}

        first = aws.sagemaker_client()

        assert aws.sagemaker_client() is first
        assert set(aws._clients) == {"sagemaker"}
        aws.reset_clients()
