"""Test harness for constructs_pkg.

What this module does as soon as pytest imports it (before any test, fixture or
boto3 client exists):

* **Network guard.** ``socket.socket.connect`` / ``connect_ex`` / ``sendto``,
  ``socket.create_connection`` and the name look-ups ``socket.getaddrinfo`` /
  ``gethostbyname`` / ``gethostbyname_ex`` are wrapped. Anything that would
  reach an address other than loopback (127.0.0.0/8, ::1, ``localhost``) raises
  :class:`NetworkAccessBlockedError` *before* the real call, so not even a DNS
  query leaves the machine. AF_UNIX (and AF_NETLINK) sockets are allowed. Every
  blocked attempt is recorded; a test with an unexpected attempt fails (at
  teardown) even if the code under test swallowed the error, and so does the
  session for attempts outside tests. The guard covers this Python
  process only: subprocesses (node, jsii) are not covered.
* **Dummy AWS environment.** Credentials ``testing``, region ``us-east-1``, no
  profile, empty config/credentials files, no instance metadata, no proxies, and
  ``AWS_ENDPOINT_URL=http://127.0.0.1:9`` (a dead loopback port): a boto3 client
  that is not pointed at a test server fails locally, fast, with
  ``EndpointConnectionError``.

Fixtures (use them by name; nothing here needs importing):

* ``network_guard`` (session, autouse): the :class:`NetworkGuard`; use
  ``with network_guard.expect_blocked(): ...`` in a test that trips it on purpose.
* ``moto_server`` (session): moto in server mode, in-process, on 127.0.0.1 and
  a free port. ``.url``, ``.reset()``, ``.sagemaker_backend()``.
* ``dynalite`` (session): ``node_modules/.bin/dynalite`` on 127.0.0.1 and a free
  port. ``.url``, ``.client()``, ``.reset()`` (drops every table and waits until
  they are gone), ``.wait_for_table(name)`` (tables turn ACTIVE asynchronously).
* ``aws_endpoints`` (function): sets ``AWS_ENDPOINT_URL_SAGEMAKER`` to moto and
  ``AWS_ENDPOINT_URL_DYNAMODB`` to dynalite, resets both, and yields
  :class:`AwsEndpoints` with the URLs and ready ``sagemaker`` / ``dynamodb``
  clients. Any ``boto3.client("sagemaker")`` made by the code under test during
  the test goes to moto, any ``boto3.client("dynamodb")`` to dynalite.
* ``set_tuning_job_status`` (function): the :func:`set_tuning_job_status` helper.

Do not combine ``moto.mock_aws`` with these fixtures in one test: ``mock_aws``
intercepts every boto3 call in the process (dynalite's too) and resets the same
in-process moto backends the server uses.
"""

from __future__ import annotations

import atexit
import contextlib
import ipaddress
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sagemaker import SageMakerClient

REPO_ROOT = Path(__file__).resolve().parent.parent
TEST_REGION = "us-east-1"
# moto's default account; moto uses it for any access key it does not know,
# including the dummy "testing" key set below.
MOTO_ACCOUNT_ID = "123456789012"
# Nothing listens on the discard port, so connections are refused at once.
DEAD_ENDPOINT_URL = "http://127.0.0.1:9"
DYNALITE_BIN = REPO_ROOT / "node_modules" / ".bin" / "dynalite"


# --------------------------------------------------------------------------- network guard


class NetworkAccessBlockedError(RuntimeError):
    """A test tried to reach a non-loopback address.

    Deliberately not an ``OSError``: HTTP libraries and botocore would catch an
    ``OSError``, retry it and turn it into a generic connection error.
    """


@dataclass(frozen=True)
class BlockedAttempt:
    test: str | None
    call: str
    target: str


_LOOPBACK_NAMES = frozenset(
    {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}
)
_ALLOWED_FAMILIES = {socket.AF_UNIX} | (
    {socket.AF_NETLINK} if hasattr(socket, "AF_NETLINK") else set()
)


