"""The ``Custom::SageMakerTuningJob`` handler, behind the CDK Provider framework.

:func:`on_event` answers Create, Update and Delete. It returns
``{"PhysicalResourceId": <job name>, "Data": {...}}`` on success and raises a
:class:`~constructs_pkg.runtime.errors.TuningJobError` on failure; the Provider framework
turns its text (at most 1 KB, ending with the log stream) into the FAILED reason.

Lifecycle (the physical id is the tuning-job name):

* **Create** decodes the ``Spec``, names the job (the user's fixed name, or one generated
  from the definition hash and the request id, so a retried request gets the same name),
  checks the definition, describes each warm-start parent once and checks the warm-start
  rules against them, records the job in the lineage table, calls
  ``CreateHyperParameterTuningJob`` and records the ARN and the parents' ``children``.
  A retried Create of a job it already launched succeeds with the same id. Once the job
  exists the request succeeds: a lineage write that fails after that is logged, because
  failing would leave a running job that CloudFormation no longer knows.
* **Update** keeps the job when the definition hash is unchanged (tags are updated in place)
  and otherwise launches a new job under a new name; CloudFormation then deletes the old
  id, which applies the old job's removal behaviour. A fixed ``JobName`` cannot be
  replaced under the same name: SageMaker never reuses a name.
* **Delete** stops a running job unless its removal behaviour is ``retain`` and marks its
  lineage item removed (items are never deleted). An id that is not a job of this
  resource, or a job that no longer exists, is a success.

Parents must be terminal (Completed, Stopped or Failed). A child whose parents pass every
check but still run (the one problem time cures, :class:`ParentNotReadyError`) is recorded
``Waiting`` with the request it will send, and the request succeeds with the name it will
get as its physical id and ``LaunchState: Waiting`` in its Data. A parent that is itself a
waiting record of this library counts as not finished (it is checked against its recorded
definition). :func:`launch_waiting` launches it later, from the parents' state-change events
or the periodic sweep (:mod:`constructs_pkg.runtime.events`), after the very same checks;
a conditional claim lets only one launcher call Create. ``WaitForParents: "false"`` keeps
failing fast. Deleting a waiting child cancels it; an Update of its tags only changes the
recorded request.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from constructs_pkg.core.findings import Finding, errors, warnings
from constructs_pkg.core.model import (
    TuningJobDefinition,
    canonical_json,
    definition_hash,
    definition_spec,
)
from constructs_pkg.core.naming import generate_job_name, is_valid_job_name, lineage_key
from constructs_pkg.core.rules import (
    TERMINAL_PARENT_STATUSES,
    ParentJob,
    check_definition,
    check_warm_start,
)
from constructs_pkg.runtime.aws import (
    PropagationRetry,
    describe_error,
    dynamodb_client,
    error_code,
    error_message,
    sagemaker_client,
)
from constructs_pkg.runtime.errors import (
    AwsCallFailedError,
    DefinitionInvalidError,
    InternalError,
    JobConflictError,
    JobRejectedError,
    ParentIncompatibleError,
    ParentNotFoundError,
    ParentNotReadyError,
    RequestInvalidError,
    TuningJobError,
    findings_message,
    quoted_list,
    redact_environment,
    truncate_utf8,
)
from constructs_pkg.runtime.lineage import (
    JobSnapshot,
    LaunchRecord,
    LaunchStatus,
    Lineage,
    LineageItem,
)
from constructs_pkg.runtime.logs import EventLog, request_context
from constructs_pkg.runtime.properties import (
    JobProperties,
    RemovalBehaviour,
    decode_properties,
    decode_removal,
    decode_spec,
    decode_spec_leniently,
    decode_tags,
    no_tokens,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sagemaker import SageMakerClient

NOT_READY_RULE_ID = "W4"
"""The warm-start rule that a parent still running breaks (see :meth:`_check_parents`)."""

RUNNING_STATUS = "InProgress"
STOPPING_STATUS = "Stopping"

PROPAGATION_BUDGET_SECONDS = 120.0
"""Longest time spent retrying IAM/S3 propagation errors on Create."""
SAFETY_MARGIN_SECONDS = 30.0
"""Time kept free before the Lambda's own timeout, to answer CloudFormation."""
CREATION_CLOCK_SKEW = timedelta(minutes=2)
"""Tolerance when judging whether a job SageMaker reports was created by this request."""

_REDACTED = "***"
_MIN_REDACTED_LENGTH = 4
_DEFINITIVE_REFUSALS = frozenset(
    {"ValidationException", "ResourceLimitExceeded", "AccessDeniedException"}
)
"""Create errors after which no job exists; other errors leave that open."""

_MAX_RECORDED_REASON_BYTES = 2048
"""A recorded failure reason stays short (the item, and the notice built from it)."""

LAUNCHED = "Launched"
WAITING = "Waiting"
LAUNCH_FAILED = "LaunchFailed"
"""The ``LaunchState`` values in a success response's Data (``LaunchFailed`` only on an
Update of a job whose deferred launch failed)."""

MAX_LAUNCH_ATTEMPTS = 5
"""Deferred launches that failed for transient reasons are retried this often in all."""
_PENDING_STATUSES = (LaunchStatus.WAITING.value, LaunchStatus.LAUNCHING.value)


