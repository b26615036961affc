"""Lineage queries: pure functions over a DynamoDB client and a lineage table.

Each item names its direct ``parents`` (a list) and its ``children`` (a string set), so a
walk up or down the lineage reads one *generation* at a time: every job of a generation
is fetched with one ``BatchGetItem`` (chunked at :data:`MAX_BATCH_KEYS` keys, DynamoDB's
limit), never one ``GetItem`` per job. Walking ``d`` generations away from a job costs
``1 + d`` round trips (the job itself, then one per generation), plus one more per further
100 jobs in a generation, plus a retry for any keys DynamoDB leaves unprocessed (only
under throttling).

Warm start is not recursive: SageMaker uses the results of a job's *direct* parents only.
:func:`feeding` and :class:`LineageView` tell the direct parents, which feed a job, from
the further ancestors, which it ignores unless they are listed as parents too.

Nothing here writes, and nothing catches botocore errors: callers (the CLI, the event
handler) decide what an unknown table or a missing credential means to them.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from constructs_pkg.core.naming import lineage_key
from constructs_pkg.runtime.lineage import (
    PARTITION_KEY,
    LaunchStatus,
    LineageItem,
    from_attribute,
    item_key,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

MAX_BATCH_KEYS = 100
"""DynamoDB's limit of keys per ``BatchGetItem``."""

_UNPROCESSED_RETRIES = 5
_UNPROCESSED_DELAY_SECONDS = 0.05

QUERY_ATTRIBUTES = (
    PARTITION_KEY,
    "name",
    "arn",
    "status",
    "external",
    "parents",
    "children",
    "waitingFor",
    "warmStartType",
    "bestTrainingJob",
    "overallBestTrainingJob",
    "trainingJobCounters",
    "failureReason",
    "removed",
    "lastDescribed",
    "stackId",
    "logicalId",
    "constructPath",
    "definitionHash",
    "statusHistory",
    "createdAt",
    "updatedAt",
    "lastModifiedAt",
    "endedAt",
)
"""What queries read of an item: everything but the recorded launch request and tags."""

UP = "parents"
DOWN = "children"


# --------------------------------------------------------------------------- one job


@dataclass(frozen=True)
class JobNode:
    """One job as the lineage table knows it (``found`` is False for a dangling name)."""

    name: str
    data: Mapping[str, object] = field(default_factory=dict)
    found: bool = True

    @property
    def key(self) -> str:
        return lineage_key(self.name)

    @property
    def item(self) -> LineageItem:
        """The same data read as the handler reads it; shared fields come from there."""
        return LineageItem(self.data)

    def _text(self, key: str) -> str | None:
        return self.item._text(key)

    @property
    def status(self) -> str | None:
        """The recorded status; for a parent seen only by name, the status last described."""
        status = self.item.status
        if status is not None:
            return status
        described = self.data.get("lastDescribed")
        if isinstance(described, Mapping):
            value = described.get("status")
            return value if isinstance(value, str) and value else None
        return None

    @property
    def parents(self) -> tuple[str, ...]:
        return self.item.parents

    @property
    def children(self) -> tuple[str, ...]:
        """Sorted as SageMaker compares names: case aside."""
        return tuple(sorted(self.item.children, key=lineage_key))

    @property
    def waiting_for(self) -> tuple[str, ...]:
        return self.item.waiting_for

    @property
    def warm_start_type(self) -> str | None:
        return self._text("warmStartType")

    @property
    def external(self) -> bool:
        return self.item.external

    @property
    def removed(self) -> bool:
        return self.item.removed

    @property
    def failure_reason(self) -> str | None:
        return self._text("failureReason")

    @property
    def best(self) -> Mapping[str, object]:
        """``bestTrainingJob``: ``name``, ``objectiveMetric``, ``objectiveValue``, ``status``."""
        value = self.data.get("bestTrainingJob")
        return value if isinstance(value, Mapping) else {}

    @property
    def overall_best(self) -> Mapping[str, object]:
        """``overallBestTrainingJob`` (IdenticalDataAndAlgorithm only): across the parents too."""
        value = self.data.get("overallBestTrainingJob")
        return value if isinstance(value, Mapping) else {}

    @property
    def waiting(self) -> bool:
        return self.status == LaunchStatus.WAITING.value

    def link_names(self, direction: str) -> tuple[str, ...]:
        return self.parents if direction == UP else self.children