def _host_text(host: object) -> str:
    if isinstance(host, bytes | bytearray):
        host = bytes(host).decode("ascii", "replace")
    text = str(host).strip().lower()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    return text.split("%", 1)[0].rstrip(".")  # drop an IPv6 scope id / trailing dot


def _ip_literal(host: object) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(_host_text(host))
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _split_address(address: Any) -> tuple[Any, Any]:
    if isinstance(address, tuple) and address:
        return address[0], address[1] if len(address) > 1 else "?"
    return address, "?"


def is_loopback_host(host: object) -> bool:
    """True for 127.0.0.0/8, ::1 (also IPv4-mapped) and the names of localhost."""
    name = _host_text(host)
    if name in _LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    ip = _ip_literal(name)
    return ip is not None and ip.is_loopback


class NetworkGuard:
    """Keeps the test process on loopback. See the module docstring."""

    error = NetworkAccessBlockedError

    def __init__(self) -> None:
        self.blocked: list[BlockedAttempt] = []
        self.current_test: str | None = None
        # The real functions. The wrappers look them up here at call time, so a
        # test can swap one for a tripwire to prove it is never reached.
        self.originals: dict[str, Callable[..., Any]] = {}
        self._wrappers: dict[str, Callable[..., Any]] = {}
        self._lock = threading.Lock()

    # -- checks --------------------------------------------------------------------------

    def _block(self, call: str, target: str) -> None:
        with self._lock:
            self.blocked.append(BlockedAttempt(self.current_test, call, target))
        raise NetworkAccessBlockedError(
            f"test tried to reach non-loopback address {target} ({call}); tests may only "
            "talk to 127.0.0.1, ::1 or localhost: use the moto_server, dynalite or "
            "aws_endpoints fixtures"
        )

    def check_sockaddr(self, family: int, address: Any, call: str) -> None:
        if family in _ALLOWED_FAMILIES:
            return
        if family in (socket.AF_INET, socket.AF_INET6):
            host, port = _split_address(address)
            if not is_loopback_host(host):
                self._block(call, f"{host!r} port {port}")
            return
        self._block(call, f"{address!r} (address family {family})")

    def check_lookup(self, host: Any, call: str) -> None:
        # None asks for the wildcard/loopback address; literals resolve locally
        # (connecting to them is checked separately); loopback names use /etc/hosts.
        if host is None or _ip_literal(host) is not None or is_loopback_host(host):
            return
        self._block(call, f"{_host_text(host)!r} (name lookup)")

    # -- install ---------------------------------------------------------------------------

    def install(self) -> None:
        """Wrap the socket functions (idempotent; re-wraps anything unwrapped since)."""
        if not self.originals:
            self.originals = {
                "connect": socket.socket.connect,
                "connect_ex": socket.socket.connect_ex,
                "sendto": socket.socket.sendto,
                "create_connection": socket.create_connection,
                "getaddrinfo": socket.getaddrinfo,
                "gethostbyname": socket.gethostbyname,
                "gethostbyname_ex": socket.gethostbyname_ex,
            }
            self._wrappers = self._make_wrappers()
        for name in ("connect", "connect_ex", "sendto"):
            setattr(socket.socket, name, self._wrappers[name])
        for name in ("create_connection", "getaddrinfo", "gethostbyname", "gethostbyname_ex"):
            setattr(socket, name, self._wrappers[name])

    @property
    def installed(self) -> bool:
        return bool(self._wrappers) and all(
            getattr(socket.socket if name in ("connect", "connect_ex", "sendto") else socket, name)
            is wrapper
            for name, wrapper in self._wrappers.items()
        )

    def _make_wrappers(self) -> dict[str, Callable[..., Any]]:
        guard = self

        def connect(sock: socket.socket, address: Any) -> None:
            guard.check_sockaddr(sock.family, address, "socket.connect")
            guard.originals["connect"](sock, address)

        def connect_ex(sock: socket.socket, address: Any) -> int:
            guard.check_sockaddr(sock.family, address, "socket.connect_ex")
            result: int = guard.originals["connect_ex"](sock, address)
            return result

        def sendto(sock: socket.socket, data: Any, *args: Any) -> int:
            if args:  # sendto(data, address) or sendto(data, flags, address)
                guard.check_sockaddr(sock.family, args[-1], "socket.sendto")
            result: int = guard.originals["sendto"](sock, data, *args)
            return result

        def create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
            host, port = _split_address(address)
            if not is_loopback_host(host):
                guard._block("socket.create_connection", f"{host!r} port {port}")
            sock: socket.socket = guard.originals["create_connection"](address, *args, **kwargs)
            return sock

        def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
            guard.check_lookup(host, "socket.getaddrinfo")
            return guard.originals["getaddrinfo"](host, *args, **kwargs)

        def gethostbyname(host: Any) -> Any:
            guard.check_lookup(host, "socket.gethostbyname")
            return guard.originals["gethostbyname"](host)

        def gethostbyname_ex(host: Any) -> Any:
            guard.check_lookup(host, "socket.gethostbyname_ex")
            return guard.originals["gethostbyname_ex"](host)

        return {
            "connect": connect,
            "connect_ex": connect_ex,
            "sendto": sendto,
            "create_connection": create_connection,
            "getaddrinfo": getaddrinfo,
            "gethostbyname": gethostbyname,
            "gethostbyname_ex": gethostbyname_ex,
        }

    # -- for tests that trip the guard on purpose -----------------------------------------

    @contextlib.contextmanager
    def expect_blocked(self) -> Iterator[list[BlockedAttempt]]:
        """Assert that the block trips the guard, and keep those attempts off the report."""
        start = len(self.blocked)
        seen: list[BlockedAttempt] = []
        yield seen
        with self._lock:
            seen.extend(self.blocked[start:])
            del self.blocked[start:]
        assert seen, "expected the network guard to block a connection, but nothing was blocked"