@dataclass
class Services:
    """What the handler talks to; tests may pass their own."""

    sagemaker: SageMakerClient
    dynamodb: DynamoDBClient
    clock: Callable[[], datetime]
    retry: PropagationRetry

    @classmethod
    def default(cls) -> Services:
        return cls(
            sagemaker=sagemaker_client(),
            dynamodb=dynamodb_client(),
            clock=lambda: datetime.now(UTC),
            retry=PropagationRetry(),
        )


@dataclass(frozen=True)
class CfnRequest:
    """The parts of a CloudFormation custom-resource event the handler uses."""

    request_type: str
    request_id: str
    stack_id: str
    logical_id: str
    physical_id: str | None
    properties: Mapping[str, Any]
    old_properties: Mapping[str, Any]

    @classmethod
    def from_event(cls, event: object) -> CfnRequest:
        if not isinstance(event, Mapping):
            raise DefinitionInvalidError(
                "the event is not a CloudFormation custom-resource request"
            )
        request_type = event.get("RequestType")
        if request_type not in ("Create", "Update", "Delete"):
            raise RequestInvalidError(f"unknown RequestType {request_type!r}")
        missing = [k for k in ("RequestId", "StackId", "LogicalResourceId") if not event.get(k)]
        if missing:
            raise RequestInvalidError(f"the event lacks {', '.join(missing)}")
        physical = event.get("PhysicalResourceId")
        properties = event.get("ResourceProperties")
        old_properties = event.get("OldResourceProperties")
        return cls(
            request_type=str(request_type),
            request_id=str(event["RequestId"]),
            stack_id=str(event["StackId"]),
            logical_id=str(event["LogicalResourceId"]),
            physical_id=physical if isinstance(physical, str) and physical else None,
            properties=properties if isinstance(properties, Mapping) else {},
            old_properties=old_properties if isinstance(old_properties, Mapping) else {},
        )


