"""boto3 clients for the handler, created lazily and once per Lambda container.

Timeouts are short so that the handler always answers before the Lambda dies: a hung
connection costs at most :data:`CONNECT_TIMEOUT_SECONDS` plus :data:`READ_TIMEOUT_SECONDS`
per attempt. Throttling and transient errors are retried by botocore's ``standard`` mode
(:data:`MAX_ATTEMPTS` attempts in all); the ValidationExceptions that SageMaker returns
while a new role or bucket policy propagates are retried by :class:`PropagationRetry`.
Validation errors are never retried.

Endpoints come from the environment as boto3 reads them (``AWS_ENDPOINT_URL_SAGEMAKER``,
``AWS_ENDPOINT_URL_DYNAMODB``, ``AWS_ENDPOINT_URL_SNS``), which is how tests point the
handlers at local servers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from botocore.config import Config
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sagemaker import SageMakerClient

CONNECT_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 20
MAX_ATTEMPTS = 5
"""botocore ``standard`` retries: first attempt included, exponential backoff up to 20 s."""

USER_AGENT_EXTRA = "constructs-pkg-runtime"

_T = TypeVar("_T")
_lock = threading.Lock()
_clients: dict[str, Any] = {}


def client_config() -> Config:
    return Config(
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        # total_max_attempts counts the first attempt; max_attempts would count retries only.
        retries={"total_max_attempts": MAX_ATTEMPTS, "mode": "standard"},
        user_agent_extra=USER_AGENT_EXTRA,
    )


def _cached(service: str, create: Callable[[Any], Any]) -> Any:
    with _lock:
        if service not in _clients:
            # boto3 is imported here, not at module import: the first event pays for it.
            import boto3

            _clients[service] = create(boto3.session.Session())
        return _clients[service]


def sagemaker_client() -> SageMakerClient:
    client: SageMakerClient = _cached(
        "sagemaker", lambda session: session.client("sagemaker", config=client_config())
    )
    return client


def dynamodb_client() -> DynamoDBClient:
    client: DynamoDBClient = _cached(
        "dynamodb", lambda session: session.client("dynamodb", config=client_config())
    )
    return client


def sns_client() -> Any:
    """The SNS client that publishes failed deferred launches (no type stubs are installed)."""
    return _cached("sns", lambda session: session.client("sns", config=client_config()))


def reset_clients() -> None:
    """Forget the cached clients; the next call creates new ones from the environment."""
    with _lock:
        _clients.clear()


# --------------------------------------------------------------------------- errors


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def error_message(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Message", ""))


def describe_error(exc: BaseException) -> str:
    """``Code: message`` for a botocore error, the exception text otherwise."""
    if isinstance(exc, ClientError):
        return f"{error_code(exc)}: {error_message(exc)}"
    return f"{type(exc).__name__}: {exc}"


PROPAGATION_MARKERS: tuple[str, ...] = (
    "Could not assume role",
    "no identity-based policy allows the s3:ListBucket action",
    "No S3 objects found under S3 URL",
    "The AWS Access Key Id you provided does not exist in our records",
    "Access denied when describing algorithm",
)
"""ValidationException texts that SageMaker returns while IAM or S3 changes propagate.

A role or bucket policy created in the same deployment can take seconds to minutes to
reach SageMaker; the same texts then go away without any change on our side.
"""


def is_propagation_error(exc: BaseException) -> bool:
    if not isinstance(exc, ClientError) or error_code(exc) != "ValidationException":
        return False
    message = error_message(exc)
    return any(marker in message for marker in PROPAGATION_MARKERS)


@dataclass
class PropagationRetry:
    """Bounded retry of a call that fails with an IAM or S3 propagation error.

    Attempts stop at ``max_attempts`` or when the next wait would pass ``deadline``
    (a ``clock()`` value), whichever comes first; the last error is then raised.
    """

    max_attempts: int = 6
    first_delay_seconds: float = 2.0
    max_delay_seconds: float = 20.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    def call(
        self,
        operation: Callable[[], _T],
        *,
        deadline: float | None = None,
        on_retry: Callable[[BaseException, int, float], None] | None = None,
    ) -> _T:
        delay = self.first_delay_seconds
        attempt = 1
        while True:
            try:
                return operation()
            except ClientError as exc:
                out_of_time = deadline is not None and self.clock() + delay > deadline
                if not is_propagation_error(exc) or attempt >= self.max_attempts or out_of_time:
                    raise
                if on_retry is not None:
                    on_retry(exc, attempt, delay)
            self.sleep(delay)
            attempt += 1
            delay = min(delay * 2, self.max_delay_seconds)