GUARD = NetworkGuard()
GUARD.install()


# --------------------------------------------------------------------------- AWS environment

_AWS_TMP = Path(tempfile.mkdtemp(prefix="constructs-pkg-tests-aws-"))
atexit.register(shutil.rmtree, _AWS_TMP, ignore_errors=True)


def _isolate_aws_environment() -> None:
    env = os.environ
    # Anything that could select real credentials, another endpoint or a proxy.
    for name in list(env):
        if name.startswith("AWS_ENDPOINT_URL_") or name.lower() in {
            "http_proxy",
            "https_proxy",
            "all_proxy",
        }:
            del env[name]
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SECURITY_TOKEN",
        "AWS_CREDENTIAL_EXPIRATION",
        "AWS_ROLE_ARN",
        "AWS_ROLE_SESSION_NAME",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        "AWS_USE_FIPS_ENDPOINT",
        "AWS_USE_DUALSTACK_ENDPOINT",
    ):
        env.pop(name, None)

    config_file = _AWS_TMP / "config"
    credentials_file = _AWS_TMP / "credentials"
    config_file.write_text("")
    credentials_file.write_text("")

    env.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": TEST_REGION,
            "AWS_REGION": TEST_REGION,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": str(config_file),
            "AWS_SHARED_CREDENTIALS_FILE": str(credentials_file),
            "AWS_ENDPOINT_URL": DEAD_ENDPOINT_URL,
            "NO_PROXY": "127.0.0.1,localhost,::1",
            "no_proxy": "127.0.0.1,localhost,::1",
        }
    )
    # Quiet, offline CDK/jsii when tests synthesize (same values as the Makefile).
    env.setdefault("CDK_DISABLE_VERSION_CHECK", "1")
    env.setdefault("CDK_DISABLE_CLI_TELEMETRY", "true")
    env.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    env.setdefault("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")


_isolate_aws_environment()


# --------------------------------------------------------------------------- pytest hooks


def pytest_report_header() -> list[str]:
    return [
        f"network guard: loopback only; AWS_ENDPOINT_URL={os.environ['AWS_ENDPOINT_URL']}, "
        f"region {TEST_REGION}, dummy credentials"
    ]