def on_event(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """The Provider framework's ``onEvent`` entry point."""
    return handle(event, context)


def handle(
    event: Mapping[str, Any], context: Any, services: Services | None = None
) -> dict[str, Any]:
    """Answer one custom-resource request; see the module docstring."""
    log = EventLog(**(request_context(event) if isinstance(event, Mapping) else {}))
    log_stream = getattr(context, "log_stream_name", None)
    try:
        request = CfnRequest.from_event(event)
        operation = _Operation(request, services or Services.default(), log, context)
        log.info("request received", physicalResourceId=request.physical_id)
        if request.request_type == "Create":
            response = operation.create()
        elif request.request_type == "Update":
            response = operation.update()
        else:
            response = operation.delete()
    except TuningJobError as exc:
        exc.log_stream = log_stream if isinstance(log_stream, str) else None
        log.error("request failed", reason=exc.message, error=type(exc).__name__)
        raise
    except Exception as exc:
        log.error("request failed on an unexpected error", exc_info=True)
        detail = truncate_utf8(f"{type(exc).__name__}: {exc}", 200)
        failure = InternalError(
            f"internal error in the tuning-job handler ({detail}); this is a defect in "
            "constructs_pkg, please report it with the log"
        )
        failure.log_stream = log_stream if isinstance(log_stream, str) else None
        raise failure from exc
    log.info("request answered", physicalResourceId=response.get("PhysicalResourceId"))
    return response


class _Operation:
    """One request: the decoded event, the services and the bound log."""

    def __init__(
        self, request: CfnRequest, services: Services, log: EventLog, context: Any
    ) -> None:
        self.request = request
        self.services = services
        self.log = log
        self.deadline = self._retry_deadline(context)
        self.secrets: tuple[str, ...] = ()

    # ---- Create

    def create(self) -> dict[str, Any]:
        props = decode_properties(self.request.properties)
        return self._launch(props, self._new_name(props), replaces=None)

    # ---- Update

    def update(self) -> dict[str, Any]:
        props = decode_properties(self.request.properties)
        physical = self.request.physical_id or ""
        lineage = Lineage(self.services.dynamodb, props.lineage_table, self.services.clock)
        current = self._recorded(lineage, physical)
        current_hash = self._current_hash(current)
        fixed = props.fixed_name
        same_name = fixed is None or lineage_key(fixed) == lineage_key(physical)
        self.log.info(
            "comparing definitions",
            currentDefinitionHash=current_hash,
            definitionHash=props.definition_hash,
        )

        if current_hash == props.definition_hash and same_name and current_hash is not None:
            return self._update_in_place(props, physical, lineage, current)

        predecessor = self._live_predecessor(lineage, current, props)
        if predecessor is not None and predecessor.name is not None:
            # A rollback: the job this one replaced still runs with the wanted definition.
            self.log.info("returning to the job this one replaced", predecessor=predecessor.name)
            return self._update_in_place(props, predecessor.name, lineage, predecessor)

        if fixed is not None and lineage_key(fixed) == lineage_key(physical):
            raise JobConflictError(
                f"the definition of tuning job '{physical}' changed, but its job_name is "
                "fixed, and a changed definition needs a new job under a new name (SageMaker "
                "never reuses a name): set a new job_name, or remove job_name so that names "
                "are generated"
            )
        name = self._new_name(props)
        response = self._launch(props, name, replaces=physical or None)
        if current is not None:
            self._after_launch(
                "mark the replaced job superseded",
                lambda: lineage.mark_superseded(physical, name),
            )
        return response

    def _recorded(self, lineage: Lineage, name: str) -> LineageItem | None:
        """The lineage item of ``name`` if this resource launched it."""
        if not is_valid_job_name(name):
            return None
        item = lineage.get(name)
        if item is None or not item.launched_by(self.request.stack_id, self.request.logical_id):
            return None
        return item

    def _current_hash(self, current: LineageItem | None) -> str | None:
        """The definition hash of the job the resource has now.

        The lineage record says it best; the old properties are the fallback (they are
        the failed properties, not the job's, when CloudFormation rolls an Update back).
        Reading an old ``Spec`` through the current model gives fields a newer library
        version added their defaults, so such an upgrade alone is no change.
        """
        if current is not None and current.definition_hash is not None:
            return current.definition_hash
        old = decode_spec_leniently(self.request.old_properties.get("Spec"))
        return definition_hash(old) if old is not None else None

    def _live_predecessor(
        self, lineage: Lineage, current: LineageItem | None, props: JobProperties
    ) -> LineageItem | None:
        """The job ``current`` replaced, if it still stands with exactly the wanted definition."""
        replaced = current.replaces if current is not None else None
        if replaced is None:
            return None
        item = self._recorded(lineage, replaced)
        if item is None or item.removed or item.definition_hash != props.definition_hash:
            return None
        if props.fixed_name is not None and lineage_key(props.fixed_name) != lineage_key(replaced):
            return None
        return item

    def _update_in_place(
        self, props: JobProperties, name: str, lineage: Lineage, item: LineageItem | None
    ) -> dict[str, Any]:
        self.log.bind(jobName=name)
        self.secrets = _environment_values(props.definition)
        findings = check_definition(props.definition, no_tokens(), job_name=name, tags=props.tags)
        tag_errors = [
            f
            for f in errors(findings)
            if f.field == "tags" or f.field.startswith(("tags.", "tags["))
        ]
        if tag_errors:
            raise DefinitionInvalidError(
                findings_message(f"the tags of tuning job '{name}' are invalid", tag_errors)
            )

        if item is not None and _deferred(item):
            # No job yet: the tags the launch will send are the record's.
            lineage.update_in_place(
                name,
                tags=props.tags,
                construct_path=props.construct_path,
                seen=None,
                previous_status=item.status,
            )
            self.log.info("the job still waits for its parents; its recorded tags are updated")
            return _answer(name, None, props.definition_hash, state=WAITING)
        if item is not None and item.status == LaunchStatus.LAUNCH_FAILED and item.arn is None:
            # A deferred launch that failed (and was published): no job to update.
            self.log.warning("the job's deferred launch failed; nothing to update")
            return _answer(name, None, props.definition_hash, state=LAUNCH_FAILED)

        described = self._describe(name, "describe tuning job")
        arn = item.arn if item is not None else None
        seen = None
        if described is None:
            self.log.warning("the tuning job no longer exists; its tags are not updated")
        else:
            arn = str(described["HyperParameterTuningJobArn"])
            seen = JobSnapshot.from_describe(described)
            # The tags recorded with the job are what it has; the old properties may be
            # those of a failed update.
            old_tags = (
                item.tags
                if item is not None and item.tags is not None
                else _lenient_tags(self.request.old_properties.get("Tags"))
            )
            self._retag(name, arn, old_tags, props.tags)

        found = lineage.update_in_place(
            name,
            tags=props.tags,
            construct_path=props.construct_path,
            seen=seen,
            previous_status=item.status if item is not None else None,
        )
        if not found:
            self.log.warning("no lineage item for the job", table=props.lineage_table)
        return _answer(name, arn, props.definition_hash)

    def _retag(self, name: str, arn: str, old: Mapping[str, str], new: Mapping[str, str]) -> None:
        removed = sorted(set(old) - set(new))
        changed = {k: v for k, v in sorted(new.items()) if old.get(k) != v}
        try:
            if removed:
                self.services.sagemaker.delete_tags(ResourceArn=arn, TagKeys=removed)
            if changed:
                self.services.sagemaker.add_tags(
                    ResourceArn=arn, Tags=[{"Key": k, "Value": v} for k, v in changed.items()]
                )
        except (ClientError, BotoCoreError) as exc:
            raise AwsCallFailedError(
                f"failed to update the tags of tuning job '{name}': "
                + self._redact(describe_error(exc))
            ) from exc
        self.log.info("tags updated", removedTags=removed, changedTags=sorted(changed))

    # ---- Delete

    def delete(self) -> dict[str, Any]:
        physical = self.request.physical_id or ""
        response: dict[str, Any] = {"PhysicalResourceId": physical}
        if not is_valid_job_name(physical):
            self.log.info("the physical id is not a tuning-job name: nothing to delete")
            return response
        self.log.bind(jobName=physical)

        table = self.request.properties.get("LineageTableName")
        if not isinstance(table, str) or not table:
            self.log.warning("no LineageTableName: the job cannot be told ours; leaving it")
            return response
        try:
            removal = decode_removal(self.request.properties.get("RemovalBehaviour"))
        except DefinitionInvalidError:
            # Never stop a job on a behaviour we cannot read.
            removal = RemovalBehaviour.RETAIN
            self.log.warning("unreadable RemovalBehaviour: the job is retained")

        lineage = Lineage(self.services.dynamodb, table, self.services.clock)
        item = lineage.get(physical)
        if item is None or not item.launched_by(self.request.stack_id, self.request.logical_id):
            self.log.info("the job was not launched by this resource: nothing to delete")
            return response
        if item.removed:
            self.log.info("the job is already marked removed")
            return response
        if item.status == LaunchStatus.LAUNCH_FAILED:
            self.log.info("the job was never launched: nothing to delete")
            return response
        if item.status == LaunchStatus.WAITING:
            if lineage.cancel(physical, behaviour=removal.value):
                self.log.info("the waiting job is cancelled: it will never be launched")
                return response
            # A launcher claimed it meanwhile: remove it like any launched job. A launcher
            # that creates the job after this finds the removal marker and applies it.
            item = lineage.get(physical) or item
            self.log.info("the waiting job was claimed for launch meanwhile", status=item.status)

        described = self._describe(physical, "describe tuning job")
        seen = JobSnapshot.from_describe(described) if described is not None else None
        action = self._remove(physical, seen, removal)
        if seen is not None and action == "stopped":
            seen = replace(seen, status=STOPPING_STATUS)
        lineage.mark_removed(
            physical,
            behaviour=removal.value,
            action=action,
            seen=seen,
            previous_status=item.status,
        )
        self.log.info("job removed from the stack", action=action, removalBehaviour=removal.value)
        return response

    def _remove(self, name: str, seen: JobSnapshot | None, removal: RemovalBehaviour) -> str:
        """Apply the removal behaviour; returns what was done, as recorded in lineage."""
        if seen is None:
            return "not-found"
        if seen.status != RUNNING_STATUS:
            return "already-stopping" if seen.status == STOPPING_STATUS else "already-ended"
        if removal is RemovalBehaviour.RETAIN:
            return "retained"
        try:
            self.services.sagemaker.stop_hyper_parameter_tuning_job(
                HyperParameterTuningJobName=name
            )
        except ClientError as exc:
            if error_code(exc) == "ResourceNotFound":
                return "not-found"
            if (
                error_code(exc) == "ValidationException"
                and "already" in error_message(exc).lower()
            ):
                return "already-ended"
            raise self._stop_failed(name, exc) from exc
        except BotoCoreError as exc:
            raise self._stop_failed(name, exc) from exc
        return "stopped"

    @staticmethod
    def _stop_failed(name: str, exc: BaseException) -> AwsCallFailedError:
        return AwsCallFailedError(
            f"failed to stop tuning job '{name}': {describe_error(exc)}; stop it by hand and "
            "retry the deletion, or set its removal behaviour to retain"
        )

    # ---- the launch of a job

    def _new_name(self, props: JobProperties) -> str:
        if props.fixed_name is not None:
            return props.fixed_name
        prefix = props.name_prefix or self.request.logical_id
        return generate_job_name(prefix, props.definition_hash, self.request.request_id)

    def _launch(self, props: JobProperties, name: str, *, replaces: str | None) -> dict[str, Any]:
        definition = props.definition
        self.log.bind(jobName=name)
        self.secrets = _environment_values(definition)
        parent_names = _unique(definition.warm_start.parents if definition.warm_start else ())
        self.log.info(
            "launching",
            definitionHash=props.definition_hash,
            synthDefinitionHash=props.synth_hash,
            warmStartType=definition.warm_start.type if definition.warm_start else None,
            parents=parent_names,
            replaces=replaces,
        )

        self._check_definition(props, name)
        lineage = Lineage(self.services.dynamodb, props.lineage_table, self.services.clock)
        described = self._describe_parents(parent_names, lineage)
        waiting: tuple[str, ...] = ()
        try:
            self._check_parents(definition, described)
        except ParentNotReadyError as exc:
            if not props.wait_for_parents:
                raise
            waiting = tuple(parent for parent, _ in exc.waiting)
            self.log.info(
                "parents not finished: the job is recorded as waiting for them",
                waitingFor=[f"{parent} ({status})" for parent, status in exc.waiting],
            )

        claimed_at = self.services.clock()
        prior = lineage.claim(
            LaunchRecord(
                name=name,
                definition_hash=props.definition_hash,
                stack_id=self.request.stack_id,
                logical_id=self.request.logical_id,
                request_id=self.request.request_id,
                construct_path=props.construct_path,
                warm_start_type=definition.warm_start.type if definition.warm_start else None,
                parents=tuple(parent_names),
                tags=props.tags,
                replaces=replaces,
                waiting_for=waiting,
                launch_request=_launch_request(props) if waiting else None,
            )
        )
        if prior is not None:
            self._judge_prior(prior, name, props.definition_hash)

        if prior is not None and prior.arn is not None:
            arn = prior.arn
            self.log.info("the job was launched by an earlier delivery of this request")
        elif waiting or (prior is not None and _deferred(prior)):
            # Launched later, by the parents' events or the sweep, never from here: only
            # a launcher holding the claim may call Create for a deferred job.
            for parent_name, response in described:
                self._after_launch(
                    f"link parent '{parent_name}'", _link(lineage, parent_name, name, response)
                )
            self.log.info("job waits for its parents", waitingFor=list(waiting) or None)
            return _answer(name, None, props.definition_hash, state=WAITING)
        else:
            arn = self._create(props, name, lineage, prior=prior, claimed_at=claimed_at)
            launched_arn = arn
            self._after_launch(
                "record the launch", lambda: lineage.mark_launched(name, launched_arn)
            )

        for parent_name, response in described:
            self._after_launch(
                f"link parent '{parent_name}'",
                _link(lineage, parent_name, name, response),
            )
        self.log.info("job launched", jobArn=arn)
        return _answer(name, arn, props.definition_hash)

    def _check_definition(self, props: JobProperties, name: str) -> None:
        findings = check_definition(props.definition, no_tokens(), job_name=name, tags=props.tags)
        self._log_warnings(findings)
        problems = redact_environment(errors(findings))
        if problems:
            self.log.error("definition rejected", findings=[f.format() for f in problems])
            raise DefinitionInvalidError(
                findings_message(
                    f"the definition of tuning job '{name}' has {len(problems)} error(s)", problems
                )
            )

    def _describe_parents(
        self, names: Sequence[str], lineage: Lineage
    ) -> list[tuple[str, Mapping[str, Any]]]:
        """Describe each parent once; every missing parent is named together.

        A parent SageMaker does not know yet may be a deferred launch of this library
        (itself waiting for its own parents): its lineage record stands in for the Describe,
        with its recorded definition and its status (Waiting or Launching), so the rules
        check the child against it and W4 reports it as not finished.
        """
        described: list[tuple[str, Mapping[str, Any]]] = []
        missing: list[str] = []
        for name in names:
            response = self._describe(name, "describe warm-start parent tuning job")
            if response is None:
                response = self._recorded_parent(lineage, name)
            if response is None:
                missing.append(name)
            else:
                described.append((name, response))
        if missing:
            raise ParentNotFoundError(
                f"warm-start parent tuning job(s) not found: {quoted_list(missing)}. A parent "
                "must exist in the child's account and Region; check the name, or create the "
                "parent first",
                missing,
            )
        return described

    def _recorded_parent(self, lineage: Lineage, name: str) -> Mapping[str, Any] | None:
        """A Describe-shaped stand-in for a parent that is a deferred launch not made yet."""
        try:
            item = lineage.get(name)
        except TuningJobError as exc:
            self.log.warning("cannot read the lineage of a missing parent", error=exc.message)
            return None
        if item is None or item.arn is not None or item.status not in _PENDING_STATUSES:
            return None
        response: dict[str, Any] = {}
        definition = decode_spec_leniently(item.launch_request.get("spec"))
        if definition is not None:
            response.update(definition.to_request(item.name or name))
        response["HyperParameterTuningJobName"] = item.name or name
        response["HyperParameterTuningJobStatus"] = item.status
        self.log.info("a parent is a deferred launch not made yet", parent=name)
        return response

    def _check_parents(
        self, definition: TuningJobDefinition, described: Sequence[tuple[str, Mapping[str, Any]]]
    ) -> None:
        """The warm-start rules against the described parents.

        A parent that still runs is the one problem a later launch can cure, so when it is
        the only one it raises :class:`ParentNotReadyError` (the deferred launch will catch
        it); any other problem raises :class:`ParentIncompatibleError`, listing all.
        """
        parents = [_parent_job(name, response) for name, response in described]
        findings = check_warm_start(definition, parents, no_tokens())
        self._log_warnings(findings)
        problems = redact_environment(errors(findings))
        if [f for f in problems if f.rule_id != NOT_READY_RULE_ID]:
            self.log.error("warm start rejected", findings=[f.format() for f in problems])
            raise ParentIncompatibleError(
                findings_message("the child cannot warm-start from its parents", problems)
            )

        waiting = [
            (parent.name, str(parent.status))
            for parent in parents
            if parent.status not in TERMINAL_PARENT_STATUSES
        ]
        if waiting:
            listed = ", ".join(f"'{name}' is {status}" for name, status in waiting)
            raise ParentNotReadyError(
                f"warm-start parent(s) not finished: {listed}. SageMaker starts a child only "
                "when every parent is Completed, Stopped or Failed: deploy the child once its "
                "parents have finished",
                waiting,
            )

    def _judge_prior(self, prior: LineageItem, name: str, wanted_hash: str) -> None:
        """Accept a lineage item found under the name only if it is this very launch."""
        if prior.external:
            raise JobConflictError(
                f"a tuning job named '{name}' already exists (recorded as a warm-start parent "
                "not launched by this library): choose another job_name"
            )
        if not prior.launched_by(self.request.stack_id, self.request.logical_id):
            raise JobConflictError(
                f"tuning job name '{name}' is already used by resource '{prior.logical_id}' of "
                f"stack {prior.stack_id}: choose another job_name"
            )
        if prior.removed:
            raise JobConflictError(
                f"tuning job '{name}' was launched and removed before, and SageMaker never "
                "reuses a name: set a new job_name, or remove job_name so that names are "
                "generated"
            )
        if prior.definition_hash != wanted_hash:
            raise JobConflictError(
                f"tuning job '{name}' already exists with another definition (hash "
                f"{prior.definition_hash}, this request {wanted_hash}). A fixed job_name "
                "blocks replacement: set a new job_name, or remove job_name so that names "
                "are generated"
            )

    def _create(
        self,
        props: JobProperties,
        name: str,
        lineage: Lineage,
        *,
        prior: LineageItem | None,
        claimed_at: datetime,
        on_refused: Callable[[str], object] | None = None,
    ) -> str:
        request: dict[str, Any] = props.definition.to_request(name, props.tags)
        record_refusal = on_refused or (lambda reason: lineage.mark_launch_failed(name, reason))

        def retrying(exc: BaseException, attempt: int, delay: float) -> None:
            self.log.warning(
                "create failed while IAM or S3 changes propagate; retrying",
                attempt=attempt,
                delaySeconds=delay,
                error=self._redact(describe_error(exc)),
            )

        try:
            response = self.services.retry.call(
                lambda: self.services.sagemaker.create_hyper_parameter_tuning_job(**request),
                deadline=self.deadline,
                on_retry=retrying,
            )
        except ClientError as exc:
            if error_code(exc) == "ResourceInUse":
                return self._adopt_or_conflict(name, lineage, exc, prior, claimed_at)
            failure = self._refusal(name, exc)
            if error_code(exc) in _DEFINITIVE_REFUSALS:
                self._best_effort(
                    "record the refused launch", lambda: record_refusal(failure.message)
                )
            raise failure from exc
        except BotoCoreError as exc:
            # The request may have reached SageMaker: the record stays "Launching" so that
            # a job created after all is never unrecorded.
            raise AwsCallFailedError(
                f"failed to create tuning job '{name}': {describe_error(exc)}"
            ) from exc
        return str(response["HyperParameterTuningJobArn"])

    def _adopt_or_conflict(
        self,
        name: str,
        lineage: Lineage,
        exc: ClientError,
        prior: LineageItem | None,
        claimed_at: datetime,
    ) -> str:
        """ResourceInUse: the job is ours if an earlier attempt of this request made it."""
        retried_by_botocore = exc.response.get("ResponseMetadata", {}).get("RetryAttempts", 0) > 0
        if prior is not None or retried_by_botocore:
            described = self._describe(name, "describe tuning job")
            created = _utc(described.get("CreationTime")) if described else None
            ours = prior is not None or (
                created is not None and created >= claimed_at - CREATION_CLOCK_SKEW
            )
            if described is not None and ours:
                self.log.info("the job exists from an earlier attempt of this request")
                return str(described["HyperParameterTuningJobArn"])
        self._best_effort(
            "withdraw the record of a launch that did not happen",
            lambda: lineage.withdraw(name, self.request.request_id),
        )
        raise JobConflictError(
            f"a tuning job named '{name}' already exists and was not launched by this resource "
            "(names are unique per account and Region, ignoring case): choose another "
            "job_name, or remove job_name so that names are generated"
        ) from exc

    def _refusal(self, name: str, exc: ClientError) -> TuningJobError:
        code, message = error_code(exc), self._redact(error_message(exc))
        if code == "ValidationException":
            return JobRejectedError(f"SageMaker rejected tuning job '{name}': {message}")
        if code == "ResourceLimitExceeded":
            return JobRejectedError(
                f"SageMaker refused tuning job '{name}' because an account limit is reached "
                f"({message}): wait for other tuning jobs to end, or raise the quota"
            )
        if code == "AccessDeniedException":
            return JobRejectedError(
                f"the custom resource's role may not create tuning job '{name}' ({message}): "
                "it needs sagemaker:CreateHyperParameterTuningJob and sagemaker:AddTags on the "
                "job, and iam:PassRole on the training role"
            )
        return AwsCallFailedError(f"failed to create tuning job '{name}': {code}: {message}")

    # ---- deferred launch

    def launch_deferred(self, lineage: Lineage, name: str, trigger: str) -> DeferredOutcome:
        """Launch the waiting job ``name`` if every parent has finished; see :func:`launch_waiting`."""
        self.log.bind(jobName=name)
        item = lineage.get(name)
        if item is None:
            return DeferredOutcome(name, "unknown")
        now = self.services.clock()
        recovering = (
            item.status == LaunchStatus.LAUNCHING
            and _deferred(item)
            and item.claim_expired(now)
            and not item.removed
        )
        if item.status != LaunchStatus.WAITING and not recovering:
            return DeferredOutcome(name, "skipped", detail=f"status is {item.status}")

        token = self.request.request_id
        rejection: TuningJobError | None = None
        described: list[tuple[str, Mapping[str, Any]]] = []
        try:
            props = _deferred_properties(item, lineage.table_name)
        except TuningJobError as exc:
            props, rejection = None, exc
        if props is not None:
            self.secrets = _environment_values(props.definition)
        if props is not None and not recovering:
            warm = props.definition.warm_start
            parent_names = _unique(warm.parents if warm else ())
            try:
                self._check_definition(props, name)
                described = self._describe_parents(parent_names, lineage)
                self._check_parents(props.definition, described)
            except ParentNotReadyError as exc:
                still = [parent for parent, _ in exc.waiting]
                if tuple(still) != item.waiting_for:
                    lineage.update_waiting_for(name, still)
                self.log.info("parents not finished yet", waitingFor=still)
                return DeferredOutcome(name, "waiting", waiting_for=tuple(still))
            except (DefinitionInvalidError, ParentNotFoundError, ParentIncompatibleError) as exc:
                rejection = exc

        attempt = 1
        if recovering:
            previous = item.launch_claim
            attempt = _int(previous.get("attempt")) + 1
            claimed = lineage.reclaim_expired(
                name, str(previous.get("token", "")), token, trigger, attempt
            )
        else:
            claimed = lineage.claim_waiting(name, token, trigger)
        if not claimed:
            self.log.info("another launcher claimed the job first")
            return DeferredOutcome(name, "skipped", detail="claimed by another launcher")
        self.log.info("launch claimed", trigger=trigger, attempt=attempt)

        if rejection is not None or props is None:
            reason = rejection.message if rejection is not None else "unreadable launch request"
            return self._deferred_failure(lineage, name, token, reason)
        if attempt > MAX_LAUNCH_ATTEMPTS:
            return self._deferred_failure(
                lineage,
                name,
                token,
                f"tuning job '{name}' could not be launched after {MAX_LAUNCH_ATTEMPTS} "
                f"attempts; last error: {item.data.get('lastLaunchError') or 'unknown'}",
            )

        refused: list[str] = []
        try:
            arn = self._create(
                props,
                name,
                lineage,
                prior=item,
                claimed_at=now,
                on_refused=lambda reason: refused.append(reason),
            )
        except (JobRejectedError, JobConflictError) as exc:
            return self._deferred_failure(
                lineage, name, token, refused[0] if refused else exc.message
            )
        except AwsCallFailedError as exc:
            error = exc.message
            self._best_effort(
                "release the launch claim", lambda: lineage.release_claim(name, token, error)
            )
            self.log.warning("launch failed for now; the sweep retries it", error=error)
            return DeferredOutcome(name, "retry", detail=error)

        final = lineage.set_launched(name, arn, token)
        if final is not None and final.removed:
            self._apply_late_removal(lineage, name, final)
        for parent_name, response in described:
            self._after_launch(
                f"link parent '{parent_name}'", _link(lineage, parent_name, name, response)
            )
        self.log.info("deferred job launched", jobArn=arn)
        return DeferredOutcome(name, "launched", arn=arn)

    def _deferred_failure(
        self, lineage: Lineage, name: str, token: str, reason: str
    ) -> DeferredOutcome:
        reason = truncate_utf8(self._redact(reason), _MAX_RECORDED_REASON_BYTES)
        self.log.error("deferred launch failed", reason=reason)
        recorded = lineage.fail_deferred(name, token, reason)
        if not recorded:
            self.log.warning("the failure was not recorded: the claim is no longer ours")
        return DeferredOutcome(name, "failed", detail=reason, recorded=recorded)

    def _apply_late_removal(self, lineage: Lineage, name: str, item: LineageItem) -> None:
        """The stack deleted the job while it was being launched: do what the Delete would."""
        try:
            removal = decode_removal(item.removal.get("behaviour"))
        except DefinitionInvalidError:
            removal = RemovalBehaviour.RETAIN
        action = self._remove(name, JobSnapshot(status=RUNNING_STATUS), removal)
        self.log.warning("the job was deleted from its stack during its launch", action=action)
        self._best_effort("record the removal", lambda: lineage.note_removal_action(name, action))

    # ---- shared

    def _describe(self, name: str, act: str) -> Mapping[str, Any] | None:
        """Describe a tuning job; None if it does not exist."""
        try:
            response: Mapping[str, Any] = (
                self.services.sagemaker.describe_hyper_parameter_tuning_job(
                    HyperParameterTuningJobName=name
                )
            )
        except ClientError as exc:
            if error_code(exc) == "ResourceNotFound":
                return None
            raise AwsCallFailedError(f"failed to {act} '{name}': {describe_error(exc)}") from exc
        except BotoCoreError as exc:
            raise AwsCallFailedError(f"failed to {act} '{name}': {describe_error(exc)}") from exc
        return response

    def _after_launch(self, act: str, step: Callable[[], object]) -> None:
        """Run a lineage step after the job exists: its failure must not fail the request.

        Failing would make CloudFormation forget a running job (the Provider framework
        never sends a Delete for a failed Create); the job is recorded already.
        """
        self._best_effort(act, step, note="the job itself is launched and recorded")

    def _best_effort(self, act: str, step: Callable[[], object], note: str = "") -> None:
        try:
            step()
        except (TuningJobError, ClientError, BotoCoreError) as exc:
            detail = exc.message if isinstance(exc, TuningJobError) else describe_error(exc)
            self.log.error(f"failed to {act}", error=detail, note=note or None)

    def _log_warnings(self, findings: Sequence[Finding]) -> None:
        for finding in redact_environment(warnings(findings)):
            self.log.warning("rule warning", finding=finding.format())

    def _redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, _REDACTED)
        return text

    def _retry_deadline(self, context: Any) -> float:
        clock = self.services.retry.clock
        budget = PROPAGATION_BUDGET_SECONDS
        remaining = getattr(context, "get_remaining_time_in_millis", None)
        if callable(remaining):
            with contextlib.suppress(TypeError, ValueError):
                budget = min(budget, float(remaining()) / 1000 - SAFETY_MARGIN_SECONDS)
        return clock() + max(budget, 0.0)


