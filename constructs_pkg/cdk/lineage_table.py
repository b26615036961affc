"""The DynamoDB table in which every tuning job records its lineage."""

from __future__ import annotations

import weakref
from typing import cast

import jsii
from aws_cdk import RemovalPolicy, Stack, Token
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from constructs import Construct, IValidation

from constructs_pkg.core.naming import LINEAGE_PARTITION_KEY as PARTITION_KEY
from constructs_pkg.core.naming import is_valid_table_name

RECORD_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    # Only to withdraw a record the handler wrote moments before for a name that turned out
    # to belong to another job; the delete is conditional on that request id and on no job
    # having been launched under the record. Lineage of a launched job is never deleted.
    "dynamodb:DeleteItem",
    # The launcher's sweep finds children still waiting, and jobs not yet terminal.
    "dynamodb:Scan",
)


_DEFAULTS: weakref.WeakKeyDictionary[Stack, LineageTable] = weakref.WeakKeyDictionary()
"""Each stack's default table, remembered on the Python side."""


class LineageTable(Construct):
    """Who warm-started from whom, and how each job went.

    One item per tuning job (see ``constructs_pkg.runtime.lineage`` for its attributes).
    The table keeps its data when the stack is deleted (``removal_policy`` defaults to
    ``RETAIN``), has point-in-time recovery on and is encrypted at rest.

    :param table_name: a fixed table name; by default CloudFormation generates one.
    :param removal_policy: what happens to the table when it leaves the stack.
    """

    DEFAULT_ID = "TuningJobLineage"

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        table_name: str | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        super().__init__(scope, construct_id)
        self.table = dynamodb.TableV2(
            self,
            "Table",
            partition_key=dynamodb.Attribute(
                name=PARTITION_KEY, type=dynamodb.AttributeType.STRING
            ),
            billing=dynamodb.Billing.on_demand(),
            encryption=dynamodb.TableEncryptionV2.aws_managed_key(),
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            removal_policy=removal_policy,
            table_name=table_name,
        )
        self.table_name: str = self.table.table_name
        self.table_arn: str = self.table.table_arn
        if (
            table_name is not None
            and not Token.is_unresolved(table_name)
            and not (isinstance(table_name, str) and is_valid_table_name(table_name))
        ):
            self.node.add_validation(_BadTableName(table_name))

    @classmethod
    def default_for(cls, scope: Construct) -> LineageTable:
        """The stack's default table, created on first use, for jobs given no ``lineage``."""
        stack = scope if isinstance(scope, Stack) else Stack.of(scope)
        known = _DEFAULTS.get(stack)
        if known is not None:
            return known
        existing = stack.node.try_find_child(cls.DEFAULT_ID)
        table = cls(stack, cls.DEFAULT_ID) if existing is None else cast(LineageTable, existing)
        _DEFAULTS[stack] = table
        return table

    def grant_record(self, grantee: iam.IGrantable) -> iam.Grant:
        """Read, create and update items: what the handler needs (see ``RECORD_ACTIONS``)."""
        return self.table.grant(grantee, *RECORD_ACTIONS)


@jsii.implements(IValidation)
class _BadTableName:
    """Fails synth for a fixed table name that DynamoDB would refuse."""

    def __init__(self, name: object) -> None:
        self._message = (
            "[F-PATTERN] `table_name`: a DynamoDB table name has 3 to 255 letters, "
            f"digits, '_', '-' or '.'; got {name!r}"
        )

    def validate(self) -> list[str]:
        return [self._message]