def pytest_runtest_logstart(nodeid: str) -> None:
    GUARD.current_test = nodeid


def pytest_runtest_logfinish(nodeid: str) -> None:
    GUARD.current_test = None


def pytest_sessionfinish(session: pytest.Session) -> None:
    if GUARD.blocked and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not GUARD.blocked:
        return
    terminalreporter.section("network guard: blocked non-loopback access", red=True)
    for attempt in GUARD.blocked:
        terminalreporter.line(
            f"{attempt.test or '<outside a test>'}: {attempt.call} -> {attempt.target}"
        )
    terminalreporter.line("These attempts fail the session even where the error was caught.")


@pytest.fixture(scope="session", autouse=True)
def network_guard() -> Iterator[NetworkGuard]:
    """The process-wide guard (already installed at conftest import)."""
    GUARD.install()
    yield GUARD
    assert GUARD.installed, "something replaced the network guard's socket wrappers"


@pytest.fixture(autouse=True)
def _fail_on_blocked_network(network_guard: NetworkGuard) -> Iterator[None]:
    """Fail (at teardown) a test whose code tried to go off loopback, even if it caught the error."""
    start = len(network_guard.blocked)
    yield
    new = network_guard.blocked[start:]
    if new:
        details = "; ".join(f"{attempt.call} -> {attempt.target}" for attempt in new)
        pytest.fail(f"the network guard blocked non-loopback access: {details}", pytrace=False)


# --------------------------------------------------------------------------- moto (SageMaker)


@dataclass
class MotoServer:
    """moto 5.2.5 in server mode (``ThreadedMotoServer``), in this process.

    What moto 5.2.5 does for SageMaker hyperparameter tuning jobs (checked
    against the server with boto3 1.44.8):

    * ``create_hyper_parameter_tuning_job`` accepts the request and returns
      ``arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/<name>``
      (account 123456789012, moto's default). It does not validate the config
      beyond botocore's client-side parameter validation. A duplicate name gives
      ``ResourceInUse``.
    * ``describe_hyper_parameter_tuning_job``: ``HyperParameterTuningJobStatus``
      is ``"Completed"`` from the moment of creation and never changes by itself
      (``HyperParameterTuningEndTime`` equals ``CreationTime``). The counters
      are canned (``TrainingJobStatusCounters`` Completed=1, others 0;
      ``ObjectiveStatusCounters`` Succeeded=1), ``BestTrainingJob`` and
      ``OverallBestTrainingJob`` are placeholders (``FakeTrainingJobName``),
      ``FailureReason`` is ``""``. The request's config, ``TrainingJobDefinition``
      (or ``...Definitions``) and ``Autotune`` are echoed back. An unknown name
      gives ``ResourceNotFound``. Use :func:`set_tuning_job_status` for
      InProgress/Stopping/Stopped/Failed jobs.
    * ``WarmStartConfig`` is accepted, stored and echoed verbatim by describe;
      moto does not check that the parent jobs exist.
    * ``stop_hyper_parameter_tuning_job`` and
      ``list_training_jobs_for_hyper_parameter_tuning_job`` are NOT implemented:
      the server answers HTTP 500 (``NotImplementedError``) and boto3 raises a
      ``ClientError`` with code ``"500"`` after its retries (fast on loopback).
    * Implemented as well: ``list_hyper_parameter_tuning_jobs`` (honours
      ``StatusEquals`` and ``NameContains``), ``delete_hyper_parameter_tuning_job``,
      and tags via ``add_tags`` / ``list_tags`` on the job ARN.
    * State lives in ``moto.backends.get_backend("sagemaker")["123456789012"]
      ["us-east-1"].hyper_parameter_tuning_jobs`` (a dict name -> job object;
      the status is the attribute ``hyper_parameter_tuning_job_status``).
      ``reset()`` replaces the backend objects, so look them up afresh.
    """

    url: str
    host: str
    port: int
    _server: Any = field(repr=False)

    def reset(self) -> None:
        """Drop all state in every moto backend (POST /moto-api/reset)."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        # An empty ProxyHandler: never route loopback traffic through a proxy.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=10) as response:
            if response.status != 200:
                raise RuntimeError(f"moto reset failed: HTTP {response.status}")

    def sagemaker_backend(self, region: str = TEST_REGION) -> Any:
        return _sagemaker_backend(region)


def _sagemaker_backend(region: str = TEST_REGION) -> Any:
    from moto.backends import get_backend

    return get_backend("sagemaker")[MOTO_ACCOUNT_ID][region]


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    """moto server on 127.0.0.1; port 0 lets the kernel pick a free port."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield MotoServer(url=f"http://{host}:{port}", host=host, port=port, _server=server)
    finally:
        server.stop()


