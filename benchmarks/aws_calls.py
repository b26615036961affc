"""AWS API calls made by the Create of a warm-start child with five parents.

SageMaker is moto in server mode, started in this process on 127.0.0.1 (a free port);
DynamoDB is dynalite (``node_modules/.bin/dynalite``) on 127.0.0.1 and a free port. The
handler reaches them through ``AWS_ENDPOINT_URL_SAGEMAKER`` / ``AWS_ENDPOINT_URL_DYNAMODB``;
``AWS_ENDPOINT_URL`` is a dead loopback port and the credentials are dummies, and a socket
guard refuses anything that is not loopback, so nothing can reach AWS.

The five parents are created first through the handler (``on_event``, Create), as the
library launches them, so each has a lineage item; then one child, warm-starting from all
five (``IdenticalDataAndAlgorithm``), is created through
``constructs_pkg.runtime.handler.on_event`` with a CloudFormation-shaped event built by the
runtime tests' helpers (``tests/runtime/events.py``, ``tests/runtime/definitions.py``).

Counting uses botocore's event system on the very clients the handler uses (the cached
clients of ``constructs_pkg.runtime.aws``): ``before-call.*.*`` counts API calls, and
``before-send.*.*`` counts HTTP requests, so a retried call shows up as more sends than
calls. No call is stubbed.

Printed: calls per service and operation for the child's Create, the total, the call
sequence, and for comparison the calls of one parent's Create.

    .venv/bin/python benchmarks/aws_calls.py [--quick]

``--quick`` changes nothing (the run takes seconds); it is accepted for uniformity.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO_ROOT, ensure_repo_on_path, go_offline, loopback_only, table

go_offline()
loopback_only()
ensure_repo_on_path()
os.environ.setdefault("LOG_LEVEL", "WARNING")  # the handler's JSON log lines: warnings only

DYNALITE = REPO_ROOT / "node_modules" / ".bin" / "dynalite"
PARENT_COUNT = 5


@dataclass
class CallLog:
    """API calls (``before-call``) and HTTP sends (``before-send``) since the last reset."""

    calls: list[tuple[str, str]] = field(default_factory=list)
    sends: Counter[str] = field(default_factory=Counter)

    def on_call(self, model: Any, **_: Any) -> None:
        self.calls.append((model.service_model.service_id.hyphenize(), model.name))

    def on_send(self, request: Any, **_: Any) -> None:
        self.sends[str(getattr(request, "url", ""))] += 1

    def reset(self) -> None:
        self.calls.clear()
        self.sends.clear()

    @property
    def http_requests(self) -> int:
        return sum(self.sends.values())


@dataclass
class LambdaContext:
    """What the handler reads from the Lambda context object."""

    log_stream_name: str = "2026/01/01/[$LATEST]benchmark"
    aws_request_id: str = "00000000-0000-4000-8000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


# --------------------------------------------------------------------------- servers


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def moto_server() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access-log line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def _local_client(service: str, url: str) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(connect_timeout=2, read_timeout=10, retries={"max_attempts": 1})
    session: Any = boto3.session.Session(region_name="us-east-1")
    return session.client(service, endpoint_url=url, config=config)


@contextlib.contextmanager
def dynalite_server(timeout: float = 30.0) -> Iterator[str]:
    import botocore.exceptions

    if not DYNALITE.exists():
        raise SystemExit(
            f"{DYNALITE.relative_to(REPO_ROOT)} is missing: run `npm ci` in {REPO_ROOT} first"
        )
    if shutil.which("node") is None:
        raise SystemExit("`node` is not on PATH: dynalite needs Node.js")
    port = free_loopback_port()
    url = f"http://127.0.0.1:{port}"
    command = [str(DYNALITE), "--host", "127.0.0.1", "--port", str(port)]
    command += ["--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            client = _local_client("dynamodb", url)
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None:
                    log.seek(0)
                    raise SystemExit(
                        f"dynalite exited early:\n{log.read().decode(errors='replace')}"
                    )
                try:
                    client.list_tables()
                    break
                except (
                    botocore.exceptions.EndpointConnectionError,
                    botocore.exceptions.ConnectionClosedError,
                    botocore.exceptions.ReadTimeoutError,
                ):
                    if time.monotonic() > deadline:
                        raise SystemExit(f"dynalite did not answer on {url}") from None
                    time.sleep(0.1)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def create_lineage_table(dynamodb_url: str, name: str) -> None:
    from constructs_pkg.runtime.lineage import table_key_schema

    client = _local_client("dynamodb", dynamodb_url)
    client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", **table_key_schema())
    deadline = time.monotonic() + 10
    while client.describe_table(TableName=name)["Table"]["TableStatus"] != "ACTIVE":
        if time.monotonic() > deadline:
            raise SystemExit(f"lineage table {name} not ACTIVE after 10 s")
        time.sleep(0.02)


# --------------------------------------------------------------------------- the run


def hook_handler_clients(log: CallLog) -> None:
    """Register the counters on the clients the handler will use (created here, cached)."""
    from constructs_pkg.runtime.aws import dynamodb_client, reset_clients, sagemaker_client

    reset_clients()
    for client in (sagemaker_client(), dynamodb_client()):
        client.meta.events.register("before-call.*.*", log.on_call)
        client.meta.events.register("before-send.*.*", log.on_send)


def print_counts(title: str, log: CallLog) -> None:
    counts = Counter(log.calls)
    rows = [["service", "operation", "calls"]]
    for (service, operation), count in sorted(counts.items()):
        rows.append([service, operation, str(count)])
    by_service = Counter(service for service, _ in log.calls)
    print(f"\n== {title}")
    print(table(rows))
    print(
        "per service: "
        + ", ".join(f"{service} {count}" for service, count in sorted(by_service.items()))
    )
    print(f"total API calls: {len(log.calls)}   HTTP requests sent: {log.http_requests}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="accepted; changes nothing")
    parser.parse_args(argv)

    from constructs_pkg.runtime.handler import on_event
    from tests.runtime.definitions import child_definition, parent_definition
    from tests.runtime.events import create_event, properties

    table_name = "bench-lineage"
    started = time.perf_counter()
    with moto_server() as sagemaker_url, dynalite_server() as dynamodb_url:
        os.environ["AWS_ENDPOINT_URL_SAGEMAKER"] = sagemaker_url
        os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = dynamodb_url
        print(f"moto (SageMaker) at {sagemaker_url}, dynalite (DynamoDB) at {dynamodb_url}")
        create_lineage_table(dynamodb_url, table_name)

        log = CallLog()
        hook_handler_clients(log)
        context = LambdaContext()

        parents: list[str] = []
        parent_calls: list[int] = []
        for k in range(PARENT_COUNT):
            log.reset()
            props = properties(
                parent_definition(),
                table=table_name,
                name_prefix=f"bench-parent{k}",
                construct_path=f"TuningStack/Parent{k}",
            )
            answer = on_event(create_event(props, logical_id=f"Parent{k}"), context)
            parents.append(answer["PhysicalResourceId"])
            parent_calls.append(len(log.calls))
            if k == 0:
                print_counts("one parent's Create (for comparison)", log)
        print(f"parents created: {', '.join(parents)} (API calls each: {parent_calls})")

        log.reset()
        props = properties(
            child_definition(parents),
            table=table_name,
            name_prefix="bench-child",
            construct_path="TuningStack/Child",
        )
        answer = on_event(create_event(props, logical_id="Child"), context)
        print(f"child created: {answer['PhysicalResourceId']}")
        if not {s for s, _ in log.calls} >= {"sagemaker", "dynamodb"}:
            print(
                "WARNING: a service saw no call: the hooks may have missed the handler's clients"
            )
        print_counts(f"the child's Create, warm start from {PARENT_COUNT} parents", log)
        sequence = [operation for _, operation in log.calls]
        runs: list[str] = []
        for operation in sequence:
            if runs and runs[-1].split(" x")[0] == operation:
                head, _, count = runs[-1].partition(" x")
                runs[-1] = f"{head} x{int(count or 1) + 1}"
            else:
                runs.append(operation)
        print("sequence: " + " -> ".join(runs))
    print(f"\nelapsed {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