def _node(item: Mapping[str, Any]) -> JobNode:
    data: dict[str, object] = from_attribute({"M": dict(item)})  # type: ignore[assignment]
    name = data.get("name")
    if not isinstance(name, str) or not name:
        key = data.get(PARTITION_KEY)
        name = key.split("#", 1)[-1] if isinstance(key, str) else "?"
    return JobNode(name=name, data=data)


def _projection() -> dict[str, Any]:
    names = {f"#a{i}": attribute for i, attribute in enumerate(QUERY_ATTRIBUTES)}
    return {
        "ProjectionExpression": ", ".join(names),
        "ExpressionAttributeNames": names,
    }


def get_job(client: DynamoDBClient, table: str, name: str) -> JobNode | None:
    """One job, or None if the table has no item for it (one round trip)."""
    return get_jobs(client, table, [name]).get(lineage_key(name))


def get_jobs(
    client: DynamoDBClient,
    table: str,
    names: Iterable[str],
    *,
    consistent: bool = False,
) -> dict[str, JobNode]:
    """The items of ``names``, by lineage key (lower case), in ``ceil(n / 100)`` round trips.

    Names without an item are absent from the result.
    """
    keys = list(dict.fromkeys(item_key(name) for name in names))
    found: dict[str, JobNode] = {}
    for start in range(0, len(keys), MAX_BATCH_KEYS):
        chunk = keys[start : start + MAX_BATCH_KEYS]
        request: dict[str, Any] = {
            "Keys": [{PARTITION_KEY: {"S": key}} for key in chunk],
            "ConsistentRead": consistent,
            **_projection(),
        }
        for item in _batch_get(client, table, request):
            node = _node(item)
            found[node.key] = node
    return found


def _batch_get(
    client: DynamoDBClient, table: str, request: dict[str, Any]
) -> Iterator[Mapping[str, Any]]:
    pending: dict[str, Any] | None = {table: request}
    attempt = 0
    while pending:
        response = client.batch_get_item(RequestItems=pending)
        yield from response.get("Responses", {}).get(table, [])
        pending = response.get("UnprocessedKeys") or None
        attempt += 1
        if pending and attempt > _UNPROCESSED_RETRIES:
            raise RuntimeError(
                f"DynamoDB left keys of table '{table}' unprocessed {attempt} times in a row "
                "(throttled); try again later"
            )
        if pending:
            time.sleep(_UNPROCESSED_DELAY_SECONDS * 2**attempt)


# --------------------------------------------------------------------------- walks


def generations(
    client: DynamoDBClient,
    table: str,
    name: str,
    direction: str,
    *,
    max_depth: int | None = None,
    root: JobNode | None = None,
) -> list[list[JobNode]]:
    """``[[job], [its parents or children], [theirs], ...]``, one generation per round trip.

    ``direction`` is :data:`UP` (parents) or :data:`DOWN` (children). A job reachable
    at several distances is listed once, at the nearest; a name without an item is listed
    with ``found=False``. Raises :class:`UnknownJobError` if ``name`` has no item. Pass
    ``root`` when it was fetched already (it saves that round trip).
    """
    if direction not in (UP, DOWN):
        raise ValueError(f"direction must be {UP!r} or {DOWN!r}; got {direction!r}")
    if root is None:
        root = get_job(client, table, name)
        if root is None:
            raise UnknownJobError(name, table)
    result = [[root]]
    seen = {root.key}
    current = [root]
    while current and (max_depth is None or len(result) <= max_depth):
        wanted: dict[str, str] = {}
        for node in current:
            for linked in node.link_names(direction):
                if lineage_key(linked) not in seen:
                    wanted.setdefault(lineage_key(linked), linked)
        if not wanted:
            break
        fetched = get_jobs(client, table, wanted.values())
        generation = [
            fetched.get(key) or JobNode(name=linked, found=False) for key, linked in wanted.items()
        ]
        seen.update(wanted)
        result.append(generation)
        current = [node for node in generation if node.found]
    return result


