"""The lineage table: one DynamoDB item per tuning job, and who warm-started from whom.

The table has a single string partition key, :data:`PARTITION_KEY`; an item's key is
``job#<lower-case name>`` (SageMaker compares names case-insensitively). An item holds
the job's name and ARN, the stack, logical id and construct path that launched it, the
warm-start type and the *direct* parents (warm start is not recursive: a grandparent feeds
a job only if it is listed here), the definition hash, the status and its history, the
training-job counters, the best training job, times, the failure reason and a removal
marker. Items are never deleted, only marked.

Parents to children: recording a child adds its name to the string set ``children`` on
each parent's item. A parent that the library did not launch (imported by name) gets a
minimal item marked ``external``.

Rules kept by every write here:

* every attribute in an update or condition expression goes through
  ``ExpressionAttributeNames`` (``status``, ``name`` and many more are reserved words);
* no empty string and no empty set is written (DynamoDB and dynalite reject empty sets);
* the first record of a job is a conditional put (``attribute_not_exists(pk)``), so two
  requests cannot both believe they launched it;
* an item stays compact (names, hashes, counts) and its size is checked against
  DynamoDB's 400 KB limit before it is written.

Status follows SageMaker whenever the handler sees the job (Create, Update, Delete), and
on every "SageMaker HyperParameter Tuning Job State Change" event (see
:mod:`constructs_pkg.runtime.events`): :meth:`Lineage.record_state` orders writes by the
job's ``LastModifiedTime`` (kept as ``lastModifiedAt``) with a compare-and-swap on the
status, and never moves a terminal status (Completed, Stopped, Failed). A parent's item
also keeps ``lastDescribed``: the state seen when a child was launched or recorded.

Deferred launch: a child whose parents still run is recorded ``Waiting`` with
``waitingFor`` (the parents not finished) and ``launchRequest`` (the canonical ``Spec``
it will send; its name and ``tags`` are the item's own). Exactly one launcher wins the
conditional ``Waiting`` → ``Launching`` write (:meth:`Lineage.claim_waiting`), which stores
a ``launchClaim`` token that every later write of that launch is conditioned on. A launch
that fails is ``LaunchFailed`` with ``failureReason`` and a ``launchFailureNotice`` whose
status goes from ``pending`` to ``sent`` once published; a waiting child deleted from its
stack is ``Cancelled`` and can no longer be claimed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from constructs_pkg.core.naming import LINEAGE_PARTITION_KEY, lineage_key
from constructs_pkg.runtime.aws import describe_error, error_code, error_message
from constructs_pkg.runtime.errors import AwsCallFailedError, LineageError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

PARTITION_KEY = LINEAGE_PARTITION_KEY
KEY_PREFIX = "job#"
ITEM_VERSION = 1
"""Version of the item layout below; readers may rely on the fields it names."""

MAX_ITEM_BYTES = 400 * 1024
"""DynamoDB's item size limit, attribute names included."""

AttributeValue = dict[str, Any]

_RECORD_STATE_ATTEMPTS = 3
_MILLISECONDS_THRESHOLD = 100_000_000_000
"""Epoch values above this are milliseconds (in seconds it would be the year 5138)."""

_FIRST_RECORD = f"attribute_not_exists(#{PARTITION_KEY})"
"""Condition of a job's first record: never overwrite a record someone else made."""


def table_key_schema() -> dict[str, list[dict[str, str]]]:
    """``KeySchema`` and ``AttributeDefinitions`` of the lineage table.

    Pass them to ``create_table`` (tests) or mirror them in the CDK ``Table``
    (``partition_key=Attribute(name=PARTITION_KEY, type=AttributeType.STRING)``).
    """
    return {
        "KeySchema": [{"AttributeName": PARTITION_KEY, "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": PARTITION_KEY, "AttributeType": "S"}],
    }


def item_key(name: str) -> str:
    return KEY_PREFIX + lineage_key(name)


class LaunchStatus(StrEnum):
    """Statuses the library records besides SageMaker's own."""

    LAUNCHING = "Launching"
    """Recorded; ``CreateHyperParameterTuningJob`` is being called."""
    LAUNCH_FAILED = "LaunchFailed"
    """SageMaker refused the Create, or a deferred launch failed its pre-flight checks:
    no job exists under this name."""
    WAITING = "Waiting"
    """Recorded with the request it will send; launched when its last parent finishes."""
    CANCELLED = "Cancelled"
    """A waiting job deleted from its stack before it was launched; never launched."""


LAUNCHED_STATUS = "InProgress"
"""What SageMaker reports for a job it has just accepted."""

