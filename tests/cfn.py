"""Evaluate a synthesized template's property values as CloudFormation would.

Used to build custom-resource events from real templates: ``Ref``, ``Fn::GetAtt`` and
``Fn::Join`` are evaluated with the values the test supplies, and every scalar is turned
into a string, since CloudFormation hands every property to the Lambda as a string.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PSEUDO_PARAMETERS = {
    "AWS::AccountId": "123456789012",
    "AWS::Region": "us-east-1",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "TestStack",
    "AWS::StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/TestStack/guid",
}


def evaluate(
    value: Any, refs: Mapping[str, str], attributes: Mapping[str, str] | None = None
) -> Any:
    """``value`` with its intrinsic functions evaluated and its scalars stringified.

    ``refs`` maps a logical id to what ``Ref`` returns; ``attributes`` maps
    ``"LogicalId.Attribute"`` to what ``Fn::GetAtt`` returns. A missing one raises KeyError,
    so a test never passes on an unresolved reference.
    """
    attributes = attributes or {}
    if isinstance(value, Mapping):
        if set(value) == {"Ref"}:
            name = value["Ref"]
            return PSEUDO_PARAMETERS[name] if name in PSEUDO_PARAMETERS else refs[name]
        if set(value) == {"Fn::GetAtt"}:
            logical_id, attribute = value["Fn::GetAtt"]
            return attributes[f"{logical_id}.{attribute}"]
        if set(value) == {"Fn::Join"}:
            separator, parts = value["Fn::Join"]
            return separator.join(str(evaluate(p, refs, attributes)) for p in parts)
        return {k: evaluate(v, refs, attributes) for k, v in value.items()}
    if isinstance(value, list):
        return [evaluate(v, refs, attributes) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


def custom_resources(template: Mapping[str, Any], resource_type: str) -> dict[str, Any]:
    return {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == resource_type
    }


SERVICE_TOKEN = "arn:aws:lambda:us-east-1:123456789012:function:provider-framework-onEvent"


def resource_properties(
    resource: Mapping[str, Any],
    refs: Mapping[str, str] | None = None,
    attributes: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A custom resource's properties as its Lambda receives them (ServiceToken stubbed)."""
    properties = {k: v for k, v in resource["Properties"].items() if k != "ServiceToken"}
    evaluated = evaluate(properties, refs or {}, attributes or {})
    return {"ServiceToken": SERVICE_TOKEN, **evaluated}


def physical_ids(template: Mapping[str, Any]) -> dict[str, str]:
    """A stand-in physical id for every resource, for ``Ref`` to return."""
    return {logical_id: f"{logical_id.lower()}-physical" for logical_id in template["Resources"]}


def policy_statements(template: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every statement of every IAM policy, evaluated (pseudo parameters filled in)."""
    statements: list[dict[str, Any]] = []
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::IAM::Policy":
            document = evaluate(
                resource["Properties"]["PolicyDocument"],
                physical_ids(template),
                stand_in_arns(template),
            )
            statements.extend(document["Statement"])
    return statements


def stand_in_arns(template: Mapping[str, Any]) -> dict[str, str]:
    """A stand-in ``Arn`` attribute for every resource, for ``Fn::GetAtt`` to return."""
    return {
        f"{logical_id}.Arn": f"arn:aws:test:us-east-1:123456789012:{logical_id.lower()}"
        for logical_id in template["Resources"]
    }
