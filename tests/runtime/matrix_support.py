"""What the deploy-time fault matrix (``test_fault_matrix.py``) plays CloudFormation with.

:class:`Deployment` builds every custom-resource event from the synthesized example app
(references filled in, every scalar a string, as CloudFormation delivers them), sends it
to the real handler, which talks HTTP to moto and dynalite on 127.0.0.1, and records each
step. It reads back the jobs in moto and the items in the lineage table, naming every
generated job by an alias (``parent#1``, ``parent#2``) so that the matrix reads the same
on every run although the names hold a request id.

Faults are injected where the handler cannot see them:

* :class:`SageMakerFaults` replaces an operation of moto's SageMaker backend inside the
  in-process server, so errors reach the handler over HTTP and botocore's own retries run;
* :func:`instant_retries` keeps botocore's retry decisions but not its sleeps, and records
  each retry;
* :class:`DynamoDBOutage` swaps the handler's cached DynamoDB client for one that
  reaches dynalite until a switch flips, and a dead loopback port after.

:func:`provider_response` builds the body the CDK Provider framework (aws-cdk-lib
2.275, ``custom-resources/lib/provider-framework/runtime``) would PUT to CloudFormation.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from constructs_pkg.cdk.tuning_job import RESOURCE_TYPE
from constructs_pkg.core.model import definition_from_spec, definition_hash
from constructs_pkg.core.naming import generate_job_name, name_prefix
from constructs_pkg.runtime import aws, handler
from constructs_pkg.runtime.errors import TuningJobError
from tests.cdk.support import ENV, load_example_app
from tests.cfn import custom_resources, resource_properties
from tests.runtime.conftest import FakeContext, Runtime
from tests.runtime.events import create_event, delete_event, update_event

STACK = "ImageClassificationTuning"
EXTERNAL_PARENT = "caltech-baseline-2025"
"""The job outside the app that the Transfer child names as its second parent."""
TRAINING_ROLE = "arn:aws:iam::123456789012:role/ImageClassificationTuning-TrainingRole"
ARTIFACTS_BUCKET = "imageclassificationtuning-artifacts"

MAX_RESPONSE_BYTES = 4096
"""CloudFormation's limit on the whole custom-resource response body."""

# What the Provider framework of aws-cdk-lib 2.275 sends (read in its bundled runtime).
CREATE_FAILED_MARKER = "AWSCDK::CustomResourceProviderFramework::CREATE_FAILED"
"""The physical id the framework answers a failed Create with; the Delete that follows
carries it (the framework itself answers that Delete without calling the handler)."""
MISSING_PHYSICAL_ID_MARKER = "AWSCDK::CustomResourceProviderFramework::MISSING_PHYSICAL_ID"
"""What the framework sends when an event that is not a Create lacks a physical id."""
USER_FUNCTION_NAME = "ImageClassificationTuning-ConstructsPkgTuningJobPro-0123456789AB"
"""A stand-in for the generated name of the handler's Lambda function (64 characters at most)."""
NODE_STACK_FRAMES = 10
"""V8 keeps at most ten frames in ``Error.stack``, which the framework sends as the reason."""

DEAD_LOOPBACK = "http://127.0.0.1:9"
"""Nothing listens on the discard port: a connection there is refused at once."""


# --------------------------------------------------------------------------- the template


def synth_example() -> dict[str, Any]:
    """The example app's stack template, synthesized in this process."""
    module = load_example_app()
    app = cdk.App()
    module.ImageClassificationTuning(app, STACK, env=ENV)
    template: dict[str, Any] = app.synth().get_stack_by_name(STACK).template
    return template


def stand_ins(template: Mapping[str, Any], table: str) -> tuple[dict[str, str], dict[str, str]]:
    """What ``Ref`` and ``Fn::GetAtt`` give for the resources the tuning jobs use."""
    refs: dict[str, str] = {}
    attributes: dict[str, str] = {}
    for lid, resource in template["Resources"].items():
        kind = resource["Type"]
        if kind in ("AWS::DynamoDB::GlobalTable", "AWS::DynamoDB::Table"):
            refs[lid] = table
        elif kind == "AWS::S3::Bucket":
            refs[lid] = ARTIFACTS_BUCKET
        elif kind == "AWS::IAM::Role":
            attributes[f"{lid}.Arn"] = TRAINING_ROLE
    return refs, attributes