def direct_parents(client: DynamoDBClient, table: str, name: str) -> list[JobNode]:
    """The parents ``name`` warm-starts from (two round trips)."""
    found = generations(client, table, name, UP, max_depth=1)
    return found[1] if len(found) > 1 else []


def direct_children(client: DynamoDBClient, table: str, name: str) -> list[JobNode]:
    """The jobs that warm-start from ``name`` (two round trips)."""
    found = generations(client, table, name, DOWN, max_depth=1)
    return found[1] if len(found) > 1 else []


def ancestors(client: DynamoDBClient, table: str, name: str) -> list[list[JobNode]]:
    """Every ancestor, by generation (parents first); ``name`` itself is not included."""
    return generations(client, table, name, UP)[1:]


def descendants(client: DynamoDBClient, table: str, name: str) -> list[list[JobNode]]:
    """Every descendant, by generation (children first); ``name`` itself is not included."""
    return generations(client, table, name, DOWN)[1:]


@dataclass(frozen=True)
class Feeding:
    """Which ancestors a job's warm start uses (its direct parents) and which it does not."""

    job: JobNode
    feeds: list[JobNode]
    ignored: list[JobNode]


def feeding(client: DynamoDBClient, table: str, name: str) -> Feeding:
    """Direct parents (they feed the job) vs. further ancestors (warm start ignores them)."""
    found = generations(client, table, name, UP)
    further = [node for generation in found[2:] for node in generation]
    return Feeding(job=found[0][0], feeds=found[1] if len(found) > 1 else [], ignored=further)


@dataclass(frozen=True)
class LineageView:
    """A job with its ancestors and descendants, by generation, and every node by key."""

    job: JobNode
    ancestors: list[list[JobNode]]
    descendants: list[list[JobNode]]

    @property
    def nodes(self) -> dict[str, JobNode]:
        everything = [self.job]
        for generation in (*self.ancestors, *self.descendants):
            everything.extend(generation)
        return {node.key: node for node in everything}

    def feeds(self, name: str) -> bool:
        """True if ``name`` is a direct parent of the job (so its results are used)."""
        return lineage_key(name) in {lineage_key(p) for p in self.job.parents}


def lineage_of(client: DynamoDBClient, table: str, name: str) -> LineageView:
    """``name`` with all its ancestors and descendants (1 + depth up + depth down trips)."""
    root = get_job(client, table, name)
    if root is None:
        raise UnknownJobError(name, table)
    up = generations(client, table, name, UP, root=root)
    down = generations(client, table, name, DOWN, root=root)
    return LineageView(job=root, ancestors=up[1:], descendants=down[1:])


class UnknownJobError(LookupError):
    """The lineage table has no item for the job."""

    def __init__(self, name: str, table: str) -> None:
        super().__init__(f"no tuning job named '{name}' in lineage table '{table}'")
        self.name = name
        self.table = table


# --------------------------------------------------------------------------- whole table


def scan_jobs(
    client: DynamoDBClient,
    table: str,
    *,
    statuses: Sequence[str] | None = None,
    consistent: bool = False,
) -> list[JobNode]:
    """Every job of the table (a paginated Scan), or those whose status is in ``statuses``."""
    request: dict[str, Any] = {"TableName": table, "ConsistentRead": consistent, **_projection()}
    if statuses:
        placeholders = {f":s{i}": {"S": status} for i, status in enumerate(statuses)}
        request["ExpressionAttributeNames"] = {
            **request["ExpressionAttributeNames"],
            "#filterStatus": "status",
        }
        request["FilterExpression"] = f"#filterStatus IN ({', '.join(placeholders)})"
        request["ExpressionAttributeValues"] = placeholders
    nodes: list[JobNode] = []
    for page in client.get_paginator("scan").paginate(**request):
        nodes.extend(_node(item) for item in page.get("Items", []))
    return sorted(nodes, key=lambda node: node.key)


def waiting_jobs(client: DynamoDBClient, table: str) -> list[JobNode]:
    """The jobs recorded as waiting for their parents."""
    return scan_jobs(client, table, statuses=[LaunchStatus.WAITING.value])
