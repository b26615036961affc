"""The custom-resource provider that every tuning job of a stack shares."""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct

from constructs_pkg.cdk.asset import handler_asset_dir
from constructs_pkg.core.model import canonical_json

if TYPE_CHECKING:
    from constructs_pkg.cdk.lineage_table import LineageTable

HANDLER = "constructs_pkg.runtime.handler.on_event"
HANDLER_TIMEOUT = Duration.minutes(5)
"""Describing five parents and creating one job takes seconds; retries stay well inside this."""
RUNTIME = lambda_.Runtime.PYTHON_3_13
MANAGE_ACTIONS = (
    "sagemaker:CreateHyperParameterTuningJob",
    "sagemaker:DescribeHyperParameterTuningJob",
    "sagemaker:StopHyperParameterTuningJob",
    "sagemaker:AddTags",
    "sagemaker:DeleteTags",
)


_PROVIDERS: weakref.WeakKeyDictionary[Stack, TuningJobProvider] = weakref.WeakKeyDictionary()
"""The provider of each stack, remembered on the Python side to spare a jsii look-up per job."""


class TuningJobProvider(Construct):
    """One per stack, under a fixed id, so the ServiceToken of a job never changes.

    Use :meth:`of` rather than the constructor. Each :class:`TuningJob` adds the narrowest
    permissions it needs to the handler's role.
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

        self.log_group = logs.LogGroup(
            self,
            "HandlerLogs",
            retention=logs.RetentionDays.ONE_YEAR,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.handler = lambda_.Function(
            self,
            "OnEvent",
            description="Launches, updates and stops SageMaker hyperparameter tuning jobs",
            runtime=RUNTIME,
            handler=HANDLER,
            code=lambda_.Code.from_asset(handler_asset_dir()),
            timeout=HANDLER_TIMEOUT,
            memory_size=256,
            logging_format=lambda_.LoggingFormat.JSON,
            log_group=self.log_group,
        )
        self.framework_log_group = logs.LogGroup(
            self,
            "FrameworkLogs",
            retention=logs.RetentionDays.ONE_YEAR,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=self.handler,
            log_group=self.framework_log_group,
        )
        self.service_token = self.provider.service_token

        self._arn_prefix: str | None = None
        self._granted: dict[str, set[str]] = {}
        self._statements: dict[str, iam.PolicyStatement] = {}
        self._tables: set[int] = set()
        self._resolved: dict[str, str] = {}
        self._contexts: dict[str, Any] = {}

    def context_value(self, key: str) -> Any:
        """A CDK context value, read once per stack (every job asks for the same keys)."""
        if key not in self._contexts:
            self._contexts[key] = self.node.try_get_context(key)
        return self._contexts[key]

    @property
    def role(self) -> iam.IRole:
        role = self.handler.role
        assert role is not None
        return role

    # ------------------------------------------------------------------ permissions
    #
    # Every job adds ARNs to a few shared statements instead of statements of its own, so
    # the handler's policy grows by one ARN per job, and each grant costs one call into
    # jsii rather than a new statement.

    def tuning_job_arn(self, name: str) -> str:
        """The ARN of a tuning job (or an ARN pattern) in this stack's account and Region."""
        if self._arn_prefix is None:
            stack = self.stack
            self._arn_prefix = (
                f"arn:{stack.partition}:sagemaker:{stack.region}:{stack.account}:"
                "hyper-parameter-tuning-job/"
            )
        return self._arn_prefix + name

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
            table.grant_record(self.handler)

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
        statement = self._statements.get(key)
        if statement is None:
            statement = iam.PolicyStatement(
                actions=list(actions), resources=new, conditions=conditions
            )
            self._statements[key] = statement
            self.handler.add_to_role_policy(statement)
        else:
            statement.add_resources(*new)

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