# --------------------------------------------------------------------------- deferred launch


@dataclass(frozen=True)
class DeferredOutcome:
    """What one attempt to launch a waiting job did.

    ``state``: ``launched``; ``waiting`` (parents still run: ``waiting_for``); ``failed``
    (recorded LaunchFailed with ``detail`` as the reason; ``recorded`` is False if the
    claim was lost before the write); ``retry`` (a transient error, the sweep retries);
    ``skipped`` (not waiting, or another launcher holds the claim); ``unknown`` (no record).
    """

    name: str
    state: str
    detail: str | None = None
    arn: str | None = None
    waiting_for: tuple[str, ...] = ()
    recorded: bool = True


def launch_waiting(
    table: str,
    name: str,
    *,
    trigger: str,
    services: Services | None = None,
    context: Any = None,
    log: EventLog | None = None,
) -> DeferredOutcome:
    """Launch the waiting job ``name`` of lineage table ``table`` if its parents have finished.

    The same steps as a Create at deploy, from the recorded request: the definition rules,
    one Describe per parent, the warm-start rules; then the claim (``Waiting`` →
    ``Launching``, conditional, so racing launchers create at most one job), then
    ``CreateHyperParameterTuningJob``. A rejection is recorded ``LaunchFailed`` with its
    reason (the caller publishes it). A claim that expired (its launcher died, or a
    transient error released it) is taken over and the Create retried; a job that exists
    by then is adopted, since its name is the record's.
    """
    token = f"launch-{uuid.uuid4()}"
    services = services or Services.default()
    log = log or EventLog(launchToken=token)
    request = CfnRequest(
        request_type="Create",
        request_id=token,
        stack_id="",
        logical_id="",
        physical_id=name,
        properties={},
        old_properties={},
    )
    operation = _Operation(request, services, log, context)
    lineage = Lineage(services.dynamodb, table, services.clock)
    return operation.launch_deferred(lineage, name, trigger)


