"""cdk-nag's AwsSolutions pack: the example app passes, and the library passes on its own.

Every app here is synthesized once, in this process, with ``AwsSolutionsChecks`` as a
validation plugin; a finding of error severity that nobody acknowledged fails synth.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import aws_cdk as cdk
import pytest
from aws_cdk import Validations
from aws_cdk import aws_iam as iam
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct

from constructs_pkg import WarmStart
from constructs_pkg.cdk.lineage_table import LineageTable
from constructs_pkg.cdk.provider import TuningJobProvider
from tests.cdk.support import ENV, job, load_example_app, training

ACKNOWLEDGED = Validations.ACKNOWLEDGED_RULES_METADATA_KEY
WILDCARD = "AwsSolutions-IAM5"


@dataclass
class NagRun:
    app: cdk.App
    stack: cdk.Stack
    synth_error: str | None
    violations: list[tuple[str, str, str]]
    """(severity, rule id, construct path) of every finding the plugin reported."""

    @property
    def errors(self) -> list[tuple[str, str, str]]:
        return [v for v in self.violations if v[0] == "error"]

    @property
    def template(self) -> dict[str, Any]:
        path = Path(self.app.outdir, f"{self.stack.stack_name}.template.json")
        template: dict[str, Any] = json.loads(path.read_text())
        return template


def run_nag(outdir: Path, build: Callable[[cdk.App], cdk.Stack]) -> NagRun:
    app = cdk.App(outdir=str(outdir))
    stack = build(app)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    synth_error = None
    try:
        app.synth()
    except RuntimeError as exc:
        synth_error = str(exc)
    report_file = outdir / "validation-report.json"
    assert report_file.exists(), synth_error
    report = json.loads(report_file.read_text())
    violations = [
        (violation["severity"], violation["ruleName"], construct["constructPath"])
        for plugin in report["pluginReports"]
        for violation in plugin["violations"]
        for construct in violation["violatingConstructs"]
    ]
    return NagRun(app, stack, synth_error, violations)


def acknowledgments(root: IConstruct) -> Iterator[tuple[str, str, str]]:
    """(construct path, rule id, reason) of every acknowledgment at or below ``root``."""
    for construct in root.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == ACKNOWLEDGED:
                for qualified, reason in entry.data.items():
                    yield construct.node.path, qualified.split("::", 1)[1], reason


def library_acknowledgments(stack: cdk.Stack) -> list[tuple[str, str, str]]:
    found = list(acknowledgments(TuningJobProvider.of(stack)))
    for child in stack.node.children:
        if isinstance(child, LineageTable):
            found.extend(acknowledgments(child))
    return found


def flatten(value: Any) -> str:
    """A resolved CloudFormation value as cdk-nag prints it in a finding id."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return f"<{value['Ref']}>"
    if "Fn::GetAtt" in value:
        return "<{}.{}>".format(*value["Fn::GetAtt"])
    if "Fn::Join" in value:
        delimiter, items = value["Fn::Join"]
        return str(delimiter).join(flatten(item) for item in items)
    raise AssertionError(f"no flattening for {value!r}")


def wildcard_findings(template: dict[str, Any], prefix: str) -> set[str]:
    """The IAM5 resource findings of the policies whose logical id starts with ``prefix``."""
    found = set()
    for lid, resource in template["Resources"].items():
        if resource["Type"] != "AWS::IAM::Policy" or not lid.startswith(prefix):
            continue
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
            resources = statement["Resource"]
            for item in resources if isinstance(resources, list) else [resources]:
                text = flatten(item)
                if "*" in text:
                    found.add(f"{WILDCARD}[Resource::{text}]")
    return found


def two_jobs(env: cdk.Environment | None) -> Callable[[cdk.App], cdk.Stack]:
    """Two plain jobs and the user's own training role: nothing acknowledged by the user."""

    def build(app: cdk.App) -> cdk.Stack:
        stack = cdk.Stack(app, "Jobs", env=env)
        role = iam.Role(
            stack, "TrainingRole", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com")
        )
        job(stack, "First", training=training(role=role.role_arn))
        job(stack, "Second", training=training(role=role.role_arn))
        return stack

    return build


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> NagRun:
    module = load_example_app()
    return run_nag(
        tmp_path_factory.mktemp("example"),
        lambda app: module.ImageClassificationTuning(app, "ImageClassificationTuning", env=ENV),
    )


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> NagRun:
    return run_nag(tmp_path_factory.mktemp("library"), two_jobs(ENV))