TERMINAL_STATUSES = frozenset({"Completed", "Stopped", "Failed"})
"""SageMaker statuses after which a job never changes (and a child may warm-start)."""
UNTRACKED_STATUSES = frozenset(
    {LaunchStatus.WAITING, LaunchStatus.CANCELLED, LaunchStatus.LAUNCH_FAILED}
)
"""Statuses of records under which no SageMaker job exists: events never change them."""

LAUNCH_LEASE = timedelta(minutes=20)
"""How long a launch claim holds. Longer than a Lambda can run (15 minutes), so a claim
found expired belongs to a launcher that is certainly gone."""


def iso(moment: datetime) -> str:
    """ISO-8601 in UTC with a ``Z`` suffix, to the millisecond."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --------------------------------------------------------------------------- what is recorded


@dataclass(frozen=True)
class JobSnapshot:
    """What a ``DescribeHyperParameterTuningJob`` said about a job, kept compact."""

    status: str
    training_job_counters: dict[str, int] = field(default_factory=dict)
    best_training_job: dict[str, object] | None = None
    failure_reason: str | None = None
    creation_time: datetime | None = None
    end_time: datetime | None = None
    overall_best_training_job: dict[str, object] | None = None
    """Only for IdenticalDataAndAlgorithm: the best across the job and its parents."""
    last_modified_time: datetime | None = None

    @classmethod
    def from_describe(cls, response: Mapping[str, Any]) -> JobSnapshot:
        counters = response.get("TrainingJobStatusCounters") or {}
        best = response.get("BestTrainingJob") or None
        overall = response.get("OverallBestTrainingJob") or None
        return cls(
            status=str(response.get("HyperParameterTuningJobStatus", "")),
            training_job_counters=_counters(counters),
            best_training_job=_best_training_job(best) if isinstance(best, Mapping) else None,
            failure_reason=response.get("FailureReason") or None,
            creation_time=_utc(response.get("CreationTime")),
            end_time=_utc(response.get("HyperParameterTuningEndTime")),
            overall_best_training_job=(
                _best_training_job(overall) if isinstance(overall, Mapping) else None
            ),
            last_modified_time=_utc(response.get("LastModifiedTime")),
        )

    @classmethod
    def from_event(cls, detail: Mapping[str, Any]) -> JobSnapshot:
        """What a state-change event's ``detail`` says (no best job, no failure reason)."""
        counters = detail.get("TrainingJobStatusCounters") or {}
        return cls(
            status=str(detail.get("HyperParameterTuningJobStatus") or ""),
            training_job_counters=_counters(counters if isinstance(counters, Mapping) else {}),
            creation_time=parse_time(detail.get("CreationTime")),
            last_modified_time=parse_time(detail.get("LastModifiedTime")),
        )

    @property
    def training_jobs_launched(self) -> int:
        """Training jobs this job has started: the sum of its status counters."""
        return sum(self.training_job_counters.values())

    def fields(self) -> dict[str, object]:
        values: dict[str, object] = {
            "status": self.status,
            "trainingJobCounters": dict(self.training_job_counters),
            "bestTrainingJob": self.best_training_job,
            "failureReason": self.failure_reason,
            "endedAt": iso(self.end_time) if self.end_time else None,
            "overallBestTrainingJob": self.overall_best_training_job,
            "lastModifiedAt": iso(self.last_modified_time) if self.last_modified_time else None,
        }
        return {k: v for k, v in values.items() if v not in (None, "", {})}


@dataclass(frozen=True)
class LaunchRecord:
    """The first record of a job the library is about to launch."""

    name: str
    definition_hash: str
    stack_id: str
    logical_id: str
    request_id: str
    construct_path: str = ""
    warm_start_type: str | None = None
    parents: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    replaces: str | None = None
    """The job this one replaces after a changed definition (an Update)."""
    waiting_for: tuple[str, ...] = ()
    """Parents not finished yet: the job is recorded ``Waiting`` instead of launched."""
    launch_request: Mapping[str, str] | None = None
    """What a deferred launch sends: ``spec`` (canonical ``Spec`` JSON) and
    ``removalBehaviour``; the name and tags are the record's own."""

    def item(self, now: datetime) -> dict[str, object]:
        at = iso(now)
        status = LaunchStatus.WAITING if self.waiting_for else LaunchStatus.LAUNCHING
        values: dict[str, object] = {
            PARTITION_KEY: item_key(self.name),
            "itemVersion": ITEM_VERSION,
            "name": self.name,
            "external": False,
            "stackId": self.stack_id,
            "logicalId": self.logical_id,
            "constructPath": self.construct_path,
            "requestId": self.request_id,
            "definitionHash": self.definition_hash,
            "warmStartType": self.warm_start_type,
            "parents": list(self.parents),
            "status": status.value,
            "statusHistory": [_history_entry(status, at)],
            "tags": dict(self.tags),
            "replaces": self.replaces,
            "waitingFor": list(self.waiting_for) if self.waiting_for else None,
            "launchRequest": (
                dict(self.launch_request) if self.waiting_for and self.launch_request else None
            ),
            "createdAt": at,
            "updatedAt": at,
        }
        return {k: v for k, v in values.items() if v not in (None, "", {})}


