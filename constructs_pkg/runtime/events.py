"""The EventBridge handlers: SageMaker tuning-job state changes, and the periodic sweep.

Entry points (one Lambda function may serve both; :func:`on_event` dispatches):

* :func:`on_state_change` for "SageMaker HyperParameter Tuning Job State Change" events
  (``source`` ``aws.sagemaker``). For each lineage table that knows the job, it records
  the job's state (status and its history, training-job counters, best and overall best
  training job, failure reason) from ``DescribeHyperParameterTuningJob``, since the event
  lacks the best job and the failure reason; writes are ordered by ``LastModifiedTime``
  and a terminal status is final, so duplicate and out-of-order events change nothing.
  When the job is terminal, each child waiting for it is launched if all its parents have
  finished (:func:`constructs_pkg.runtime.handler.launch_waiting`).
* :func:`on_sweep` for a scheduled event: for events that never arrive. It refreshes
  every job whose record is not terminal, launches what waits and may go, takes over
  launches whose claim expired, and publishes failure notices still pending.

A deferred launch that fails is recorded ``LaunchFailed`` with its reason and published
to the SNS topic in ``LAUNCH_FAILURE_TOPIC_ARN``; the notice stays ``pending`` on the record
until SNS accepted it, and the sweep retries it (so a notice is published at least once).

Environment: ``LINEAGE_TABLE_NAMES`` (comma-separated lineage tables to serve),
``LAUNCH_FAILURE_TOPIC_ARN``, and ``STACK_ID``: when set, only jobs recorded by that stack
are launched, refreshed by the sweep or notified about (a table may be shared by stacks
whose handlers hold other permissions); every table item is still tracked from events.
Nothing logs the raw event.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from constructs_pkg.core.naming import STACK_VARIABLE, TABLES_VARIABLE, TOPIC_VARIABLE
from constructs_pkg.runtime.aws import describe_error, error_code, sns_client
from constructs_pkg.runtime.errors import (
    AwsCallFailedError,
    RequestInvalidError,
    TuningJobError,
    truncate_utf8,
)
from constructs_pkg.runtime.handler import DeferredOutcome, Services, launch_waiting
from constructs_pkg.runtime.lineage import (
    PARTITION_KEY,
    TERMINAL_STATUSES,
    JobSnapshot,
    LaunchStatus,
    Lineage,
    LineageItem,
    from_attribute,
)
from constructs_pkg.runtime.logs import EventLog
from constructs_pkg.runtime.queries import get_jobs

STATE_CHANGE_SOURCE = "aws.sagemaker"
STATE_CHANGE_DETAIL_TYPE = "SageMaker HyperParameter Tuning Job State Change"
SCHEDULED_DETAIL_TYPE = "Scheduled Event"


SWEEP_SAFETY_MARGIN_SECONDS = 60.0
"""The sweep starts no new job when less than this is left of the Lambda's time."""

_SNS_SUBJECT_LIMIT = 100
_SNS_MESSAGE_BYTES = 16_000
_SWEPT_ATTRIBUTES = (
    PARTITION_KEY,
    "name",
    "status",
    "arn",
    "launchClaim",
    "launchFailureNotice",
    "removed",
    "stackId",
    "external",
)


@dataclass(frozen=True)
class EventConfig:
    """What the handlers serve, from the Lambda's environment."""

    tables: tuple[str, ...]
    topic_arn: str | None
    stack_id: str | None = None

    def owns(self, stack_id: object) -> bool:
        """True if this handler launches jobs recorded by ``stack_id``."""
        return self.stack_id is None or stack_id == self.stack_id

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> EventConfig:
        env = os.environ if environ is None else environ
        tables = tuple(t.strip() for t in env.get(TABLES_VARIABLE, "").split(",") if t.strip())
        if not tables:
            raise RequestInvalidError(
                f"{TABLES_VARIABLE} is empty: set it to the lineage table name(s) to serve"
            )
        return cls(
            tables=tables,
            topic_arn=env.get(TOPIC_VARIABLE) or None,
            stack_id=env.get(STACK_VARIABLE) or None,
        )


@dataclass
class Summary:
    """What one invocation did; returned (and logged) for the record."""

    tracked: dict[str, str] = field(default_factory=dict)
    launched: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notified: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def add(self, outcome: DeferredOutcome) -> None:
        bucket = {
            "launched": self.launched,
            "waiting": self.waiting,
            "failed": self.failed,
            "retry": self.retrying,
        }.get(outcome.state, self.skipped)
        bucket.append(outcome.name)

    def answer(self, **extra: object) -> dict[str, Any]:
        fields = {
            "tracked": self.tracked,
            "launched": self.launched,
            "waiting": self.waiting,
            "failed": self.failed,
            "retrying": self.retrying,
            "skipped": self.skipped,
            "notified": self.notified,
            "errors": self.errors,
        }
        return {**extra, **{k: v for k, v in fields.items() if v}}


