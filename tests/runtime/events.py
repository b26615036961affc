"""CloudFormation custom-resource events, shaped as CloudFormation delivers them.

CloudFormation turns every property value into a string (lists stay lists, of strings).
The construct sends the definition as one JSON string, ``Spec``, and the tags as a JSON
string, ``Tags``; :func:`properties` builds them the same way from model value objects.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from constructs_pkg.core.model import (
    TuningJobDefinition,
    canonical_json,
    definition_hash,
    definition_spec,
)

STACK_ID = (
    "arn:aws:cloudformation:us-east-1:123456789012:stack/TuningStack/"
    "5b1a2c30-0000-11ef-8000-0a1b2c3d4e5f"
)
SERVICE_TOKEN = "arn:aws:lambda:us-east-1:123456789012:function:TuningStack-Provider-onEvent"
RESPONSE_URL = (
    "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/"
    "arn%3Aaws%3Acloudformation?X-Amz-Signature=SECRET-SIGNATURE-0123456789abcdef"
)
CANNED = Path(__file__).parent / "events"


def stringify(value: Any) -> Any:
    """What CloudFormation does to a property value: scalars become strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return [stringify(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): stringify(v) for k, v in value.items()}
    return value


def spec(definition: TuningJobDefinition) -> str:
    return canonical_json(definition_spec(definition))


def properties(
    definition: TuningJobDefinition,
    *,
    table: str,
    job_name: str = "",
    name_prefix: str = "tuningstack-job",
    tags: Mapping[str, str] | None = None,
    removal: str = "stop",
    construct_path: str = "TuningStack/Job",
    **extra: Any,
) -> dict[str, Any]:
    """The ResourceProperties the construct synthesizes, before CloudFormation's stringify."""
    warm = definition.warm_start
    return {
        "ServiceToken": SERVICE_TOKEN,
        "Spec": spec(definition),
        "JobName": job_name,
        "NamePrefix": name_prefix,
        "Parents": list(warm.parents) if warm else [],
        "WarmStartType": str(warm.type) if warm else "",
        "DefinitionHash": definition_hash(definition),
        "Tags": json.dumps(dict(tags or {}), sort_keys=True),
        "LineageTableName": table,
        "ConstructPath": construct_path,
        "RemovalBehaviour": removal,
        **extra,
    }


def _base(request_type: str, props: Mapping[str, Any], logical_id: str) -> dict[str, Any]:
    return {
        "RequestType": request_type,
        "ServiceToken": SERVICE_TOKEN,
        "ResponseURL": RESPONSE_URL,
        "StackId": STACK_ID,
        "RequestId": str(uuid.uuid4()),
        "LogicalResourceId": logical_id,
        "ResourceType": "Custom::SageMakerTuningJob",
        "ResourceProperties": stringify(props),
    }


def create_event(props: Mapping[str, Any], *, logical_id: str = "Job") -> dict[str, Any]:
    return _base("Create", props, logical_id)


def update_event(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    physical_id: str,
    *,
    logical_id: str = "Job",
) -> dict[str, Any]:
    event = _base("Update", new, logical_id)
    event["PhysicalResourceId"] = physical_id
    event["OldResourceProperties"] = stringify(old)
    return event


def delete_event(
    props: Mapping[str, Any], physical_id: str, *, logical_id: str = "Job"
) -> dict[str, Any]:
    event = _base("Delete", props, logical_id)
    event["PhysicalResourceId"] = physical_id
    return event


def canned(name: str, **replacements: str) -> dict[str, Any]:
    """A canned event from ``events/<name>.json``, with ``{{KEY}}`` placeholders filled."""
    text = (CANNED / f"{name}.json").read_text()
    for key, value in replacements.items():
        text = text.replace("{{" + key + "}}", value)
    event: dict[str, Any] = json.loads(text)
    return event
