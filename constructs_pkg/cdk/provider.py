"""The custom-resource provider that every tuning job of a stack shares."""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import jsii
from aws_cdk import (
    Acknowledgment,
    AspectPriority,
    Aspects,
    CfnElement,
    Duration,
    IAspect,
    IStableStringProducer,
    Lazy,
    RemovalPolicy,
    Stack,
    Token,
    Validations,
)
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import custom_resources as cr
from constructs import Construct, IConstruct

from constructs_pkg.cdk.asset import handler_asset_dir
from constructs_pkg.core.model import canonical_json
from constructs_pkg.core.naming import STACK_VARIABLE, TABLES_VARIABLE, TOPIC_VARIABLE

if TYPE_CHECKING:
    from constructs_pkg.cdk.lineage_table import LineageTable

HANDLER = "constructs_pkg.runtime.handler.on_event"
LAUNCHER = "constructs_pkg.runtime.events.on_event"
LAUNCHER_TIMEOUT = Duration.minutes(15)
"""A sweep may launch several waiting children; each launch describes up to five parents."""
SWEEP_INTERVAL = Duration.minutes(15)
"""The longest a child waits after its last parent finished, should that event be lost."""
HANDLER_TIMEOUT = Duration.minutes(5)
"""Describing five parents and creating one job takes seconds; retries stay well inside this."""
RUNTIME = lambda_.Runtime.PYTHON_3_14
MANAGE_ACTIONS = (
    "sagemaker:CreateHyperParameterTuningJob",
    "sagemaker:DescribeHyperParameterTuningJob",
    "sagemaker:StopHyperParameterTuningJob",
    "sagemaker:AddTags",
    "sagemaker:DeleteTags",
)
LOG_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")
"""What a function needs to write to a log group that already exists (the group's ``Arn``
attribute ends in ``:*``, so it covers the group's streams)."""

STATEMENT_RESOURCES = 40
"""ARNs per policy statement (about 5 KB as CDK measures it), within one managed policy."""

NAG_WILDCARD_RULE = "AwsSolutions-IAM5"
"""cdk-nag's wildcard-permission rule; each finding is ``<rule>[Resource::<resource>]``."""


_PROVIDERS: weakref.WeakKeyDictionary[Stack, TuningJobProvider] = weakref.WeakKeyDictionary()
"""The provider of each stack, remembered on the Python side to spare a jsii look-up per job."""