@dataclass(frozen=True)
class LineageItem:
    """A lineage item as read back, with typed access to the fields the handler uses."""

    data: Mapping[str, object]

    def _text(self, key: str) -> str | None:
        value = self.data.get(key)
        return value if isinstance(value, str) and value else None

    @property
    def name(self) -> str | None:
        return self._text("name")

    @property
    def arn(self) -> str | None:
        return self._text("arn")

    @property
    def status(self) -> str | None:
        return self._text("status")

    @property
    def definition_hash(self) -> str | None:
        return self._text("definitionHash")

    @property
    def stack_id(self) -> str | None:
        return self._text("stackId")

    @property
    def logical_id(self) -> str | None:
        return self._text("logicalId")

    @property
    def request_id(self) -> str | None:
        return self._text("requestId")

    @property
    def replaces(self) -> str | None:
        return self._text("replaces")

    @property
    def tags(self) -> dict[str, str] | None:
        """The tags of a job the library launched (an item without ``tags``: none)."""
        if self.external:
            return None
        tags = self.data.get("tags")
        return {str(k): str(v) for k, v in tags.items()} if isinstance(tags, Mapping) else {}

    @property
    def external(self) -> bool:
        return self.data.get("external") is True

    @property
    def removed(self) -> bool:
        return isinstance(self.data.get("removed"), Mapping)

    @property
    def removal(self) -> Mapping[str, object]:
        """The removal marker (``at``, ``behaviour``, ``action``); empty if not removed."""
        value = self.data.get("removed")
        return value if isinstance(value, Mapping) else {}

    @property
    def parents(self) -> tuple[str, ...]:
        return _names(self.data.get("parents"))

    @property
    def children(self) -> tuple[str, ...]:
        """The children recorded on this item, sorted (a string set has no order)."""
        return tuple(sorted(_names(self.data.get("children"))))

    @property
    def waiting_for(self) -> tuple[str, ...]:
        return _names(self.data.get("waitingFor"))

    @property
    def last_modified_at(self) -> str | None:
        return self._text("lastModifiedAt")

    @property
    def launch_request(self) -> Mapping[str, object]:
        value = self.data.get("launchRequest")
        return value if isinstance(value, Mapping) else {}

    @property
    def launch_claim(self) -> Mapping[str, object]:
        value = self.data.get("launchClaim")
        return value if isinstance(value, Mapping) else {}

    def claim_expired(self, now: datetime) -> bool:
        """True for a ``Launching`` deferred launch whose claim has run out (or has none)."""
        expires = self.launch_claim.get("expiresAt")
        return not isinstance(expires, str) or expires <= iso(now)

    @property
    def notice_pending(self) -> bool:
        notice = self.data.get("launchFailureNotice")
        return isinstance(notice, Mapping) and notice.get("status") == "pending"

    def launched_by(self, stack_id: str, logical_id: str) -> bool:
        """True if this resource of this stack recorded the job (not a parent seen by name)."""
        return not self.external and self.stack_id == stack_id and self.logical_id == logical_id


# --------------------------------------------------------------------------- the store