def _deferred_properties(item: LineageItem, table: str) -> JobProperties:
    """The properties a deferred launch sends, rebuilt from the waiting record."""
    name = item.name or "?"
    definition = decode_spec(item.launch_request.get("spec"))
    recorded_hash = item.definition_hash
    if recorded_hash is not None and definition_hash(definition) != recorded_hash:
        raise DefinitionInvalidError(
            f"the recorded request of tuning job '{name}' no longer hashes to its definition "
            f"hash {recorded_hash}: redeploy the stack to record it again"
        )
    return JobProperties(
        definition=definition,
        definition_hash=definition_hash(definition),
        fixed_name=None,
        name_prefix="",
        tags=item.tags or {},
        lineage_table=table,
        construct_path=str(item.data.get("constructPath") or ""),
        removal=decode_removal(item.launch_request.get("removalBehaviour")),
        synth_hash=None,
    )


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


# --------------------------------------------------------------------------- helpers


def _answer(name: str, arn: str | None, hash_: str, *, state: str = LAUNCHED) -> dict[str, Any]:
    """The success response: small scalars only (the whole response must stay under 4 KB).

    ``LaunchState`` is ``Launched``, ``Waiting`` or (on an Update) ``LaunchFailed``; a job
    not launched has no ARN (its lineage record gets one when it is launched).
    """
    return {
        "PhysicalResourceId": name,
        "Data": {
            "JobName": name,
            "JobArn": arn or "",
            "DefinitionHash": hash_,
            "LaunchState": state,
        },
    }


