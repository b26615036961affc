"""Small helpers shared by the benchmark scripts (statistics, tables, environment)."""

from __future__ import annotations

import ipaddress
import os
import socket
import statistics
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]

OFFLINE_ENV = {
    # jsii and the CDK: quiet and offline (the same values as the Makefile).
    "CDK_DISABLE_VERSION_CHECK": "1",
    "CDK_DISABLE_CLI_TELEMETRY": "true",
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    "JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION": "1",
    # AWS SDK: dummy credentials, no instance metadata, and every client that is not
    # pointed at a local server goes to a dead loopback port.
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
    "NO_PROXY": "127.0.0.1,localhost,::1",
    "no_proxy": "127.0.0.1,localhost,::1",
}
"""Environment every benchmark runs under; nothing may leave 127.0.0.1."""

_PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy")
_PROFILE_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")


def offline_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) made offline as :data:`OFFLINE_ENV`."""
    env = dict(os.environ if base is None else base)
    for name in (*_PROXY_VARIABLES, *_PROFILE_VARIABLES):
        env.pop(name, None)
    env.update(OFFLINE_ENV)
    return env


def go_offline() -> None:
    """Apply :func:`offline_environment` to this process (before boto3 or jsii start)."""
    env = offline_environment()
    for name in list(os.environ):
        if name not in env:
            del os.environ[name]
    os.environ.update(env)


class NetworkAccessError(RuntimeError):
    """A benchmark tried to reach an address other than loopback."""


def _is_loopback(host: object) -> bool:
    if host is None:
        return True  # getaddrinfo(None, port): the local wildcard, used by servers
    text = host.decode() if isinstance(host, bytes) else str(host)
    if text.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(text.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def loopback_only() -> None:
    """Refuse, in this process, every connection and name look-up that is not loopback.

    A safety net on top of the endpoint variables: a client that is not pointed at a
    local server fails here, before a packet or DNS query leaves the machine.
    """
    if getattr(socket.socket.connect, "_loopback_only", False):
        return
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def check(sock: socket.socket, address: object) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0] if isinstance(address, tuple) else address
            if not _is_loopback(host):
                raise NetworkAccessError(f"benchmarks may only reach loopback; got {address!r}")

    def connect(self: socket.socket, address: Any) -> None:
        check(self, address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(self, address)
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _is_loopback(host):
            raise NetworkAccessError(f"benchmarks may only resolve loopback; got {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    connect._loopback_only = True  # type: ignore[attr-defined]
    socket.socket.connect = connect  # type: ignore[method-assign, assignment]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign, assignment]
    socket.getaddrinfo = getaddrinfo


def ensure_repo_on_path() -> None:
    """Let ``python benchmarks/x.py`` import ``constructs_pkg`` and ``tests`` from the tree."""
    root = str(REPO_ROOT)
    if root not in sys.path:
        sys.path.insert(0, root)


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def spread(values: Sequence[float], digits: int = 3) -> str:
    """``min..max`` of the samples, for a feel of the noise."""
    return f"{min(values):.{digits}f}..{max(values):.{digits}f}"


def verdict(value: float, target: float, *, at_most: bool = True) -> str:
    ok = value <= target if at_most else value >= target
    return "meets target" if ok else "MISSES target"


def table(rows: Sequence[Sequence[str]]) -> str:
    """Rows of cells as a left-aligned text table; the first row is the header."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)