class Lineage:
    """Reads and writes lineage items in one table."""

    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.client = client
        self.table_name = table_name
        self.clock = clock

    # ---- reading

    def get(self, name: str) -> LineageItem | None:
        try:
            response = self.client.get_item(
                TableName=self.table_name,
                Key={PARTITION_KEY: {"S": item_key(name)}},
                ConsistentRead=True,
            )
        except ClientError as exc:
            raise self._failed("read", name, exc) from exc
        except BotoCoreError as exc:
            raise self._failed("read", name, exc) from exc
        item = response.get("Item")
        if item is None:
            return None
        return LineageItem(from_attribute({"M": item}))  # type: ignore[arg-type]

    # ---- the launch of a job

    def claim(self, record: LaunchRecord) -> LineageItem | None:
        """Record a job about to be launched.

        Returns None when the name was free, or held only by a launch that SageMaker
        refused (that record is replaced). Otherwise returns the item that holds the name,
        unchanged, for the caller to judge (a retried request finds its own record).
        """
        item = record.item(self.clock())
        if self._put(record.name, item, _FIRST_RECORD, {}, (PARTITION_KEY,)):
            return None
        existing = self.get(record.name)
        if existing is None:  # not there after all (a failed put is retried once)
            if self._put(record.name, item, _FIRST_RECORD, {}, (PARTITION_KEY,)):
                return None
            existing = self.get(record.name)
            if existing is None:
                raise LineageError(
                    f"could not record tuning job '{record.name}' in table "
                    f"'{self.table_name}': the conditional put failed, yet no item is there"
                )
        if existing.status == LaunchStatus.LAUNCH_FAILED and existing.arn is None:
            # A refused launch created no job, so its name is free; the condition makes sure
            # that nobody launched under it since we read it.
            condition = "#status = :failed AND attribute_not_exists(#arn)"
            values = {":failed": to_attribute(LaunchStatus.LAUNCH_FAILED.value)}
            if self._put(record.name, item, condition, values, ("status", "arn")):
                return None
            return self.get(record.name)
        return existing

    def mark_launched(self, name: str, arn: str) -> None:
        """Record the ARN; the status becomes InProgress only if it still says Launching.

        A state-change event may have recorded a later status already (it orders by
        ``LastModifiedTime``), and a status never moves backwards.
        """
        at = iso(self.clock())
        update = _Update()
        update.set("arn", arn)
        update.set("status", LAUNCHED_STATUS)
        update.append("statusHistory", [_history_entry(LAUNCHED_STATUS, at)])
        update.set("updatedAt", at)
        update.condition_exists()
        update.condition(
            "#status = :launchingStatus",
            ("status",),
            {"launchingStatus": LaunchStatus.LAUNCHING.value},
        )
        if self._update("record the launch of", name, update, exists=False, missing_ok=True):
            return
        only_arn = _Update()
        only_arn.set("arn", arn)
        only_arn.set("updatedAt", at)
        self._update("record the launch of", name, only_arn, exists=True)

    def mark_launch_failed(self, name: str, reason: str) -> None:
        at = iso(self.clock())
        update = _Update()
        update.set("status", LaunchStatus.LAUNCH_FAILED.value)
        update.append("statusHistory", [_history_entry(LaunchStatus.LAUNCH_FAILED, at)])
        update.set("failureReason", reason)
        update.set("updatedAt", at)
        # Never mark a job that exists (it has an ARN) as not launched.
        update.condition_absent("arn")
        self._update("record the refused launch of", name, update, exists=True)

    def withdraw(self, name: str, request_id: str) -> None:
        """Delete the record this request made for a name it could not launch under.

        The name belongs to a job this library did not launch, so the record would
        misattribute that job. Only a record without an ARN and made by this very request
        is deleted; a job's lineage is never deleted.
        """
        try:
            self.client.delete_item(
                TableName=self.table_name,
                Key={PARTITION_KEY: {"S": item_key(name)}},
                ConditionExpression="#requestId = :requestId AND attribute_not_exists(#arn)",
                ExpressionAttributeNames={"#requestId": "requestId", "#arn": "arn"},
                ExpressionAttributeValues={":requestId": {"S": request_id}},
            )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise self._failed("withdraw", name, exc) from exc
        except BotoCoreError as exc:
            raise self._failed("withdraw", name, exc) from exc

    def link_parent(
        self, parent: str, child: str, *, parent_arn: str | None, seen: JobSnapshot
    ) -> None:
        """Add ``child`` to the parent's ``children``; create a minimal item if none exists."""
        at = iso(self.clock())
        update = _Update()
        update.set_if_absent("itemVersion", ITEM_VERSION)
        update.set_if_absent("name", parent)
        # Items the library launched say external=false from their first record.
        update.set_if_absent("external", True)
        if parent_arn:
            update.set_if_absent("arn", parent_arn)
        update.set_if_absent("createdAt", at)
        update.set("updatedAt", at)
        update.set(
            "lastDescribed",
            {
                "status": seen.status,
                "trainingJobsLaunched": seen.training_jobs_launched,
                "at": at,
            },
        )
        update.add("children", frozenset({child}))
        self._update("link child to parent", parent, update, exists=False)

    # ---- deferred launch

    def claim_waiting(self, name: str, token: str, trigger: str) -> bool:
        """``Waiting`` → ``Launching`` under ``token``; False if anyone else got there first.

        The condition (still ``Waiting``, not removed) is what makes a child launch at most
        once when events, sweeps and retries race.
        """
        now = self.clock()
        update = self._claim_update(token, trigger, now, attempt=1)
        update.append("statusHistory", [_history_entry(LaunchStatus.LAUNCHING, iso(now))])
        update.remove("waitingFor")
        update.condition(
            "#status = :waitingStatus AND attribute_not_exists(#removed)",
            ("status", "removed"),
            {"waitingStatus": LaunchStatus.WAITING.value},
        )
        return self._update("claim the launch of", name, update, exists=True, missing_ok=True)

    def reclaim_expired(
        self, name: str, previous_token: str, token: str, trigger: str, attempt: int
    ) -> bool:
        """Take over a ``Launching`` claim that expired (its launcher is gone or gave up)."""
        now = self.clock()
        update = self._claim_update(token, trigger, now, attempt=attempt)
        update.condition(
            "#status = :launchingStatus AND #launchClaim.#token = :previousToken "
            "AND #launchClaim.#expiresAt <= :now "
            "AND attribute_not_exists(#arn) AND attribute_not_exists(#removed)",
            ("status", "launchClaim", "token", "expiresAt", "arn", "removed"),
            {
                "launchingStatus": LaunchStatus.LAUNCHING.value,
                "previousToken": previous_token,
                "now": iso(now),
            },
        )
        return self._update("claim the launch of", name, update, exists=True, missing_ok=True)

    def _claim_update(self, token: str, trigger: str, now: datetime, attempt: int) -> _Update:
        at = iso(now)
        update = _Update()
        update.set("status", LaunchStatus.LAUNCHING.value)
        update.set(
            "launchClaim",
            {
                "token": token,
                "by": trigger,
                "at": at,
                "expiresAt": iso(now + LAUNCH_LEASE),
                "attempt": attempt,
            },
        )
        update.set("updatedAt", at)
        return update

    def release_claim(self, name: str, token: str, error: str) -> bool:
        """Let the next sweep retry a launch that failed for a transient reason.

        The status stays ``Launching``: the Create may have reached SageMaker, and the next
        attempt adopts the job if so (the name is the record's).
        """
        at = iso(self.clock())
        update = _Update()
        update.set("lastLaunchError", {"at": at, "error": error})
        update.set("updatedAt", at)
        update.set_path(("launchClaim", "expiresAt"), at, "releasedAt")
        update.condition(
            "#launchClaim.#token = :claimToken", ("launchClaim", "token"), {"claimToken": token}
        )
        return self._update(
            "release the launch claim of", name, update, exists=True, missing_ok=True
        )

    def fail_deferred(self, name: str, token: str, reason: str) -> bool:
        """Record a deferred launch that cannot happen; its notice is pending until published."""
        at = iso(self.clock())
        update = _Update()
        update.set("status", LaunchStatus.LAUNCH_FAILED.value)
        update.append("statusHistory", [_history_entry(LaunchStatus.LAUNCH_FAILED, at)])
        update.set("failureReason", reason)
        update.set("launchFailureNotice", {"status": "pending", "at": at})
        update.set("updatedAt", at)
        update.condition(
            "#launchClaim.#token = :claimToken AND attribute_not_exists(#arn)",
            ("launchClaim", "token", "arn"),
            {"claimToken": token},
        )
        return self._update(
            "record the failed launch of", name, update, exists=True, missing_ok=True
        )

    def mark_notice_sent(self, name: str, message_id: str) -> None:
        at = iso(self.clock())
        update = _Update()
        update.set("launchFailureNotice", {"status": "sent", "at": at, "messageId": message_id})
        update.set("updatedAt", at)
        self._update("record the failure notice of", name, update, exists=True, missing_ok=True)

    def set_launched(self, name: str, arn: str, token: str) -> LineageItem | None:
        """Record the job a deferred launch created; returns the item as it now stands."""
        self.mark_launched(name, arn)
        at = iso(self.clock())
        update = _Update()
        update.set_path(("launchClaim", "launchedAt"), at, "launchedAt")
        update.condition(
            "#launchClaim.#token = :claimToken", ("launchClaim", "token"), {"claimToken": token}
        )
        self._update("record the launch of", name, update, exists=True, missing_ok=True)
        return self.get(name)

    def update_waiting_for(self, name: str, parents: Sequence[str]) -> bool:
        """The parents a waiting job still waits for (only while it is ``Waiting``)."""
        update = _Update()
        if parents:
            update.set("waitingFor", list(parents))
        else:
            update.remove("waitingFor")
        update.set("updatedAt", iso(self.clock()))
        update.condition(
            "#status = :waitingStatus", ("status",), {"waitingStatus": LaunchStatus.WAITING.value}
        )
        return self._update(
            "update the parents awaited by", name, update, exists=True, missing_ok=True
        )

    def cancel(self, name: str, *, behaviour: str) -> bool:
        """``Waiting`` → ``Cancelled`` and marked removed; False if no longer waiting."""
        at = iso(self.clock())
        update = _Update()
        update.set("status", LaunchStatus.CANCELLED.value)
        update.append("statusHistory", [_history_entry(LaunchStatus.CANCELLED, at)])
        update.set("removed", {"at": at, "behaviour": behaviour, "action": "cancelled"})
        update.remove("waitingFor")
        update.set("updatedAt", at)
        update.condition(
            "#status = :waitingStatus AND attribute_not_exists(#removed)",
            ("status", "removed"),
            {"waitingStatus": LaunchStatus.WAITING.value},
        )
        return self._update("cancel", name, update, exists=True, missing_ok=True)

    def note_removal_action(self, name: str, action: str) -> None:
        update = _Update()
        update.set_path(("removed", "action"), action, "removalAction")
        update.set("updatedAt", iso(self.clock()))
        self._update("mark removed", name, update, exists=True, missing_ok=True)

    # ---- status tracking

    def record_state(self, name: str, seen: JobSnapshot, *, arn: str | None = None) -> str:
        """Record what SageMaker says of a known job; never move its record backwards.

        Returns ``updated``, ``unknown`` (no item), ``final`` (terminal already, or a record
        under which no job exists), ``stale`` (not newer than what is recorded) or
        ``conflict`` (concurrent writers kept winning; the next event catches up).
        Each write is a compare-and-swap on the status and ``lastModifiedAt`` it read.
        """
        new_modified = iso(seen.last_modified_time) if seen.last_modified_time else None
        for _ in range(_RECORD_STATE_ATTEMPTS):
            item = self.get(name)
            if item is None:
                return "unknown"
            previous = item.status
            if previous in TERMINAL_STATUSES or previous in UNTRACKED_STATUSES:
                return "final"
            known = item.last_modified_at
            if known is not None and new_modified is not None and new_modified <= known:
                return "stale"
            if not seen.status:
                return "stale"
            at = iso(self.clock())
            update = _Update()
            for key, value in seen.fields().items():
                update.set(key, value)
            if seen.status != previous:
                update.append("statusHistory", [_history_entry(seen.status, at)])
            if arn:
                update.set_if_absent("arn", arn)
            update.set("updatedAt", at)
            update.condition_exists()
            if previous is None:
                update.condition("attribute_not_exists(#status)", ("status",), {})
            else:
                update.condition("#status = :seenStatus", ("status",), {"seenStatus": previous})
            if known is None:
                update.condition("attribute_not_exists(#lastModifiedAt)", ("lastModifiedAt",), {})
            else:
                update.condition(
                    "#lastModifiedAt = :seenModified", ("lastModifiedAt",), {"seenModified": known}
                )
            if self._update("record the state of", name, update, exists=False, missing_ok=True):
                return "updated"
        return "conflict"

    def mark_superseded(self, old: str, new: str) -> None:
        update = _Update()
        update.set("supersededBy", new)
        update.set("updatedAt", iso(self.clock()))
        self._update("mark superseded", old, update, exists=True)

    # ---- an existing job

    def update_in_place(
        self,
        name: str,
        *,
        tags: Mapping[str, str],
        construct_path: str,
        seen: JobSnapshot | None,
        previous_status: str | None,
    ) -> bool:
        """Record new tags (and the state seen) of a job kept by an Update.

        Returns False when the table holds no item for the job.
        """
        at = iso(self.clock())
        update = _Update()
        if tags:
            update.set("tags", dict(tags))
        else:
            update.remove("tags")
        if construct_path:
            update.set("constructPath", construct_path)
        self._add_snapshot(update, seen, previous_status, at)
        update.set("updatedAt", at)
        return self._update("update", name, update, exists=True, missing_ok=True)

    def mark_removed(
        self,
        name: str,
        *,
        behaviour: str,
        action: str,
        seen: JobSnapshot | None,
        previous_status: str | None,
    ) -> None:
        """Mark the job's item removed from the stack: when, how (behaviour), what was done."""
        at = iso(self.clock())
        update = _Update()
        update.set("removed", {"at": at, "behaviour": behaviour, "action": action})
        self._add_snapshot(update, seen, previous_status, at)
        update.set("updatedAt", at)
        self._update("mark removed", name, update, exists=True)

    # ---- plumbing

    @staticmethod
    def _add_snapshot(
        update: _Update, seen: JobSnapshot | None, previous_status: str | None, at: str
    ) -> None:
        if seen is None:
            return
        for key, value in seen.fields().items():
            update.set(key, value)
        if seen.status and seen.status != previous_status:
            update.append("statusHistory", [_history_entry(seen.status, at)])

    def _put(
        self,
        name: str,
        item: Mapping[str, object],
        condition: str,
        values: Mapping[str, AttributeValue],
        condition_names: Iterable[str] = (),
    ) -> bool:
        """Put ``item`` if ``condition`` holds; False if it does not."""
        attributes = {k: to_attribute(v) for k, v in item.items()}
        check_item_size(name, attributes)
        names = {f"#{n}": n for n in condition_names}
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "Item": attributes,
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
        }
        if values:
            request["ExpressionAttributeValues"] = dict(values)
        try:
            self.client.put_item(**request)
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise self._failed("record", name, exc) from exc
        except BotoCoreError as exc:
            raise self._failed("record", name, exc) from exc
        return True

    def _update(
        self,
        act: str,
        name: str,
        update: _Update,
        *,
        exists: bool,
        missing_ok: bool = False,
    ) -> bool:
        if exists:
            # Only touch an item that is there: an update would otherwise create a partial one.
            update.condition_exists()
        request = update.request(self.table_name, item_key(name))
        check_item_size(name, request["ExpressionAttributeValues"])
        try:
            self.client.update_item(**request)
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException" and missing_ok:
                return False
            raise self._failed(act, name, exc) from exc
        except BotoCoreError as exc:
            # A transport failure (refused connection, timeout) is an AWS call that failed,
            # not a defect: it is reported like any other failed write.
            raise self._failed(act, name, exc) from exc
        return True

    def _failed(self, act: str, name: str, exc: ClientError | BotoCoreError) -> Exception:
        message = error_message(exc) if isinstance(exc, ClientError) else str(exc)
        code = error_code(exc) if isinstance(exc, ClientError) else ""
        if code == "ValidationException" and "size" in message.lower():
            return LineageError(
                f"failed to {act} the lineage item of tuning job '{name}' in table "
                f"'{self.table_name}': it would exceed DynamoDB's 400 KB item limit ({message})"
            )
        hint = ""
        if code == "ResourceNotFoundException":
            hint = "; check that the lineage table exists and LineageTableName names it"
        return AwsCallFailedError(
            f"failed to {act} the lineage item of tuning job '{name}' in table "
            f"'{self.table_name}': {describe_error(exc)}{hint}"
        )