def _tuning_job_statuses() -> list[str]:
    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker")
    return list(model.shape_for("HyperParameterTuningJobStatus").metadata["enum"])


def set_tuning_job_status(
    name: str,
    status: str,
    *,
    failure_reason: str | None = None,
    region: str = TEST_REGION,
) -> None:
    """Set the status of tuning job ``name`` inside the running moto server.

    ``status`` must be a SageMaker ``HyperParameterTuningJobStatus`` (Completed,
    InProgress, Failed, Stopped, Stopping, Deleting, DeleteFailed). InProgress
    and Stopping clear ``HyperParameterTuningEndTime`` (describe then omits it);
    the other statuses set it if it is unset. ``LastModifiedTime`` is bumped.
    Raises ``LookupError`` if moto has no such job (create it first).
    """
    valid = _tuning_job_statuses()
    if status not in valid:
        raise ValueError(f"{status!r} is not a HyperParameterTuningJobStatus ({', '.join(valid)})")
    from moto.core.utils import utcnow

    jobs = _sagemaker_backend(region).hyper_parameter_tuning_jobs
    try:
        job = jobs[name]
    except KeyError:
        raise LookupError(
            f"moto has no tuning job {name!r} in {MOTO_ACCOUNT_ID}/{region}: create it first"
        ) from None
    now = utcnow()
    job.hyper_parameter_tuning_job_status = status
    job.last_modified_time = now
    if status in ("InProgress", "Stopping"):
        job.hyper_parameter_tuning_end_time = None
    elif job.hyper_parameter_tuning_end_time is None:
        job.hyper_parameter_tuning_end_time = now
    if failure_reason is not None:
        job.failure_reason = failure_reason


@pytest.fixture(name="set_tuning_job_status")
def _set_tuning_job_status_fixture(moto_server: MotoServer) -> Callable[..., None]:
    """:func:`set_tuning_job_status`, with the moto server running."""
    return set_tuning_job_status


# --------------------------------------------------------------------------- dynalite (DynamoDB)


def _fast_local_config() -> Any:
    from botocore.config import Config

    return Config(connect_timeout=2, read_timeout=10, retries={"max_attempts": 1})


