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

Parents must be terminal (Completed, Stopped or Failed). A child whose parents still run
fails fast today with :class:`~constructs_pkg.runtime.errors.ParentNotReadyError`; recording
it as waiting and launching it from the parents' state-change events is planned, and will
catch exactly that exception.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from constructs_pkg.core.findings import Finding, errors, warnings
from constructs_pkg.core.model import TuningJobDefinition, definition_hash
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
        described = self._describe_parents(parent_names)
        self._check_parents(definition, described)

        lineage = Lineage(self.services.dynamodb, props.lineage_table, self.services.clock)
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
            )
        )
        if prior is not None:
            self._judge_prior(prior, name, props.definition_hash)

        if prior is not None and prior.arn is not None:
            arn = prior.arn
            self.log.info("the job was launched by an earlier delivery of this request")
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

    def _describe_parents(self, names: Sequence[str]) -> list[tuple[str, Mapping[str, Any]]]:
        """Describe each parent once; every missing parent is named together."""
        described: list[tuple[str, Mapping[str, Any]]] = []
        missing: list[str] = []
        for name in names:
            response = self._describe(name, "describe warm-start parent tuning job")
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
    ) -> str:
        request: dict[str, Any] = props.definition.to_request(name, props.tags)

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
                    "record the refused launch",
                    lambda: lineage.mark_launch_failed(name, failure.message),
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


# --------------------------------------------------------------------------- helpers


def _answer(name: str, arn: str | None, hash_: str) -> dict[str, Any]:
    """The success response: small scalars only (the whole response must stay under 4 KB)."""
    return {
        "PhysicalResourceId": name,
        "Data": {"JobName": name, "JobArn": arn or "", "DefinitionHash": hash_},
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