class _Update:
    """An UpdateItem request built from named parts, every attribute through a placeholder."""

    def __init__(self) -> None:
        self._set: list[str] = []
        self._remove: list[str] = []
        self._add: list[str] = []
        self._conditions: list[str] = []
        self.names: dict[str, str] = {}
        self.values: dict[str, AttributeValue] = {}

    def _name(self, attribute: str) -> str:
        placeholder = f"#{attribute}"
        self.names[placeholder] = attribute
        return placeholder

    def _value(self, key: str, value: object) -> str:
        placeholder = f":{key}"
        self.values[placeholder] = to_attribute(value)
        return placeholder

    def set(self, attribute: str, value: object) -> None:
        self._set.append(f"{self._name(attribute)} = {self._value(attribute, value)}")

    def set_if_absent(self, attribute: str, value: object) -> None:
        name = self._name(attribute)
        self._set.append(f"{name} = if_not_exists({name}, {self._value(attribute, value)})")

    def append(self, attribute: str, items: Sequence[object]) -> None:
        name = self._name(attribute)
        empty = self._value("emptyList", [])
        added = self._value(attribute, items)
        self._set.append(f"{name} = list_append(if_not_exists({name}, {empty}), {added})")

    def add(self, attribute: str, members: frozenset[str]) -> None:
        self._add.append(f"{self._name(attribute)} {self._value(attribute, members)}")

    def remove(self, attribute: str) -> None:
        self._remove.append(self._name(attribute))

    def set_path(self, path: Sequence[str], value: object, key: str) -> None:
        """``SET #a.#b = :key``: one member of a map attribute."""
        target = ".".join(self._name(part) for part in path)
        self._set.append(f"{target} = {self._value(key, value)}")

    def condition_exists(self) -> None:
        self._conditions.append(f"attribute_exists({self._name(PARTITION_KEY)})")

    def condition(
        self, expression: str, attributes: Iterable[str], values: Mapping[str, object]
    ) -> None:
        """A condition written with ``#attribute`` and ``:key`` placeholders."""
        for attribute in attributes:
            self._name(attribute)
        for key, value in values.items():
            self._value(key, value)
        self._conditions.append(f"({expression})")

    def condition_absent(self, attribute: str) -> None:
        self._conditions.append(f"attribute_not_exists({self._name(attribute)})")

    def request(self, table: str, key: str) -> dict[str, Any]:
        clauses = []
        if self._set:
            clauses.append("SET " + ", ".join(self._set))
        if self._remove:
            clauses.append("REMOVE " + ", ".join(self._remove))
        if self._add:
            clauses.append("ADD " + ", ".join(self._add))
        request: dict[str, Any] = {
            "TableName": table,
            "Key": {PARTITION_KEY: {"S": key}},
            "UpdateExpression": " ".join(clauses),
            "ExpressionAttributeNames": dict(self.names),
            "ExpressionAttributeValues": dict(self.values),
        }
        if self._conditions:
            request["ConditionExpression"] = " AND ".join(self._conditions)
        return request