def _deferred(item: LineageItem) -> bool:
    """A record of a deferred launch not made yet (waiting, or claimed by a launcher)."""
    return item.arn is None and item.status in _PENDING_STATUSES and bool(item.launch_request)


def _launch_request(props: JobProperties) -> dict[str, str]:
    """What a deferred launch needs besides the record's name and tags."""
    return {
        "spec": canonical_json(definition_spec(props.definition)),
        "removalBehaviour": props.removal.value,
    }


def _link(
    lineage: Lineage, parent: str, child: str, response: Mapping[str, Any]
) -> Callable[[], None]:
    arn = response.get("HyperParameterTuningJobArn")

    def step() -> None:
        lineage.link_parent(
            parent,
            child,
            parent_arn=arn if isinstance(arn, str) else None,
            seen=JobSnapshot.from_describe(response),
        )

    return step


def _parent_job(name: str, response: Mapping[str, Any]) -> ParentJob:
    seen = JobSnapshot.from_describe(response)
    try:
        definition: TuningJobDefinition | None = TuningJobDefinition.from_api(response)
    except Exception:
        # A parent the model cannot read (for example multi-algorithm) is still checked
        # by name, status, time and counters.
        definition = None
    return ParentJob(
        name=name,
        label=name,
        definition=definition,
        status=seen.status,
        creation_time=seen.creation_time,
        training_jobs_launched=seen.training_jobs_launched,
    )


def _unique(names: Sequence[str]) -> list[str]:
    """Names in order, each once (SageMaker compares names ignoring case)."""
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(lineage_key(name), name)
    return list(seen.values())


def _lenient_tags(value: object) -> dict[str, str]:
    try:
        return decode_tags(value)
    except DefinitionInvalidError:
        return {}


def _environment_values(definition: TuningJobDefinition) -> tuple[str, ...]:
    values = {str(v) for v in definition.training.environment.values()}
    return tuple(
        sorted((v for v in values if len(v) >= _MIN_REDACTED_LENGTH), key=len, reverse=True)
    )


def _utc(value: object) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