# --------------------------------------------------------------------------- responses


def provider_response(event: Mapping[str, Any], step: Step) -> bytes:
    """The body the Provider framework PUTs to CloudFormation after ``step``, as UTF-8.

    On success it merges the handler's answer into the event. On failure the Python
    runtime reports ``str(exception)`` as ``errorMessage``; the framework appends the log
    group, wraps it in a JavaScript ``Error`` and sends that error's stack as the reason
    (``includeStackTraces`` is on); a Create failure carries the CREATE_FAILED marker.
    Fields the framework leaves undefined (``NoEcho``, ``Data`` on failure) are absent,
    as ``JSON.stringify`` leaves them out.
    """
    if step.error is None:
        answer = step.answer or {}
        body: dict[str, Any] = {
            "Status": "SUCCESS",
            "Reason": "SUCCESS",
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "PhysicalResourceId": answer.get("PhysicalResourceId")
            or event.get("PhysicalResourceId")
            or event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "Data": answer.get("Data"),
        }
    else:
        message = "\n".join([str(step.error), "", f"Logs: /aws/lambda/{USER_FUNCTION_NAME}", ""])
        frames = [
            f"    at async Runtime.handler (/var/task/cfn-response.js:1:{9000 + i})"
            for i in range(NODE_STACK_FRAMES)
        ]
        physical = event.get("PhysicalResourceId") or (
            CREATE_FAILED_MARKER
            if event["RequestType"] == "Create"
            else MISSING_PHYSICAL_ID_MARKER
        )
        body = {
            "Status": "FAILED",
            "Reason": "\n".join([f"Error: {message}", *frames]),
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "PhysicalResourceId": physical,
            "LogicalResourceId": event["LogicalResourceId"],
        }
    present = {k: v for k, v in body.items() if v is not None}
    return json.dumps(present, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# --------------------------------------------------------------------------- one deployment


@dataclass
class Step:
    """One event sent to the handler and what came back."""

    label: str
    event: dict[str, Any]
    answer: dict[str, Any] | None = None
    error: TuningJobError | None = None
    body: bytes = b""
    shown: bool = True

    @property
    def physical_id(self) -> str:
        assert self.answer is not None, f"{self.label} failed: {self.error}"
        physical: str = self.answer["PhysicalResourceId"]
        return physical

    @property
    def reason(self) -> str:
        assert self.error is not None, f"{self.label} succeeded: {self.answer}"
        return str(self.error)


@dataclass
class Deployment:
    """The example app's custom resources played against the real handler."""

    template: dict[str, Any]
    runtime: Runtime
    context: FakeContext
    set_status: Callable[..., None]
    monkeypatch: pytest.MonkeyPatch
    refs: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, str] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)
    _counts: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.refs, self.attributes = stand_ins(self.template, self.runtime.table)
        self.faults = SageMakerFaults(self.monkeypatch)
        self.retries = instant_retries(self.monkeypatch)
        # Names that are not generated read as they are; the table's name is noise.
        self.aliases[self.runtime.table.lower()] = "<lineage-table>"

    # ---- properties, as CloudFormation evaluates them

    def logical_id(self, prefix: str) -> str:
        resources = custom_resources(self.template, RESOURCE_TYPE)
        return next(lid for lid in resources if lid.startswith(prefix))

    def props(
        self,
        prefix: str,
        *,
        spec: Callable[[dict[str, Any]], None] | None = None,
        **changes: Any,
    ) -> dict[str, Any]:
        """The evaluated properties of job ``prefix``; ``spec`` edits the decoded Spec,
        ``changes`` replace top-level properties (None removes one)."""
        resource = self.template["Resources"][self.logical_id(prefix)]
        props = resource_properties(resource, self.refs, self.attributes)
        if spec is not None:
            document = json.loads(props["Spec"])
            spec(document)
            props["Spec"] = json.dumps(document, sort_keys=True, separators=(",", ":"))
        for key, value in changes.items():
            if value is None:
                props.pop(key, None)
            else:
                props[key] = value
        return props

    # ---- events

    def create_event(self, prefix: str, props: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return create_event(props or self.props(prefix), logical_id=self.logical_id(prefix))

    def update_event(
        self, prefix: str, old: Mapping[str, Any], new: Mapping[str, Any], physical: str
    ) -> dict[str, Any]:
        return update_event(old, new, physical, logical_id=self.logical_id(prefix))

    def delete_event(self, prefix: str, props: Mapping[str, Any], physical: str) -> dict[str, Any]:
        return delete_event(props, physical, logical_id=self.logical_id(prefix))

    def send(self, label: str, event: dict[str, Any], *, shown: bool = True) -> Step:
        """Run the handler on ``event``; a FAILED answer is recorded, not raised."""
        step = Step(label, event, shown=shown)
        try:
            step.answer = handler.on_event(event, self.context)
        except TuningJobError as exc:
            step.error = exc
        step.body = provider_response(event, step)
        self._name_after(step)
        self.steps.append(step)
        return step

    def deploy(self, prefix: str, props: Mapping[str, Any] | None = None) -> str:
        """A Create that must succeed (the scenario's set-up); returns the job's name.

        Later properties' ``Ref`` to this resource give that name, as in CloudFormation.
        """
        step = self.send(f"Create {prefix}", self.create_event(prefix, props), shown=False)
        if step.error is not None:
            raise AssertionError(f"set-up Create of {prefix} failed: {step.reason}")
        self.refs[self.logical_id(prefix)] = step.physical_id
        return step.physical_id

    def create_external_parent(
        self,
        like: Mapping[str, Any],
        edit: Callable[[dict[str, Any]], None] | None = None,
        *,
        name: str = EXTERNAL_PARENT,
    ) -> None:
        """A job launched outside the app (with boto3) from ``like``'s Spec.

        ``edit`` may change its Create request first.
        """
        request = definition_from_spec(json.loads(like["Spec"])).to_request(name)
        if edit is not None:
            edit(request)
        self.runtime.sagemaker.create_hyper_parameter_tuning_job(**request)

    def _name_after(self, step: Step) -> None:
        """Give the job a step launched its alias; after a failure, the name it would have
        had, if the reason or the lineage table mentions it."""
        if step.answer is not None:
            self.alias(step.answer["PhysicalResourceId"], step.event)
            return
        name = predicted_name(step.event)
        if name is not None and (
            name.lower() in step.reason.lower() or self.runtime.item(name) is not None
        ):
            self.alias(name, step.event)

    def alias(self, name: str, event: Mapping[str, Any]) -> None:
        props = event.get("ResourceProperties") or {}
        if name.lower() in self.aliases or props.get("JobName"):
            return
        prefix = str(props.get("NamePrefix") or "job")
        if not name.startswith(prefix + "-"):
            return  # not a generated name (a bogus id, a marker): shown as it is
        self._counts[prefix] += 1
        self.aliases[name.lower()] = f"{prefix}#{self._counts[prefix]}"

    # ---- reading back

    def label(self, name: str) -> str:
        return self.aliases.get(name.lower(), name)

    def text(self, text: str) -> str:
        """``text`` with every known name replaced by its alias."""
        for name, alias in sorted(self.aliases.items(), key=lambda kv: -len(kv[0])):
            text = re.sub(re.escape(name), alias, text, flags=re.IGNORECASE)
        return text

    def _summaries(self) -> list[dict[str, Any]]:
        response = self.runtime.sagemaker.list_hyper_parameter_tuning_jobs(MaxResults=100)
        summaries: list[dict[str, Any]] = response["HyperParameterTuningJobSummaries"]
        return summaries

    def jobs(self) -> dict[str, str]:
        """Every tuning job in moto: alias (or name) to status."""
        return {
            self.label(s["HyperParameterTuningJobName"]): s["HyperParameterTuningJobStatus"]
            for s in self._summaries()
        }

    def lineage(self) -> dict[str, dict[str, Any]]:
        """Every lineage item: alias (or name) to its key fields."""
        return {
            self.label(str(item["name"])): self.key_fields(item) for item in self.runtime.items()
        }

    def key_fields(self, item: Mapping[str, Any]) -> dict[str, Any]:
        """Status, where the job came from and what became of it; ``arn`` only if missing."""
        fields: dict[str, Any] = {"status": item.get("status")}
        if item.get("external") is True:
            fields["external"] = True
        elif "arn" not in item:
            fields["arn"] = None
        if item.get("parents"):
            fields["parents"] = [self.label(p) for p in item["parents"]]
        if item.get("children"):
            fields["children"] = sorted(self.label(c) for c in item["children"])
        if item.get("waitingFor"):
            fields["waitingFor"] = [self.label(p) for p in item["waitingFor"]]
        for key in ("replaces", "supersededBy"):
            if item.get(key):
                fields[key] = self.label(item[key])
        if isinstance(item.get("removed"), Mapping):
            fields["removed"] = item["removed"]["action"]
        if item.get("failureReason"):
            fields["failureReason"] = self.text(str(item["failureReason"]))
        return fields

    # ---- the matrix row

    def row(self, scenario: str) -> MatrixRow:
        shown = [s for s in self.steps if s.shown]
        return MatrixRow(
            scenario=scenario,
            answer=[self._answer_text(s) for s in shown],
            jobs=self._safe(lambda: [f"{k} {v}" for k, v in sorted(self.jobs().items())]),
            lineage=self._safe(
                lambda: [f"{k}: {_fields_text(v)}" for k, v in sorted(self.lineage().items())]
            ),
        )

    def _answer_text(self, step: Step) -> str:
        size = f"[{len(step.body):,} B]"
        if step.error is None:
            physical = self.label(str((step.answer or {}).get("PhysicalResourceId")))
            return f"{step.label} → SUCCESS id={physical} {size}"
        reason = self.text(step.reason)
        reason = reason.split(" (details in CloudWatch log stream")[0]
        if len(reason) > 150:
            reason = reason[:149] + "…"
        return f"{step.label} → FAILED {type(step.error).__name__}: {reason} {size}"

    @staticmethod
    def _safe(read: Callable[[], list[str]]) -> list[str]:
        try:
            return read()
        except Exception as exc:  # the row must still be written
            return [f"(could not read back: {type(exc).__name__})"]


def predicted_name(event: Mapping[str, Any]) -> str | None:
    """The name the handler generates for ``event``, or None if the Spec is unreadable."""
    props = event.get("ResourceProperties") or {}
    if props.get("JobName"):
        return str(props["JobName"])
    try:
        definition = definition_from_spec(json.loads(props["Spec"]))
    except Exception:
        return None
    prefix = name_prefix(str(props.get("NamePrefix") or event["LogicalResourceId"]))
    return generate_job_name(prefix, definition_hash(definition), str(event["RequestId"]))


def _fields_text(fields: Mapping[str, Any]) -> str:
    status = fields["status"]
    parts = [str(status) if status else "no status"]
    for key, value in fields.items():
        if key == "status":
            continue
        if value is True:
            parts.append(key)
        elif value is None:
            parts.append(f"no {key}")
        elif isinstance(value, list):
            parts.append(f"{key}=[{', '.join(value)}]")
        else:
            text = str(value)
            parts.append(f"{key}={text if len(text) <= 80 else text[:79] + '…'}")
    return ", ".join(parts)


# --------------------------------------------------------------------------- faults


def aws_error(code: str, message: str, status: int = 400) -> Exception:
    """An error moto's server answers with ``status`` and a JSON body naming ``code``."""
    from moto.core.exceptions import JsonRESTError

    error = JsonRESTError(code, message)
    error.code = status
    return error


Outcome = Callable[[Callable[..., Any], tuple[Any, ...], dict[str, Any]], Any]


def passes() -> Outcome:
    """The real operation."""

    def outcome(real: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        return real(*args, **kwargs)

    return outcome


def fails(error: Exception) -> Outcome:
    """``error`` instead of the operation."""

    def outcome(real: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        raise error

    return outcome


def fails_after(error: Exception) -> Outcome:
    """The operation takes effect, but the answer is ``error`` (a reply lost in an outage)."""

    def outcome(real: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        real(*args, **kwargs)
        raise error

    return outcome


class SageMakerFaults:
    """Replaces operations of moto's SageMaker backend in the in-process server.

    The handler's requests still travel over HTTP; the server answers them with the
    planned outcomes, in order, then with ``then`` for every later call.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        self.calls: Counter[str] = Counter()
        self._real: dict[str, Callable[..., Any]] = {}

    def plan(self, operation: str, *outcomes: Outcome, then: Outcome | None = None) -> None:
        """Answer ``operation`` with ``outcomes`` in turn, then ``then`` (the real one).

        A new plan for the same operation replaces the previous one.
        """
        from moto.sagemaker.models import SageMakerModelBackend

        real = self._real.setdefault(operation, getattr(SageMakerModelBackend, operation))
        pending = list(outcomes)
        last = then or passes()

        def replaced(backend: Any, *args: Any, **kwargs: Any) -> Any:
            self.calls[operation] += 1
            outcome = pending.pop(0) if pending else last
            return outcome(lambda *a, **k: real(backend, *a, **k), args, kwargs)

        self.monkeypatch.setattr(SageMakerModelBackend, operation, replaced)


@dataclass
class Retries:
    """The retries botocore decided on, as ``(operation, attempt that failed)``."""

    made: list[tuple[str, int]] = field(default_factory=list)

    def of(self, operation: str) -> list[int]:
        return [attempt for name, attempt in self.made if name == operation]


def instant_retries(monkeypatch: pytest.MonkeyPatch) -> Retries:
    """botocore's ``standard`` retries without their back-off sleeps (recorded instead)."""
    from botocore.retries.standard import ExponentialBackoff

    retries = Retries()

    def delay_amount(self: Any, context: Any) -> float:
        operation = context.operation_model.name if context.operation_model else "?"
        retries.made.append((operation, context.attempt_number))
        return 0.0

    monkeypatch.setattr(ExponentialBackoff, "delay_amount", delay_amount)
    return retries


class DynamoDBOutage:
    """The handler's DynamoDB client: dynalite until :meth:`start`, a dead port after.

    The handler gets it where it gets its client (``handler.dynamodb_client``), so its own
    calls, made with the runtime's client configuration and retries, meet the outage.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *, down: bool = False) -> None:
        import boto3

        self.live = aws.dynamodb_client()
        self.dead = boto3.session.Session().client(
            "dynamodb", endpoint_url=DEAD_LOOPBACK, config=aws.client_config()
        )
        self.down = down
        self.failed_calls: list[str] = []
        monkeypatch.setattr(handler, "dynamodb_client", lambda: self)

    def start(self) -> None:
        self.down = True

    def end(self) -> None:
        self.down = False

    def __getattr__(self, name: str) -> Any:
        if self.down:
            self.failed_calls.append(name)
            return getattr(self.dead, name)
        return getattr(self.live, name)


# --------------------------------------------------------------------------- the table


@dataclass
class MatrixRow:
    scenario: str
    answer: list[str]
    jobs: list[str]
    lineage: list[str]


def render_table(rows: list[MatrixRow]) -> str:
    def cell(lines: list[str]) -> str:
        text = "<br>".join(lines) if lines else "—"
        return text.replace("|", "\\|").replace("\n", " ")

    out = [
        "# Deploy-time fault matrix",
        "",
        "Written by `tests/runtime/test_fault_matrix.py` from what each scenario observed: "
        "the events come from the synthesized example app and the real handler ran against "
        "moto (SageMaker) and dynalite (DynamoDB) on 127.0.0.1. Generated job names are "
        "shown by alias (`parent#1` is the first `parent-…` job of the scenario); `[N B]` is "
        "the size of the response the Provider framework would send (limit 4,096 B).",
        "",
        "| scenario | answer | jobs after | lineage after |",
        "|---|---|---|---|",
    ]
    for row in rows:
        out.append(
            f"| {cell([row.scenario])} | {cell(row.answer)} | {cell(row.jobs)} "
            f"| {cell(row.lineage)} |"
        )
    return "\n".join(out) + "\n"


def write_table(path: Path, rows: list[MatrixRow]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_table(rows), encoding="utf-8")