# --------------------------------------------------------------------------- attribute values


def to_attribute(value: object) -> AttributeValue:
    """A Python value as a DynamoDB attribute value.

    Map entries that are None or empty strings are left out; an empty set is an error
    (DynamoDB has no empty set).
    """
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, int):
        return {"N": str(value)}
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"DynamoDB numbers must be finite; got {value!r}")
        return {"N": repr(value)}
    if isinstance(value, frozenset | set):
        if not value or not all(isinstance(v, str) for v in value):
            raise ValueError(
                "a string set must hold at least one string (DynamoDB has no empty set)"
            )
        return {"SS": sorted(value)}
    if isinstance(value, Mapping):
        return {
            "M": {str(k): to_attribute(v) for k, v in value.items() if v is not None and v != ""}
        }
    if isinstance(value, list | tuple):
        return {"L": [to_attribute(v) for v in value]}
    if value is None:
        return {"NULL": True}
    raise TypeError(f"cannot store {type(value).__name__} in a lineage item")


def from_attribute(value: AttributeValue) -> object:
    """The Python value of a DynamoDB attribute value (numbers as int where whole)."""
    (kind, data), *_ = value.items()
    if kind == "S":
        return data
    if kind == "N":
        number = float(data)
        return int(data) if data.lstrip("-").isdigit() else number
    if kind == "BOOL":
        return bool(data)
    if kind == "NULL":
        return None
    if kind == "SS":
        return frozenset(data)
    if kind == "M":
        return {k: from_attribute(v) for k, v in data.items()}
    if kind == "L":
        return [from_attribute(v) for v in data]
    return data