@pytest.fixture(scope="module")
def library_agnostic(tmp_path_factory: pytest.TempPathFactory) -> NagRun:
    """The same stack without an environment: region and account are pseudo parameters."""
    return run_nag(tmp_path_factory.mktemp("agnostic"), two_jobs(None))


def test_example_app_passes_aws_solutions(example: NagRun) -> None:
    """Synth succeeds, with no AwsSolutions error left unacknowledged."""
    assert example.synth_error is None
    assert example.errors == []


@pytest.mark.parametrize("run", ["library", "library_agnostic"])
def test_library_alone_raises_no_finding(run: str, request: pytest.FixtureRequest) -> None:
    """Two plain jobs and a user's role: no AwsSolutions finding, nothing for the user to do."""
    nag: NagRun = request.getfixturevalue(run)
    assert nag.synth_error is None
    assert nag.violations == []
    library = TuningJobProvider.of(nag.stack).node.path + "/"
    assert [ack for ack in acknowledgments(nag.stack) if not ack[0].startswith(library)] == []


@pytest.mark.parametrize("run", ["example", "library", "library_agnostic"])
def test_every_acknowledgment_has_a_reason(run: str, request: pytest.FixtureRequest) -> None:
    """Each acknowledgment in the app, the library's and the example's, is one sentence."""
    nag: NagRun = request.getfixturevalue(run)
    found = list(acknowledgments(nag.stack))
    assert found
    for path, rule, reason in found:
        text = reason.strip()
        assert text, (path, rule)
        assert text.endswith(".") and ". " not in text, (path, rule, reason)


@pytest.mark.parametrize(
    ("run", "region", "account", "prefixes"),
    [
        ("example", "us-east-1", "123456789012", ["parent", "refine", "transfer"]),
        ("library", "us-east-1", "123456789012", ["first", "second"]),
        ("library_agnostic", "<AWS::Region>", "<AWS::AccountId>", ["first", "second"]),
    ],
)
def test_library_acknowledges_exactly_its_wildcards(
    run: str, region: str, account: str, prefixes: list[str], request: pytest.FixtureRequest
) -> None:
    """One acknowledgment per wildcard resource of the provider's policies, none spare.

    The job patterns are acknowledged on the handler's role, the framework's grant on the
    handler's versions on the framework's role; no role uses an AWS managed policy.
    """
    nag: NagRun = request.getfixturevalue(run)
    provider = TuningJobProvider.of(nag.stack)
    acks = library_acknowledgments(nag.stack)
    by_path: dict[str, set[str]] = {}
    for path, rule, _reason in acks:
        by_path.setdefault(path, set()).add(rule)

    arn = f"arn:<AWS::Partition>:sagemaker:{region}:{account}:hyper-parameter-tuning-job"
    handler_id = nag.stack.get_logical_id(
        cast(cdk.CfnElement, provider.handler.node.default_child)
    )
    assert by_path == {
        provider.handler_role.node.path: {
            f"{WILDCARD}[Resource::{arn}/{prefix}-*]" for prefix in prefixes
        },
        provider.framework_role.node.path: {f"{WILDCARD}[Resource::<{handler_id}.Arn>:*]"},
    }
    assert {rule for _path, rule, _reason in acks} == wildcard_findings(
        nag.template, "ConstructsPkgTuningJobProvider"
    )
    roles = [r for r in nag.template["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
    assert [r for r in roles if r["Properties"].get("ManagedPolicyArns")] == []


def test_parent_in_another_stack_is_acknowledged_where_it_is_described(
    tmp_path: Path,
) -> None:
    """A child describes a parent of another stack by the pattern that stack's provider made."""
    stacks: dict[str, cdk.Stack] = {}

    def build(app: cdk.App) -> cdk.Stack:
        stacks["parents"] = cdk.Stack(app, "Parents", env=ENV)
        stacks["children"] = cdk.Stack(app, "Children", env=ENV)
        parent = job(stacks["parents"], "Parent")
        job(stacks["children"], "Child", warm_start=WarmStart.transfer_learning(parent))
        return stacks["children"]

    nag = run_nag(tmp_path, build)
    assert nag.synth_error is None
    assert nag.violations == []
    provider = TuningJobProvider.of(stacks["children"])
    acked = {rule for path, rule, _ in acknowledgments(provider) if path.endswith("HandlerRole")}
    arn = "arn:<AWS::Partition>:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job"
    assert acked == {
        f"{WILDCARD}[Resource::{arn}/parent-*]",
        f"{WILDCARD}[Resource::{arn}/child-*]",
    }
