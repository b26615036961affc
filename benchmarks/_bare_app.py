"""The ``bare`` app of the synth benchmarks, written with plain CDK alone.

N ``CustomResource``s of the library's resource type behind one shared
``custom_resources.Provider`` with a trivial inline Lambda, carrying the same properties and
the same Spec JSON as the library's jobs. This module imports ``aws_cdk`` and nothing of
``constructs_pkg``, so that an app built from it pays none of the library's costs, its
import included. The Spec strings are rendered by the library beforehand (``Payload``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import custom_resources as cr

RESOURCE_TYPE = "Custom::SageMakerTuningJob"
"""The library's resource type (``synth_overhead.py`` checks that the two agree)."""
ENV = cdk.Environment(account="123456789012", region="us-east-1")


@dataclass(frozen=True)
class Payload:
    """The Spec strings and hashes of a parent and a child, rendered once, untimed."""

    parent_spec: str
    parent_hash: str
    child_spec_head: str
    child_spec_tail: str
    child_hash: str

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Payload:
        return cls(**json.loads(text))


def new_app(outdir: str) -> tuple[cdk.App, cdk.Stack]:
    """An App and its Stack; every variant holds the same placeholder resource, so that the
    empty app is a valid template (an empty one makes synth print a validation warning)."""
    app = cdk.App(outdir=outdir)
    stack = cdk.Stack(app, "Tuning", env=ENV)
    cdk.CfnWaitConditionHandle(stack, "Placeholder")
    return app, stack


def _bare_properties(
    construct_id: str, spec: str, digest: str, parents: list[str]
) -> dict[str, object]:
    return {
        "Spec": spec,
        "DefinitionHash": digest,
        "JobName": "",
        "NamePrefix": construct_id.lower(),
        "Parents": parents,
        "WarmStartType": "IdenticalDataAndAlgorithm" if parents else "",
        "Tags": "{}",
        "LineageTableName": "tuning-job-lineage",
        "ConstructPath": f"Tuning/{construct_id}",
        "RemovalBehaviour": "stop",
        "WaitForParents": "true",
    }


def build_bare_app(outdir: str, n: int, payload: Payload) -> cdk.App:
    app, stack = new_app(outdir)
    if n == 0:
        return app
    on_event = lambda_.Function(
        stack,
        "OnEvent",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.on_event",
        code=lambda_.Code.from_inline("def on_event(event, context):\n    return {}\n"),
    )
    token = cr.Provider(stack, "Provider", on_event_handler=on_event).service_token
    for i in range(n // 2):
        parent = cdk.CustomResource(
            stack,
            f"Parent{i}",
            service_token=token,
            resource_type=RESOURCE_TYPE,
            properties=_bare_properties(
                f"Parent{i}", payload.parent_spec, payload.parent_hash, []
            ),
        )
        child_spec = payload.child_spec_head + parent.ref + payload.child_spec_tail
        cdk.CustomResource(
            stack,
            f"Child{i}",
            service_token=token,
            resource_type=RESOURCE_TYPE,
            properties=_bare_properties(f"Child{i}", child_spec, payload.child_hash, [parent.ref]),
        )
    return app