def attribute_size(value: AttributeValue) -> int:
    """DynamoDB's size of an attribute value, in bytes (a slight over-estimate for numbers)."""
    (kind, data), *_ = value.items()
    if kind == "S":
        return len(data.encode("utf-8"))
    if kind == "N":
        return len(data) // 2 + 2
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode("utf-8")) for s in data)
    if kind == "M":
        return 3 + sum(len(k.encode("utf-8")) + 1 + attribute_size(v) for k, v in data.items())
    if kind == "L":
        return 3 + sum(1 + attribute_size(v) for v in data)
    return len(str(data))


def check_item_size(name: str, attributes: Mapping[str, AttributeValue]) -> None:
    """Raise :class:`LineageError` if ``attributes`` alone pass DynamoDB's item limit."""
    size = sum(len(k.encode("utf-8")) + attribute_size(v) for k, v in attributes.items())
    if size > MAX_ITEM_BYTES:
        raise LineageError(
            f"the lineage item of tuning job '{name}' would be {size:,} bytes, over DynamoDB's "
            f"{MAX_ITEM_BYTES:,}-byte item limit; keep tags and parent lists short"
        )


# --------------------------------------------------------------------------- helpers


def _history_entry(status: str, at: str) -> dict[str, str]:
    return {"status": str(status), "at": at}


