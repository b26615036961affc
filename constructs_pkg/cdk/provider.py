"""The custom-resource provider that every tuning job of a stack shares."""

from __future__ import annotations

from typing import cast

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct

from constructs_pkg.cdk.asset import handler_asset_dir

HANDLER = "constructs_pkg.runtime.handler.on_event"
HANDLER_TIMEOUT = Duration.minutes(5)
"""Describing five parents and creating one job takes seconds; retries stay well inside this."""
RUNTIME = lambda_.Runtime.PYTHON_3_13


class TuningJobProvider(Construct):
    """One per stack, under a fixed id, so the ServiceToken of a job never changes.

    Use :meth:`of` rather than the constructor. Each :class:`TuningJob` adds the narrowest
    permissions it needs to the handler's role.
    """

    ID = "ConstructsPkgTuningJobProvider"

    @classmethod
    def of(cls, scope: Construct) -> TuningJobProvider:
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(cls.ID)
        if existing is None:
            return cls(stack, cls.ID)
        return cast(TuningJobProvider, existing)

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)

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

    @property
    def role(self) -> iam.IRole:
        role = self.handler.role
        assert role is not None
        return role

    def add_to_handler_policy(self, statement: iam.PolicyStatement) -> None:
        self.handler.add_to_role_policy(statement)