# --------------------------------------------------------------------------- entry points


def on_event(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """One entry point for both rules: state changes and the schedule."""
    if isinstance(event, Mapping) and event.get("detail-type") == SCHEDULED_DETAIL_TYPE:
        return handle_sweep(event, context)
    return handle_state_change(event, context)


def on_state_change(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    return handle_state_change(event, context)


def on_sweep(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    return handle_sweep(event, context)


# --------------------------------------------------------------------------- state change


def handle_state_change(
    event: Mapping[str, Any],
    context: Any,
    services: Services | None = None,
    config: EventConfig | None = None,
) -> dict[str, Any]:
    """Record a job's new state in every table that knows it; launch waiting children.

    Raises :class:`~constructs_pkg.runtime.errors.TuningJobError` when something failed
    that a retry may cure (Lambda retries an asynchronous invocation; the sweep catches up
    in any case), after doing everything else it could.
    """
    detail = _state_change_detail(event)
    name = str(detail["HyperParameterTuningJobName"])
    event_id = str(event.get("id") or "")
    log = EventLog(eventId=event_id, detailType=STATE_CHANGE_DETAIL_TYPE, jobName=name)
    config = config or EventConfig.from_environment()
    services = services or Services.default()
    notifier = Notifier(config.topic_arn, log)
    summary = Summary()
    log.info(
        "state change received",
        status=detail.get("HyperParameterTuningJobStatus"),
        lastModifiedTime=detail.get("LastModifiedTime"),
    )

    state: tuple[JobSnapshot, str | None] | None = None
    for table in config.tables:
        lineage = Lineage(services.dynamodb, table, services.clock)
        try:
            item = lineage.get(name)
            if item is None:
                continue
            if state is None:
                state = _current_state(services, name, detail, log)
            seen, arn = state
            summary.tracked[table] = lineage.record_state(name, seen, arn=arn)
            log.info("state recorded", table=table, result=summary.tracked[table])
            if seen.status in TERMINAL_STATUSES and item.children:
                _launch_children(
                    table,
                    item,
                    services,
                    context,
                    log,
                    notifier,
                    summary,
                    f"event:{event_id}",
                    config,
                )
        except (TuningJobError, ClientError, BotoCoreError) as exc:
            problem = exc.message if isinstance(exc, TuningJobError) else describe_error(exc)
            log.error("failed to process the event", table=table, error=problem)
            summary.errors.append(f"{table}: {problem}")
    answer = summary.answer(job=name)
    log.info("state change processed", **answer)
    if summary.errors:
        raise AwsCallFailedError(
            f"state change of '{name}' partly processed: " + "; ".join(summary.errors)
        )
    return answer


def _state_change_detail(event: object) -> Mapping[str, Any]:
    if not isinstance(event, Mapping):
        raise RequestInvalidError("the event is not an EventBridge event")
    if (
        event.get("source") != STATE_CHANGE_SOURCE
        or event.get("detail-type") != STATE_CHANGE_DETAIL_TYPE
    ):
        raise RequestInvalidError(
            f"not a {STATE_CHANGE_DETAIL_TYPE!r} event from {STATE_CHANGE_SOURCE}: source "
            f"{event.get('source')!r}, detail-type {event.get('detail-type')!r}"
        )
    detail = event.get("detail")
    if not isinstance(detail, Mapping) or not isinstance(
        detail.get("HyperParameterTuningJobName"), str
    ):
        raise RequestInvalidError("the event's detail lacks HyperParameterTuningJobName")
    return detail


def _current_state(
    services: Services, name: str, detail: Mapping[str, Any], log: EventLog
) -> tuple[JobSnapshot, str | None]:
    """The job's state from Describe (the event lacks best job and failure reason).

    If Describe fails, the event's own fields stand in (status, counters, times).
    """
    arn = detail.get("HyperParameterTuningJobArn")
    try:
        response = services.sagemaker.describe_hyper_parameter_tuning_job(
            HyperParameterTuningJobName=name
        )
    except (ClientError, BotoCoreError) as exc:
        log.warning("describe failed: recording what the event says", error=describe_error(exc))
        return JobSnapshot.from_event(detail), arn if isinstance(arn, str) else None
    return JobSnapshot.from_describe(response), str(response["HyperParameterTuningJobArn"])


def _launch_children(
    table: str,
    parent: LineageItem,
    services: Services,
    context: Any,
    log: EventLog,
    notifier: Notifier,
    summary: Summary,
    trigger: str,
    config: EventConfig,
) -> None:
    """Try to launch each child of ``parent`` that waits (one BatchGetItem for all)."""
    children = get_jobs(services.dynamodb, table, parent.children, consistent=True)
    for child in children.values():
        if child.status != LaunchStatus.WAITING.value:
            continue
        if not config.owns(child.data.get("stackId")):
            log.info("a child of another stack: left to that stack's handler", child=child.name)
            summary.skipped.append(child.name)
            continue
        try:
            outcome = launch_waiting(
                table, child.name, trigger=trigger, services=services, context=context
            )
            _settle(outcome, table, services, notifier, summary, log)
        except (TuningJobError, ClientError, BotoCoreError) as exc:
            # The other children still get their chance; the error makes the event retried.
            detail = exc.message if isinstance(exc, TuningJobError) else describe_error(exc)
            log.error("deferred launch failed", child=child.name, error=detail)
            summary.errors.append(f"{table}/{child.name}: {detail}")


def _settle(
    outcome: DeferredOutcome,
    table: str,
    services: Services,
    notifier: Notifier,
    summary: Summary,
    log: EventLog,
) -> None:
    summary.add(outcome)
    log.info("deferred launch attempted", child=outcome.name, outcome=outcome.state)
    if outcome.state == "failed" and outcome.recorded:
        lineage = Lineage(services.dynamodb, table, services.clock)
        if notifier.publish(lineage, outcome.name, outcome.detail or ""):
            summary.notified.append(outcome.name)


# --------------------------------------------------------------------------- sweep


def handle_sweep(
    event: Mapping[str, Any],
    context: Any,
    services: Services | None = None,
    config: EventConfig | None = None,
) -> dict[str, Any]:
    """For events that never arrive (or arrive twice): see the module docstring."""
    event_id = str(event.get("id") or "") if isinstance(event, Mapping) else ""
    log = EventLog(eventId=event_id, detailType=SCHEDULED_DETAIL_TYPE)
    config = config or EventConfig.from_environment()
    services = services or Services.default()
    notifier = Notifier(config.topic_arn, log)
    summary = Summary()
    out_of_time = _out_of_time(context)
    incomplete = False
    for table in config.tables:
        lineage = Lineage(services.dynamodb, table, services.clock)
        try:
            open_items = _open_items(services, table)
        except (ClientError, BotoCoreError) as exc:
            summary.errors.append(f"{table}: {describe_error(exc)}")
            log.error("cannot scan the lineage table", table=table, error=describe_error(exc))
            continue
        now = services.clock()
        open_items = [i for i in open_items if i.external or config.owns(i.stack_id)]
        refresh = [i for i in open_items if _needs_refresh(i)]
        launch = [
            i
            for i in open_items
            if i.status == LaunchStatus.WAITING.value
            or (
                i.status == LaunchStatus.LAUNCHING.value
                and bool(i.launch_claim)
                and i.arn is None
                and not i.removed
                and i.claim_expired(now)
            )
        ]
        notices = [
            i for i in open_items if i.status == LaunchStatus.LAUNCH_FAILED and i.notice_pending
        ]
        for item in [*refresh, *launch, *notices]:
            if out_of_time():
                incomplete = True
                break
            name = item.name or ""
            try:
                if item in refresh:
                    _refresh(lineage, services, name, log, summary, table)
                elif item in launch:
                    outcome = launch_waiting(
                        table, name, trigger="sweep", services=services, context=context
                    )
                    _settle(outcome, table, services, notifier, summary, log)
                else:
                    fresh = lineage.get(name)
                    if fresh is not None and fresh.notice_pending:
                        reason = str(fresh.data.get("failureReason") or "")
                        if notifier.publish(lineage, name, reason):
                            summary.notified.append(name)
            except (TuningJobError, ClientError, BotoCoreError) as exc:
                detail = exc.message if isinstance(exc, TuningJobError) else describe_error(exc)
                log.error("sweep step failed", table=table, job=name, error=detail)
                summary.errors.append(f"{table}/{name}: {detail}")
    answer = summary.answer(sweep=True, incomplete=incomplete or None)
    log.info("sweep done", **answer)
    return answer


def _open_items(services: Services, table: str) -> list[LineageItem]:
    """Items whose job may still change: not terminal and not cancelled (one paginated Scan)."""
    names = {f"#p{i}": attribute for i, attribute in enumerate(_SWEPT_ATTRIBUTES)}
    closed = [*sorted(TERMINAL_STATUSES), LaunchStatus.CANCELLED.value]
    values = {f":closed{i}": {"S": status} for i, status in enumerate(closed)}
    status_name = next(k for k, v in names.items() if v == "status")
    paginator = services.dynamodb.get_paginator("scan")
    items: list[LineageItem] = []
    for page in paginator.paginate(
        TableName=table,
        ConsistentRead=True,
        ProjectionExpression=", ".join(names),
        FilterExpression=f"NOT ({status_name} IN ({', '.join(values)}))",
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
    ):
        for raw in page.get("Items", []):
            data = from_attribute({"M": raw})
            if isinstance(data, Mapping) and data.get("name"):
                items.append(LineageItem(data))
    return items


def _needs_refresh(item: LineageItem) -> bool:
    """A job SageMaker has (or may have) whose record is not terminal."""
    status = item.status
    if status in (LaunchStatus.WAITING, LaunchStatus.CANCELLED, LaunchStatus.LAUNCH_FAILED):
        return False
    if status == LaunchStatus.LAUNCHING:
        # A deploy-time launch whose record never got its ARN; a deferred one is retried.
        return not item.launch_claim
    return True


def _refresh(
    lineage: Lineage,
    services: Services,
    name: str,
    log: EventLog,
    summary: Summary,
    table: str,
) -> None:
    try:
        response = services.sagemaker.describe_hyper_parameter_tuning_job(
            HyperParameterTuningJobName=name
        )
    except ClientError as exc:
        if error_code(exc) in ("ResourceNotFound", "AccessDeniedException"):
            # Gone, or a parent this stack may not describe (it belongs to another stack).
            log.debug("not refreshed", job=name, error=describe_error(exc))
            return
        raise AwsCallFailedError(f"failed to describe '{name}': {describe_error(exc)}") from exc
    except BotoCoreError as exc:
        raise AwsCallFailedError(f"failed to describe '{name}': {describe_error(exc)}") from exc
    result = lineage.record_state(
        name,
        JobSnapshot.from_describe(response),
        arn=str(response["HyperParameterTuningJobArn"]),
    )
    summary.tracked[f"{table}/{name}"] = result


def _out_of_time(context: Any) -> Callable[[], bool]:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if not callable(remaining):
        return lambda: False

    def check() -> bool:
        try:
            return float(remaining()) / 1000 < SWEEP_SAFETY_MARGIN_SECONDS
        except (TypeError, ValueError):
            return False

    return check


# --------------------------------------------------------------------------- notices


class Notifier:
    """Publishes failed deferred launches to SNS, once per record (until accepted)."""

    def __init__(self, topic_arn: str | None, log: EventLog) -> None:
        self.topic_arn = topic_arn
        self.log = log

    def publish(self, lineage: Lineage, name: str, reason: str) -> bool:
        """Publish the failure of ``name``; True once SNS accepted it and it is marked sent."""
        if not self.topic_arn:
            self.log.error(
                f"{TOPIC_VARIABLE} is not set: the failed launch is recorded but not published",
                job=name,
            )
            return False
        item = lineage.get(name)
        message = failure_message(lineage.table_name, name, reason, item)
        try:
            response = sns_client().publish(
                TopicArn=self.topic_arn,
                Subject=truncate_utf8(f"Tuning job {name} was not launched", _SNS_SUBJECT_LIMIT),
                Message=message,
            )
        except (ClientError, BotoCoreError) as exc:
            self.log.error(
                "failed to publish the failed launch; the sweep retries",
                job=name,
                error=describe_error(exc),
            )
            return False
        lineage.mark_notice_sent(name, str(response.get("MessageId", "")))
        self.log.info("failed launch published", job=name, messageId=response.get("MessageId"))
        return True


def failure_message(table: str, name: str, reason: str, item: LineageItem | None) -> str:
    """The SNS message of a failed deferred launch: JSON a person or a program can read."""
    data = item.data if item is not None else {}
    body = {
        "event": "TuningJobLaunchFailed",
        "jobName": name,
        "lineageTable": table,
        "reason": reason,
        "parents": list(item.parents) if item is not None else [],
        "stackId": data.get("stackId"),
        "logicalId": data.get("logicalId"),
        "constructPath": data.get("constructPath"),
        "definitionHash": data.get("definitionHash"),
        "what to do": (
            "The job is recorded as LaunchFailed and is not retried. Fix the cause, then "
            "deploy a changed definition (it launches under a new name), or remove the job "
            "from the stack and add it again."
        ),
    }
    text = json.dumps({k: v for k, v in body.items() if v not in (None, "")}, indent=2)
    return truncate_utf8(text, _SNS_MESSAGE_BYTES)