class TuningJobProvider(Construct):
    """One per stack, under a fixed id, so the ServiceToken of a job never changes.

    Use :meth:`of` rather than the constructor. Each :class:`TuningJob` adds the narrowest
    permissions it needs to the handler's role.

    The handler and the provider framework's function each have a role of their own that
    may write only to the function's own log group (no AWS managed policy). The wildcards
    that cannot be avoided are acknowledged to cdk-nag (``AwsSolutions-IAM5``) on those
    roles alone, one finding id at a time, so users need not acknowledge library internals.
    """

    ID = "ConstructsPkgTuningJobProvider"

    @classmethod
    def of(cls, scope: Construct) -> TuningJobProvider:
        stack = scope if isinstance(scope, Stack) else Stack.of(scope)
        known = _PROVIDERS.get(stack)
        if known is not None:
            return known
        existing = stack.node.try_find_child(cls.ID)
        provider = cls(stack, cls.ID) if existing is None else cast(TuningJobProvider, existing)
        _PROVIDERS[stack] = provider
        return provider

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.stack = Stack.of(self)
        # Carries the aspect that adds the pending grants (see ``flush``). It is the first
        # child, so CDK visits it before the handler's role, whose own aspect splits a
        # policy too large for IAM into managed policies.
        self._grants = Construct(self, "Grants")

        # Both functions get roles of their own that may write only to their own log group,
        # rather than the AWS managed AWSLambdaBasicExecutionRole (logs:* on every group).
        self.log_group = _log_group(self, "HandlerLogs")
        self.handler_role = _function_role(
            self,
            "HandlerRole",
            self.log_group,
            "Assumed by the Lambda function that launches SageMaker tuning jobs",
        )
        self.handler = _python_function(
            self,
            "OnEvent",
            description="Launches, updates and stops SageMaker hyperparameter tuning jobs",
            handler=HANDLER,
            timeout=HANDLER_TIMEOUT,
            log_group=self.log_group,
            role=self.handler_role,
        )
        self.framework_log_group = _log_group(self, "FrameworkLogs")
        self.framework_role = _function_role(
            self,
            "FrameworkRole",
            self.framework_log_group,
            "Assumed by the custom-resource provider framework that invokes the handler",
        )
        self.provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=self.handler,
            log_group=self.framework_log_group,
            framework_on_event_role=self.framework_role,
        )
        self.service_token = self.provider.service_token

        # The framework's grant to invoke the handler covers the handler's versions and
        # aliases too (its ARN followed by ``:*``): CDK's choice, on this one function only.
        handler_id = self.stack.get_logical_id(cast(CfnElement, self.handler.node.default_child))
        Validations.of(self.framework_role).acknowledge(
            Acknowledgment(
                id=f"{NAG_WILDCARD_RULE}[Resource::<{handler_id}.Arn>:*]",
                reason=(
                    "CDK's provider framework may invoke the tuning-job handler alone, and adds "
                    "the ':*' pattern only to cover that handler's versions and aliases."
                ),
            )
        )

        self._table_names: list[str] = []
        self._launcher(handler_logs=self.log_group)

        self._arn_prefix: str | None = None
        self._nag_prefix = ""
        self._patterns: dict[str, tuple[str, str]] = {}
        self._acknowledged: set[str] = set()
        self._granted: dict[str, set[str]] = {}
        self._statements: dict[str, iam.PolicyStatement] = {}
        self._counts: dict[str, int] = {}
        self._pending: dict[str, _PendingGrant] = {}
        self._pending_acknowledgments: list[Acknowledgment] = []
        self._flush_scheduled = False
        self._tables: set[int] = set()
        self._resolved: dict[str, str] = {}
        self._contexts: dict[str, Any] = {}

    def _launcher(self, handler_logs: logs.LogGroup) -> None:
        """Launch waiting children when their parents finish, and keep lineage current.

        One function serves SageMaker's state-change events and a periodic sweep for events
        that never arrive. It shares the handler's role, so it may do exactly what the
        handler may: it launches the very requests the handler recorded as waiting.
        """
        self.launcher_log_group = _log_group(self, "LauncherLogs")
        self.handler_role.add_to_policy(
            iam.PolicyStatement(
                actions=list(LOG_ACTIONS), resources=[self.launcher_log_group.log_group_arn]
            )
        )
        self.launch_failures = sns.Topic(
            self,
            "LaunchFailures",
            display_name="SageMaker tuning jobs that could not be launched",
            enforce_ssl=True,
            master_key=kms.Alias.from_alias_name(self, "SnsKey", "alias/aws/sns"),
        )
        self.launch_failures.grant_publish(self.handler_role)
        self.launcher = _python_function(
            self,
            "Launcher",
            description="Launches waiting warm-start children and tracks tuning-job states",
            handler=LAUNCHER,
            timeout=LAUNCHER_TIMEOUT,
            log_group=self.launcher_log_group,
            role=self.handler_role,
            environment={
                TABLES_VARIABLE: Lazy.string(_TableNames(self._table_names)),
                TOPIC_VARIABLE: self.launch_failures.topic_arn,
                STACK_VARIABLE: self.stack.stack_id,
            },
        )
        target = targets.LambdaFunction(self.launcher, retry_attempts=2)
        events.Rule(
            self,
            "TuningJobStateChange",
            description="SageMaker tuning-job state changes: launch waiting children",
            event_pattern=events.EventPattern(
                source=["aws.sagemaker"],
                detail_type=["SageMaker HyperParameter Tuning Job State Change"],
            ),
            targets=[target],
        )
        events.Rule(
            self,
            "LaunchSweep",
            description="Catches state changes whose events never arrived",
            schedule=events.Schedule.rate(SWEEP_INTERVAL),
            targets=[target],
        )

    def context_value(self, key: str) -> Any:
        """A CDK context value, read once per stack (every job asks for the same keys)."""
        if key not in self._contexts:
            self._contexts[key] = self.node.try_get_context(key)
        return self._contexts[key]

    @property
    def role(self) -> iam.IRole:
        return self.handler_role

    # ------------------------------------------------------------------ permissions
    #
    # Every job adds ARNs to a few shared statements instead of statements of its own, so
    # the handler's policy grows by one ARN per job. The ARNs (and the cdk-nag
    # acknowledgments of their patterns) are collected on the Python side and added in a
    # few calls into jsii by an aspect that runs first in synthesis (``flush``), rather
    # than in a call or two per job.

    def tuning_job_arn(self, name: str) -> str:
        """The ARN of a tuning job (or an ARN pattern) in this stack's account and Region."""
        if self._arn_prefix is None:
            stack = self.stack
            self._arn_prefix = (
                f"arn:{stack.partition}:sagemaker:{stack.region}:{stack.account}:"
                "hyper-parameter-tuning-job/"
            )
            # The same prefix as cdk-nag prints it: a pseudo parameter as ``<AWS::Name>``,
            # a value known at synth as itself.
            partition, region, account = (
                f"<{pseudo}>" if Token.is_unresolved(value) else value
                for value, pseudo in (
                    (stack.partition, "AWS::Partition"),
                    (stack.region, "AWS::Region"),
                    (stack.account, "AWS::AccountId"),
                )
            )
            self._nag_prefix = (
                f"arn:{partition}:sagemaker:{region}:{account}:hyper-parameter-tuning-job/"
            )
        return self._arn_prefix + name

    def generated_names_arn(self, prefix: str) -> str:
        """The ARN pattern of the jobs the handler names ``<prefix>-<10 hex>`` at deploy."""
        name = f"{prefix}-*"
        arn = self.tuning_job_arn(name)
        self._patterns[arn] = (self._nag_prefix + name, prefix)
        return arn

    def allow_jobs(self, arns: Sequence[str]) -> None:
        """Launch, describe, tag and stop the jobs behind these ARNs (or ARN patterns)."""
        self._allow("manage", MANAGE_ACTIONS, arns)

    def allow_describe(self, arns: Sequence[str]) -> None:
        """Describe warm-start parents (those of this stack may be described already)."""
        managed = self._granted.get("manage", set())
        outside = [arn for arn in arns if arn not in managed]
        self._allow("describe", ("sagemaker:DescribeHyperParameterTuningJob",), outside)

    def allow_pass_role(self, role_arn: str) -> None:
        """Pass the training role, and only to SageMaker."""
        self._allow(
            "pass-role",
            ("iam:PassRole",),
            [role_arn],
            conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        )

    def allow_lineage(self, table: LineageTable) -> None:
        """Record into ``table`` (granted once per table)."""
        if id(table) not in self._tables:
            self._tables.add(id(table))
            self._table_names.append(table.table_name)
            table.grant_record(self.handler_role)

    def _allow(
        self,
        key: str,
        actions: Sequence[str],
        arns: Sequence[str],
        conditions: dict[str, Any] | None = None,
    ) -> None:
        granted = self._granted.setdefault(key, set())
        new = [arn for arn in arns if arn not in granted]
        if not new:
            return
        granted.update(new)
        self._acknowledge_patterns(new)
        pending = self._pending.get(key)
        if pending is None:
            pending = self._pending[key] = _PendingGrant(tuple(actions), conditions)
        pending.arns.extend(new)
        self._schedule_flush()

    def _schedule_flush(self) -> None:
        if not self._flush_scheduled:
            self._flush_scheduled = True
            Aspects.of(self._grants).add(_Flush(self), priority=AspectPriority.MUTATING)

    def flush(self) -> None:
        """Add the pending ARNs to the handler's policy, and the pending acknowledgments.

        An aspect calls this before any other aspect runs, so the policy is complete when
        CDK splits it into managed policies and when cdk-nag reads it. Calling it again,
        or before synthesis, is harmless.

        A statement holds at most ``STATEMENT_RESOURCES`` ARNs: IAM caps one managed policy
        at 6,144 characters, and CDK spreads a role's statements over managed policies but
        never splits a statement, so small statements let a stack hold hundreds of jobs.
        """
        self._flush_scheduled = False
        for key, pending in self._pending.items():
            arns = pending.arns
            statement = self._statements.get(key)
            room = STATEMENT_RESOURCES - self._counts.get(key, 0)
            if statement is not None and room > 0 and arns:
                statement.add_resources(*arns[:room])
                self._counts[key] += len(arns[:room])
                arns = arns[room:]
            for start in range(0, len(arns), STATEMENT_RESOURCES):
                chunk = arns[start : start + STATEMENT_RESOURCES]
                statement = iam.PolicyStatement(
                    actions=list(pending.actions), resources=chunk, conditions=pending.conditions
                )
                self._statements[key] = statement
                self._counts[key] = len(chunk)
                self.handler.add_to_role_policy(statement)
        self._pending.clear()
        if self._pending_acknowledgments:
            Validations.of(self.handler_role).acknowledge(*self._pending_acknowledgments)
            self._pending_acknowledgments = []

    def _acknowledge_patterns(self, arns: Sequence[str]) -> None:
        """Acknowledge cdk-nag's wildcard finding for each generated-names pattern in ``arns``.

        A job given no ``job_name`` is named ``<prefix>-<10 hex>`` by the handler at deploy,
        so its statement can only name ``<prefix>-*`` (see :meth:`generated_names_arn`).
        Each pattern is acknowledged on the handler's role alone, by the exact finding id
        cdk-nag gives it; any other wildcard is left for cdk-nag to report.
        """
        acknowledgments = self._pending_acknowledgments
        for arn in arns:
            if "*" not in arn or arn in self._acknowledged:
                continue
            pattern = _pattern(self, arn)
            if pattern is None:
                continue
            self._acknowledged.add(arn)
            rendered, prefix = pattern
            acknowledgments.append(
                Acknowledgment(
                    id=f"{NAG_WILDCARD_RULE}[Resource::{rendered}]",
                    reason=(
                        f"Tuning jobs given no job_name are named at deploy as '{prefix}-' plus "
                        "10 hex digits the handler generates, so the policy can name them only "
                        f"by the pattern '{prefix}-*'."
                    ),
                )
            )

    # ------------------------------------------------------------------ synth helpers

    def resolve_text(self, text: str) -> str:
        """A token-bearing string as CloudFormation will see it, as canonical JSON text.

        Cached, since every job of a stack tends to share the same role and bucket tokens.
        """
        cached = self._resolved.get(text)
        if cached is None:
            cached = canonical_json(self.stack.resolve(text))
            self._resolved[text] = cached
        return cached