def _utc(value: object) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def parse_time(value: object) -> datetime | None:
    """A time as events carry it: epoch milliseconds (a number or digit string), or ISO-8601."""
    if isinstance(value, datetime):
        return _utc(value)
    if isinstance(value, bool):
        return None
    number: float | None = None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and value.strip().isdigit():
        number = float(value.strip())
    if number is not None:
        # Epoch milliseconds; a value this small can only be seconds.
        seconds = number / 1000 if number > _MILLISECONDS_THRESHOLD else number
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str) and value:
        try:
            return _utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            return None
    return None


def _counters(counters: Mapping[str, Any]) -> dict[str, int]:
    return {
        str(k): v
        for k, v in counters.items()
        if isinstance(v, int) and not isinstance(v, bool) and v >= 0
    }


def _names(value: object) -> tuple[str, ...]:
    if isinstance(value, frozenset | set):
        return tuple(sorted(str(v) for v in value))
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value if isinstance(v, str) and v)
    return ()


def _best_training_job(best: Mapping[str, Any]) -> dict[str, object]:
    metric = best.get("FinalHyperParameterTuningJobObjectiveMetric") or {}
    value = metric.get("Value")
    summary: dict[str, object] = {
        "name": best.get("TrainingJobName"),
        "status": best.get("TrainingJobStatus"),
        "objectiveMetric": metric.get("MetricName"),
        "objectiveValue": float(value) if isinstance(value, int | float) else None,
    }
    return {k: v for k, v in summary.items() if v not in (None, "")}