@dataclass
class Dynalite:
    """dynalite (a DynamoDB-compatible server, in memory) in a subprocess.

    Started with ``--createTableMs 0 --deleteTableMs 0 --updateTableMs 0``: a
    table turns ACTIVE (or disappears) a few milliseconds after the call, not
    within it. Wait with :meth:`wait_for_table`, or with boto3's waiter and a
    small delay (``WaiterConfig={"Delay": 0.05}``; the default is 20 s).
    """

    url: str
    port: int
    process: subprocess.Popen[bytes] = field(repr=False)
    log_path: Path

    def client(self) -> DynamoDBClient:
        import boto3

        return boto3.session.Session(region_name=TEST_REGION).client(
            "dynamodb", endpoint_url=self.url, config=_fast_local_config()
        )

    def wait_for_table(self, name: str, timeout: float = 10.0) -> None:
        """Wait until table ``name`` is ACTIVE."""
        client = self.client()
        deadline = time.monotonic() + timeout
        while client.describe_table(TableName=name)["Table"]["TableStatus"] != "ACTIVE":
            if time.monotonic() > deadline:
                raise TimeoutError(f"dynalite table {name!r} not ACTIVE after {timeout}s")
            time.sleep(0.01)

    def reset(self, timeout: float = 10.0) -> None:
        """Delete every table, and wait until they are gone."""
        client = self.client()
        for page in client.get_paginator("list_tables").paginate():
            for table in page["TableNames"]:
                with contextlib.suppress(client.exceptions.ResourceInUseException):
                    client.delete_table(TableName=table)  # in use: being deleted already
        deadline = time.monotonic() + timeout
        while client.list_tables(Limit=1)["TableNames"]:
            if time.monotonic() > deadline:
                raise TimeoutError(f"dynalite tables still there after {timeout}s")
            time.sleep(0.01)


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _start_dynalite(log_path: Path, timeout: float = 30.0) -> Dynalite | None:
    """Start dynalite on a free port; None if the port was taken meanwhile."""
    import botocore.exceptions

    port = _free_loopback_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        str(DYNALITE_BIN),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--createTableMs",
        "0",
        "--deleteTableMs",
        "0",
        "--updateTableMs",
        "0",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
    atexit.register(_stop_process, process)
    instance = Dynalite(url=url, port=port, process=process, log_path=log_path)
    client = instance.client()
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            output = log_path.read_text(errors="replace")
            if "EADDRINUSE" in output:
                return None
            pytest.fail(
                f"dynalite exited with code {process.returncode} before answering:\n{output}",
                pytrace=False,
            )
        try:
            client.list_tables()
            return instance
        except (
            botocore.exceptions.EndpointConnectionError,
            botocore.exceptions.ConnectionClosedError,
            botocore.exceptions.ReadTimeoutError,
        ):
            if time.monotonic() > deadline:
                _stop_process(process)
                output = log_path.read_text(errors="replace")
                pytest.fail(
                    f"dynalite did not answer on {url} within {timeout:.0f}s:\n{output}",
                    pytrace=False,
                )
            time.sleep(0.1)


@pytest.fixture(scope="session")
def dynalite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dynalite]:
    """dynalite on 127.0.0.1 and a free port, for the whole session."""
    if not DYNALITE_BIN.exists():
        pytest.fail(
            f"{DYNALITE_BIN.relative_to(REPO_ROOT)} not found: run `make test` "
            "(it runs `npm ci` to install node_modules) instead of calling pytest directly",
            pytrace=False,
        )
    if shutil.which("node") is None:
        pytest.fail("`node` is not on PATH: dynalite needs Node.js 20", pytrace=False)
    log_dir = tmp_path_factory.mktemp("dynalite")
    for attempt in range(5):
        instance = _start_dynalite(log_dir / f"dynalite-{attempt}.log")
        if instance is not None:
            break
    else:
        pytest.fail("dynalite: no free port found in 5 attempts", pytrace=False)
    try:
        yield instance
    finally:
        _stop_process(instance.process)


# --------------------------------------------------------------------------- both


@dataclass
class AwsEndpoints:
    region: str
    sagemaker_url: str
    dynamodb_url: str
    sagemaker: SageMakerClient
    dynamodb: DynamoDBClient


@pytest.fixture
def aws_endpoints(
    moto_server: MotoServer, dynalite: Dynalite, monkeypatch: pytest.MonkeyPatch
) -> Iterator[AwsEndpoints]:
    """Route SageMaker to moto and DynamoDB to dynalite, both freshly emptied."""
    import boto3

    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER", moto_server.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", dynalite.url)
    moto_server.reset()
    dynalite.reset()
    session = boto3.session.Session(region_name=TEST_REGION)
    yield AwsEndpoints(
        region=TEST_REGION,
        sagemaker_url=moto_server.url,
        dynamodb_url=dynalite.url,
        sagemaker=session.client("sagemaker"),
        dynamodb=session.client("dynamodb"),
    )