class _PendingGrant:
    """ARNs waiting to join the statements of one kind of grant."""

    def __init__(self, actions: tuple[str, ...], conditions: dict[str, Any] | None) -> None:
        self.actions = actions
        self.conditions = conditions
        self.arns: list[str] = []


@jsii.implements(IAspect)
class _Flush:
    """Adds a provider's pending grants when synthesis starts (see ``flush``)."""

    def __init__(self, provider: TuningJobProvider) -> None:
        self._provider = provider

    def visit(self, node: IConstruct) -> None:
        self._provider.flush()


@jsii.implements(IStableStringProducer)
class _TableNames:
    """The lineage tables the launcher serves, joined at synth once every job has added its."""

    def __init__(self, names: list[str]) -> None:
        self._names = names

    def produce(self) -> str:
        return ",".join(self._names)


def _log_group(scope: Construct, construct_id: str) -> logs.LogGroup:
    """A function's log group: kept a year, and kept when the stack goes."""
    return logs.LogGroup(
        scope,
        construct_id,
        retention=logs.RetentionDays.ONE_YEAR,
        removal_policy=RemovalPolicy.RETAIN,
    )


def _python_function(
    scope: Construct,
    construct_id: str,
    *,
    description: str,
    handler: str,
    timeout: Duration,
    log_group: logs.LogGroup,
    role: iam.IRole,
    environment: dict[str, str] | None = None,
) -> lambda_.Function:
    """A function of the library's asset (core and runtime), logging JSON to ``log_group``."""
    return lambda_.Function(
        scope,
        construct_id,
        description=description,
        runtime=RUNTIME,
        handler=handler,
        code=lambda_.Code.from_asset(handler_asset_dir()),
        timeout=timeout,
        memory_size=256,
        logging_format=lambda_.LoggingFormat.JSON,
        log_group=log_group,
        role=role,
        environment=environment,
    )


def _function_role(
    scope: Construct, construct_id: str, log_group: logs.LogGroup, description: str
) -> iam.Role:
    """A Lambda function's role that may write only to ``log_group``, nothing else yet."""
    return iam.Role(
        scope,
        construct_id,
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description=description,
        inline_policies={
            "Logs": iam.PolicyDocument(
                statements=[
                    iam.PolicyStatement(
                        actions=list(LOG_ACTIONS), resources=[log_group.log_group_arn]
                    )
                ]
            )
        },
    )


def _pattern(provider: TuningJobProvider, arn: str) -> tuple[str, str] | None:
    """How cdk-nag prints the ARN pattern of generated job names, and the names' prefix.

    A warm-start parent may live in another stack, whose provider built its pattern.
    """
    known = provider._patterns.get(arn)
    if known is not None:
        return known
    for other in list(_PROVIDERS.values()):
        known = other._patterns.get(arn)
        if known is not None:
            return known
    return None
