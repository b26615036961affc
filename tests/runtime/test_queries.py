"""Lineage queries against dynalite: answers, and DynamoDB round trips per generation.

Round trips are counted with botocore's ``before-send`` event on the client the queries
get, so every HTTP request counts (a retry would too).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from constructs_pkg.runtime.lineage import JobSnapshot, LaunchRecord, Lineage
from constructs_pkg.runtime.queries import (
    MAX_BATCH_KEYS,
    UnknownJobError,
    ancestors,
    descendants,
    direct_children,
    direct_parents,
    feeding,
    get_jobs,
    lineage_of,
    waiting_jobs,
)

from .conftest import Runtime


class Calls:
    """Counts the HTTP requests a client sends."""

    def __init__(self, client: Any) -> None:
        self.operations: list[str] = []
        client.meta.events.register("before-send.dynamodb", self._sent)

    def _sent(self, request: Any, **_: Any) -> None:
        target = request.headers.get("X-Amz-Target", b"")
        text = target.decode() if isinstance(target, bytes) else str(target)
        self.operations.append(text.rsplit(".", 1)[-1])

    def __len__(self) -> int:
        return len(self.operations)

    def reset(self) -> None:
        self.operations.clear()


@pytest.fixture
def store(runtime: Runtime) -> Lineage:
    return Lineage(runtime.dynamodb, runtime.table)


@pytest.fixture
def calls(runtime: Runtime) -> Iterator[Calls]:
    counter = Calls(runtime.dynamodb)
    yield counter


def record(
    store: Lineage,
    name: str,
    parents: Sequence[str] = (),
    *,
    waiting_for: Sequence[str] = (),
    status: str | None = None,
) -> None:
    store.claim(
        LaunchRecord(
            name=name,
            definition_hash="0123456789abcdef",
            stack_id="stack",
            logical_id=name,
            request_id=f"req-{name}",
            warm_start_type="IdenticalDataAndAlgorithm" if parents else None,
            parents=tuple(parents),
            waiting_for=tuple(waiting_for),
            launch_request={"spec": "{}", "removalBehaviour": "stop"} if waiting_for else None,
        )
    )
    if status is not None:
        store.record_state(name, JobSnapshot(status=status))
    for parent in parents:
        store.link_parent(parent, name, parent_arn=None, seen=JobSnapshot("Completed"))


def chain(store: Lineage, length: int) -> list[str]:
    names = [f"gen{i}" for i in range(length)]
    for index, name in enumerate(names):
        record(store, name, names[index - 1 : index], status="Completed")
    return names


@pytest.mark.parametrize("depth", [1, 2, 3, 4, 5])
def test_one_round_trip_per_generation(
    runtime: Runtime, store: Lineage, calls: Calls, depth: int
) -> None:
    names = chain(store, depth + 1)
    calls.reset()

    up = ancestors(runtime.dynamodb, runtime.table, names[-1])

    assert [[n.name for n in g] for g in up] == [[n] for n in reversed(names[:-1])]
    assert len(calls) == depth + 1
    assert calls.operations == ["BatchGetItem"] * (depth + 1)

    calls.reset()
    down = descendants(runtime.dynamodb, runtime.table, names[0])

    assert [[n.name for n in g] for g in down] == [[n] for n in names[1:]]
    assert len(calls) == depth + 1

    calls.reset()
    view = lineage_of(runtime.dynamodb, runtime.table, names[len(names) // 2])

    assert len(calls) == 1 + len(view.ancestors) + len(view.descendants)


def test_a_generation_is_fetched_in_chunks_of_a_hundred(
    runtime: Runtime, store: Lineage, calls: Calls
) -> None:
    record(store, "root")
    children = [f"child-{i:03}" for i in range(150)]
    for name in children:
        record(store, name)
    runtime.dynamodb.update_item(
        TableName=runtime.table,
        Key={"pk": {"S": "job#root"}},
        UpdateExpression="ADD #children :children",
        ExpressionAttributeNames={"#children": "children"},
        ExpressionAttributeValues={":children": {"SS": children}},
    )
    calls.reset()

    (generation,) = descendants(runtime.dynamodb, runtime.table, "root")

    assert sorted(n.name for n in generation) == children
    assert len(calls) == 1 + math.ceil(150 / MAX_BATCH_KEYS)

    calls.reset()
    found = get_jobs(runtime.dynamodb, runtime.table, [*children, *children, "nobody"])

    assert len(found) == 150
    assert len(calls) == 2


def test_direct_parents_and_children(runtime: Runtime, store: Lineage, calls: Calls) -> None:
    record(store, "base-a")
    record(store, "base-b")
    record(store, "Child-1", ["base-a", "base-b"])
    calls.reset()

    parents = direct_parents(runtime.dynamodb, runtime.table, "child-1")
    children = direct_children(runtime.dynamodb, runtime.table, "BASE-A")

    assert [p.name for p in parents] == ["base-a", "base-b"]
    assert [c.name for c in children] == ["Child-1"]
    assert len(calls) == 4


def test_warm_start_is_not_recursive_direct_parents_feed_further_ancestors_do_not(
    runtime: Runtime, store: Lineage
) -> None:
    names = chain(store, 4)

    fed = feeding(runtime.dynamodb, runtime.table, "gen3")

    assert fed.job.name == "gen3"
    assert [n.name for n in fed.feeds] == ["gen2"]
    assert [n.name for n in fed.ignored] == ["gen1", "gen0"]
    assert names == ["gen0", "gen1", "gen2", "gen3"]


def test_an_ancestor_that_is_also_a_direct_parent_feeds(
    runtime: Runtime, store: Lineage, calls: Calls
) -> None:
    record(store, "a")
    record(store, "b", ["a"])
    record(store, "c", ["b", "a"])
    calls.reset()

    view = lineage_of(runtime.dynamodb, runtime.table, "c")

    assert len(calls) == 2  # c, then {b, a}; nothing above them is new
    assert [[n.name for n in g] for g in view.ancestors] == [["b", "a"]]
    assert view.feeds("A") and view.feeds("b")
    assert feeding(runtime.dynamodb, runtime.table, "c").ignored == []


def test_a_name_without_an_item_is_listed_as_not_found(runtime: Runtime, store: Lineage) -> None:
    store.claim(
        LaunchRecord(
            name="orphan",
            definition_hash="0123456789abcdef",
            stack_id="stack",
            logical_id="Orphan",
            request_id="req",
            parents=("ghost",),
        )
    )

    (parents,) = ancestors(runtime.dynamodb, runtime.table, "orphan")

    assert [(n.name, n.found, n.status) for n in parents] == [("ghost", False, None)]


def test_an_unknown_job_is_an_error(runtime: Runtime) -> None:
    with pytest.raises(UnknownJobError, match="no tuning job named 'nobody' in lineage table"):
        lineage_of(runtime.dynamodb, runtime.table, "nobody")


def test_waiting_jobs(runtime: Runtime, store: Lineage) -> None:
    record(store, "base", status="InProgress")
    record(store, "child", ["base"], waiting_for=["base"])
    record(store, "other", ["base"])

    waiting = waiting_jobs(runtime.dynamodb, runtime.table)

    assert [(n.name, n.status, n.waiting_for) for n in waiting] == [
        ("child", "Waiting", ("base",))
    ]
