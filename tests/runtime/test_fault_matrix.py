"""The deploy-time fault matrix of the example app.

Each scenario builds its events from the synthesized example app (``app.py``: Parent,
Refine warm-starting from it, Transfer warm-starting from it and from a job outside the
app), changes the evaluated properties where the scenario needs it, and runs the real
handler against moto and dynalite over HTTP on 127.0.0.1. It then checks the answer, the
jobs in moto and the lineage items. Every scenario also checks the response the Provider
framework would send: a reason of at most 1 KB and a body under 4 KB.

The observed rows are written to ``build/fault-matrix.md`` when the module ends.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from constructs_pkg.core.model import definition_from_spec, definition_hash
from constructs_pkg.runtime.aws import MAX_ATTEMPTS
from constructs_pkg.runtime.errors import (
    MAX_REASON_BYTES,
    AwsCallFailedError,
    DefinitionInvalidError,
    JobConflictError,
    JobRejectedError,
    LineageError,
    ParentIncompatibleError,
    ParentNotFoundError,
    ParentNotReadyError,
)
from tests.conftest import REPO_ROOT
from tests.runtime.conftest import FakeContext, Runtime
from tests.runtime.matrix_support import (
    CREATE_FAILED_MARKER,
    EXTERNAL_PARENT,
    MAX_RESPONSE_BYTES,
    Deployment,
    DynamoDBOutage,
    MatrixRow,
    Step,
    aws_error,
    fails,
    fails_after,
    predicted_name,
    synth_example,
    write_table,
)
from tests.runtime.moto_ext import set_training_job_counters

MATRIX_PATH = REPO_ROOT / "build" / "fault-matrix.md"
ROWS: list[MatrixRow] = []

JOB_ARN_PREFIX = "arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/"
CREATE = "create_hyper_parameter_tuning_job"
DESCRIBE = "describe_hyper_parameter_tuning_job"
STOP = "stop_hyper_parameter_tuning_job"


def throttled() -> Exception:
    return aws_error("ThrottlingException", "Rate exceeded")


# --------------------------------------------------------------------------- the harness


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    run: Callable[[Deployment], None]
    xfail: str | None = None


SCENARIOS: list[Scenario] = []


def scenario(
    title: str, *, xfail: str | None = None
) -> Callable[[Callable[[Deployment], None]], Callable[[Deployment], None]]:
    def register(run: Callable[[Deployment], None]) -> Callable[[Deployment], None]:
        SCENARIOS.append(Scenario(run.__name__, title, run, xfail))
        return run

    return register


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return synth_example()


@pytest.fixture(scope="module", autouse=True)
def _write_matrix() -> Iterator[None]:
    ROWS.clear()
    yield
    write_table(MATRIX_PATH, ROWS)


@pytest.fixture
def deployment(
    template: dict[str, Any],
    runtime: Runtime,
    context: FakeContext,
    monkeypatch: pytest.MonkeyPatch,
    set_tuning_job_status: Callable[..., None],
) -> Deployment:
    return Deployment(template, runtime, context, set_tuning_job_status, monkeypatch)


def pointer(d: Deployment) -> str:
    return f" (details in CloudWatch log stream {d.context.log_stream_name})"


def failed(step: Step, kind: type[Exception]) -> str:
    """The step's FAILED reason, after checking the exception type."""
    assert step.error is not None, f"{step.label} succeeded: {step.answer}"
    assert type(step.error) is kind, f"{step.label}: {type(step.error).__name__}: {step.error}"
    return step.reason


def answered(step: Step, *, state: str = "Launched", name: str | None = None) -> str:
    """Check a SUCCESS answer in full; return the job name it gives.

    The name is ``name`` if given, else the one generated from the Spec's hash and this
    request's id; the ARN is the job's once it is launched.
    """
    assert step.error is None, f"{step.label}: {type(step.error).__name__}: {step.error}"
    name = name or predicted_name(step.event)
    assert step.physical_id == name, step.label
    spec = json.loads(step.event["ResourceProperties"]["Spec"])
    arn = f"{JOB_ARN_PREFIX}{name}" if state == "Launched" else ""
    assert step.answer == {
        "PhysicalResourceId": name,
        "Data": {
            "JobName": name,
            "JobArn": arn,
            "DefinitionHash": definition_hash(definition_from_spec(spec)),
            "LaunchState": state,
        },
    }
    return name


def check_response_limits(d: Deployment) -> None:
    """What every answer must keep, whatever the scenario (B15, and the framework's rules)."""
    for step in d.steps:
        assert len(step.body) < MAX_RESPONSE_BYTES, (step.label, len(step.body))
        if step.error is not None:
            assert len(step.reason.encode("utf-8")) <= MAX_REASON_BYTES, step.label
            assert step.reason.endswith(pointer(d)), step.label
        elif step.event["RequestType"] == "Delete":
            # The framework refuses a Delete whose answer changes the physical id.
            assert step.physical_id == step.event["PhysicalResourceId"], step.label


# --------------------------------------------------------------------------- Create


@scenario("baseline: Parent, then Refine and Transfer (external parent present)")
def baseline(d: Deployment) -> None:
    parent = d.send("Create Parent", d.create_event("Parent"))
    d.refs[d.logical_id("Parent")] = parent.physical_id
    d.create_external_parent(d.props("Parent"))
    refine = d.send("Create Refine", d.create_event("Refine"))
    transfer = d.send("Create Transfer", d.create_event("Transfer"))

    for step in (parent, refine, transfer):
        answered(step)
    assert d.jobs() == {
        "parent#1": "Completed",
        "refine#1": "Completed",
        "transfer#1": "Completed",
        EXTERNAL_PARENT: "Completed",
    }
    assert d.lineage() == {
        "parent#1": {"status": "InProgress", "children": ["refine#1", "transfer#1"]},
        "refine#1": {"status": "InProgress", "parents": ["parent#1"]},
        "transfer#1": {"status": "InProgress", "parents": ["parent#1", EXTERNAL_PARENT]},
        EXTERNAL_PARENT: {"status": None, "external": True, "children": ["transfer#1"]},
    }


@scenario("duplicate Create (same RequestId delivered twice)")
def duplicate_create(d: Deployment) -> None:
    d.faults.plan(CREATE)
    event = d.create_event("Parent")

    first = d.send("Create", event)
    second = d.send("Create again, same RequestId", event)

    answered(first)
    assert second.answer == first.answer
    assert d.faults.calls[CREATE] == 1
    assert d.jobs() == {"parent#1": "Completed"}
    assert d.lineage() == {"parent#1": {"status": "InProgress"}}
    item = d.runtime.item(first.physical_id)
    assert item is not None
    assert [h["status"] for h in item["statusHistory"]] == ["Launching", "InProgress"]


@scenario("Create redelivered after its first delivery failed (throttled)")
def create_redelivered_after_failure(d: Deployment) -> None:
    event = d.create_event("Parent")
    d.faults.plan(CREATE, then=fails(throttled()))
    first = d.send("Create (throttled throughout)", event)
    d.faults.plan(CREATE)

    second = d.send("Create again, same RequestId", event)

    failed(first, AwsCallFailedError)
    answered(second)
    assert d.faults.calls[CREATE] == len(d.retries.of("CreateHyperParameterTuningJob")) + 2
    assert d.jobs() == {"parent#1": "Completed"}
    assert d.lineage() == {"parent#1": {"status": "InProgress"}}


@scenario("Create with a warm-start parent missing (Transfer, external parent absent)")
def parent_missing(d: Deployment) -> None:
    d.deploy("Parent")

    step = d.send("Create Transfer", d.create_event("Transfer"))

    reason = failed(step, ParentNotFoundError)
    assert reason == (
        f"warm-start parent tuning job(s) not found: '{EXTERNAL_PARENT}'. A parent must exist "
        "in the child's account and Region; check the name, or create the parent first"
        + pointer(d)
    )
    assert d.jobs() == {"parent#1": "Completed"}
    assert d.lineage() == {"parent#1": {"status": "InProgress"}}


@scenario("Create with a parent still running (InProgress): recorded as waiting")
def parent_running(d: Deployment) -> None:
    parent = d.deploy("Parent")
    d.set_status(parent, "InProgress")
    d.faults.plan(CREATE)

    step = d.send("Create Refine", d.create_event("Refine"))

    answered(step, state="Waiting")
    assert d.faults.calls[CREATE] == 0
    assert d.jobs() == {"parent#1": "InProgress"}
    assert d.lineage() == {
        "parent#1": {"status": "InProgress", "children": ["refine#1"]},
        "refine#1": {
            "status": "Waiting",
            "arn": None,
            "parents": ["parent#1"],
            "waitingFor": ["parent#1"],
        },
    }


@scenario('Create with a parent still running, WaitForParents "false": fails fast')
def parent_running_fail_fast(d: Deployment) -> None:
    parent = d.deploy("Parent")
    d.set_status(parent, "InProgress")
    props = d.props("Refine", WaitForParents="false")

    step = d.send("Create Refine", d.create_event("Refine", props))

    reason = d.text(failed(step, ParentNotReadyError))
    assert reason == (
        "warm-start parent(s) not finished: 'parent#1' is InProgress. SageMaker starts a "
        "child only when every parent is Completed, Stopped or Failed: deploy the child once "
        "its parents have finished" + pointer(d)
    )
    assert d.jobs() == {"parent#1": "InProgress"}
    assert d.lineage() == {"parent#1": {"status": "InProgress"}}


def created_on(d: Deployment, name: str, moment: datetime) -> None:
    d.runtime.moto_backend.hyper_parameter_tuning_jobs[name].creation_time = moment


@scenario("Create with a parent created before 2018-10-01, then on 2018-10-01 00:00 UTC")
def parent_too_old(d: Deployment) -> None:
    parent = d.deploy("Parent")
    created_on(d, parent, datetime(2018, 9, 30, 23, 59))
    too_old = d.send("Create Refine (parent of 2018-09-30)", d.create_event("Refine"))
    created_on(d, parent, datetime(2018, 10, 1, 0, 0))

    first_day = d.send("Create Refine (parent of 2018-10-01)", d.create_event("Refine"))

    reason = d.text(failed(too_old, ParentIncompatibleError))
    assert reason == (
        "the child cannot warm-start from its parents: [W5] `warm_start.parents[0]`: "
        "SageMaker cannot warm start from tuning jobs created before 2018-10-01; parent "
        "'parent#1' was created on 2018-09-30. Use a newer parent." + pointer(d)
    )
    answered(first_day)
    assert d.jobs() == {"parent#1": "Completed", "refine#1": "Completed"}
    assert d.lineage() == {
        "parent#1": {"status": "InProgress", "children": ["refine#1"]},
        "refine#1": {"status": "InProgress", "parents": ["parent#1"]},
    }


@scenario("Create with an incompatible external parent (other objective and hyperparameters)")
def parent_incompatible(d: Deployment) -> None:
    d.deploy("Parent")

    def incompatible(request: dict[str, Any]) -> None:
        request["HyperParameterTuningJobConfig"]["HyperParameterTuningJobObjective"] = {
            "Type": "Minimize",
            "MetricName": "validation:loss",
        }
        static = request["TrainingJobDefinition"]["StaticHyperParameters"]
        del static["top_k"]
        static["beta_1"] = "0.9"

    d.create_external_parent(d.props("Parent"), incompatible)

    step = d.send("Create Transfer", d.create_event("Transfer"))

    reason = failed(step, ParentIncompatibleError)
    assert reason == (
        "the child cannot warm-start from its parents: [W6] `objective`: Warm start keeps the "
        f"parent's objective; parent '{EXTERNAL_PARENT}' has Minimize 'validation:loss', this "
        "job has Maximize 'validation:accuracy'. Use the parent's objective metric and type.; "
        "[W7] `warm_start.parents[1]`: The set of static plus tunable hyperparameter names "
        f"must equal that of parent '{EXTERNAL_PARENT}'; missing here: beta_1; not in the "
        "parent: top_k. Moving a name between static and tunable is allowed, adding or "
        "removing one is not." + pointer(d)
    )
    assert d.jobs() == {"parent#1": "Completed", EXTERNAL_PARENT: "Completed"}
    assert d.lineage() == {"parent#1": {"status": "InProgress"}}


@scenario("Create whose parents' training jobs exceed the quota (B05)")
def parents_training_jobs_over_quota(d: Deployment) -> None:
    parent = d.deploy("Parent")
    set_training_job_counters(d.runtime.moto_backend, parent, Completed=700, Stopped=40)

    step = d.send("Create Refine (max_jobs 20)", d.create_event("Refine"))

    reason = failed(step, ParentIncompatibleError)
    assert reason == (
        "the child cannot warm-start from its parents: [W11] `max_jobs`: Warm start counts "
        "the parents' training jobs against the quota of 750 training jobs per tuning job: "
        "the parents launched 740 and this job asks for up to 20, 760 in total. Lower "
        "`max_jobs` to 10 or less, or use fewer parents." + pointer(d)
    )
    assert d.jobs() == {"parent#1": "Completed"}
    assert d.lineage() == {"parent#1": {"status": "InProgress"}}


@scenario("Create with a fixed JobName already taken by a job outside the stack (B19)")
def fixed_name_taken(d: Deployment) -> None:
    d.create_external_parent(d.props("Parent"), name="vision-parent")
    props = d.props("Parent", JobName="vision-parent")

    step = d.send("Create Parent (JobName vision-parent)", d.create_event("Parent", props))

    reason = failed(step, JobConflictError)
    assert reason == (
        "a tuning job named 'vision-parent' already exists and was not launched by this "
        "resource (names are unique per account and Region, ignoring case): choose another "
        "job_name, or remove job_name so that names are generated" + pointer(d)
    )
    assert d.jobs() == {"vision-parent": "Completed"}
    assert d.lineage() == {}


# --------------------------------------------------------------------------- Update


def more_training_jobs(document: dict[str, Any]) -> None:
    limits = document["request"]["HyperParameterTuningJobConfig"]["ResourceLimits"]
    limits["MaxNumberOfTrainingJobs"] = 12


def max_jobs(d: Deployment, name: str) -> int:
    config = d.runtime.describe(name)["HyperParameterTuningJobConfig"]
    return int(config["ResourceLimits"]["MaxNumberOfTrainingJobs"])


@scenario("Update without a definition change: tags, then only readable properties (B22)")
def update_without_definition_change(d: Deployment) -> None:
    v1 = d.props("Parent")
    parent = d.deploy("Parent", v1)
    tags = d.props("Parent", Tags='{"dataset":"caltech-256","owner":"ml","team":"platform"}')
    # A library upgrade: the readable hash changes and a new top-level property appears.
    upgrade = dict(tags, DefinitionHash="0123456789abcdef", LibraryVersion="1.1.0")
    d.faults.plan(CREATE)

    retagged = d.send("Update (tags)", d.update_event("Parent", v1, tags, parent))
    upgraded = d.send(
        "Update (DefinitionHash, new property)", d.update_event("Parent", tags, upgrade, parent)
    )

    assert answered(retagged, name=parent) == parent
    assert answered(upgraded, name=parent) == parent
    assert d.faults.calls[CREATE] == 0
    assert d.runtime.tags(parent) == {"dataset": "caltech-256", "owner": "ml", "team": "platform"}
    assert d.jobs() == {"parent#1": "Completed"}
    assert d.lineage() == {"parent#1": {"status": "Completed"}}
    item = d.runtime.item(parent)
    assert item is not None
    assert item["tags"] == {"dataset": "caltech-256", "owner": "ml", "team": "platform"}


@scenario("Update with a definition change, then CloudFormation deletes the old id")
def update_definition_change(d: Deployment) -> None:
    v1 = d.props("Parent")
    first = d.deploy("Parent", v1)
    d.set_status(first, "InProgress")
    v2 = d.props("Parent", spec=more_training_jobs)

    update = d.send("Update (max_jobs 12)", d.update_event("Parent", v1, v2, first))
    cleanup = d.send("clean-up Delete parent#1", d.delete_event("Parent", v1, first))

    assert answered(update) != first
    assert cleanup.answer == {"PhysicalResourceId": first}
    assert max_jobs(d, update.physical_id) == 12
    assert d.jobs() == {"parent#1": "Stopping", "parent#2": "Completed"}
    assert d.lineage() == {
        "parent#1": {"status": "Stopping", "supersededBy": "parent#2", "removed": "stopped"},
        "parent#2": {"status": "InProgress", "replaces": "parent#1"},
    }


@scenario("Update then revert (each followed by CloudFormation's clean-up Delete)")
def update_then_revert(d: Deployment) -> None:
    v1 = d.props("Parent")
    first = d.deploy("Parent", v1)
    v2 = d.props("Parent", spec=more_training_jobs)

    second = d.send("Update v1→v2", d.update_event("Parent", v1, v2, first)).physical_id
    d.send("clean-up Delete parent#1", d.delete_event("Parent", v1, first))
    third = d.send("Update v2→v1", d.update_event("Parent", v2, v1, second)).physical_id
    d.send("clean-up Delete parent#2", d.delete_event("Parent", v2, second))

    assert len({first.lower(), second.lower(), third.lower()}) == 3
    assert d.jobs() == {"parent#1": "Completed", "parent#2": "Completed", "parent#3": "Completed"}
    assert d.lineage() == {
        "parent#1": {
            "status": "Completed",
            "supersededBy": "parent#2",
            "removed": "already-ended",
        },
        "parent#2": {
            "status": "Completed",
            "replaces": "parent#1",
            "supersededBy": "parent#3",
            "removed": "already-ended",
        },
        "parent#3": {"status": "InProgress", "replaces": "parent#2"},
    }


@scenario("Update rolled back before the clean-up (returns to the replaced job)")
def update_rolled_back(d: Deployment) -> None:
    v1 = d.props("Parent")
    first = d.deploy("Parent", v1)
    v2 = d.props("Parent", spec=more_training_jobs)

    second = d.send("Update v1→v2", d.update_event("Parent", v1, v2, first)).physical_id
    rollback = d.send("rollback Update v2→v1", d.update_event("Parent", v2, v1, second))
    d.send("clean-up Delete parent#2", d.delete_event("Parent", v2, second))

    assert answered(rollback, name=first) == first
    assert d.jobs() == {"parent#1": "Completed", "parent#2": "Completed"}
    lineage = d.lineage()
    assert lineage["parent#2"] == {
        "status": "Completed",
        "replaces": "parent#1",
        "removed": "already-ended",
    }
    assert lineage["parent#1"]["status"] == "Completed"
    assert "removed" not in lineage["parent#1"]


@scenario("Update to a malformed Spec, then CloudFormation's rollback")
def update_to_malformed_spec(d: Deployment) -> None:
    v1 = d.props("Parent")
    parent = d.deploy("Parent", v1)
    broken = d.props("Parent", Spec=v1["Spec"].replace(":", ";", 1))

    update = d.send("Update (malformed Spec)", d.update_event("Parent", v1, broken, parent))
    rollback = d.send("rollback Update", d.update_event("Parent", broken, v1, parent))

    assert failed(update, DefinitionInvalidError).startswith("`Spec` is not valid JSON: ")
    assert answered(rollback, name=parent) == parent
    assert d.jobs() == {"parent#1": "Completed"}
    assert d.lineage() == {"parent#1": {"status": "Completed"}}


# --------------------------------------------------------------------------- Delete


@scenario("Delete of a running job (stopped)")
def delete_running(d: Deployment) -> None:
    props = d.props("Parent")
    parent = d.deploy("Parent", props)
    d.set_status(parent, "InProgress")
    d.faults.plan(STOP)

    step = d.send("Delete", d.delete_event("Parent", props, parent))

    assert step.answer == {"PhysicalResourceId": parent}
    assert d.faults.calls[STOP] == 1
    assert d.jobs() == {"parent#1": "Stopping"}
    assert d.lineage() == {"parent#1": {"status": "Stopping", "removed": "stopped"}}


@scenario("Delete of a running job whose removal behaviour is retain")
def delete_retained(d: Deployment) -> None:
    props = d.props("Parent", RemovalBehaviour="retain")
    parent = d.deploy("Parent", props)
    d.set_status(parent, "InProgress")
    d.faults.plan(STOP)

    step = d.send("Delete", d.delete_event("Parent", props, parent))

    assert step.answer == {"PhysicalResourceId": parent}
    assert d.faults.calls[STOP] == 0
    assert d.jobs() == {"parent#1": "InProgress"}
    assert d.lineage() == {"parent#1": {"status": "InProgress", "removed": "retained"}}


@scenario("Delete of a child still waiting for its parent (cancelled)")
def delete_waiting(d: Deployment) -> None:
    parent = d.deploy("Parent")
    d.set_status(parent, "InProgress")
    props = d.props("Refine")
    child = d.deploy("Refine", props)
    d.faults.plan(STOP)

    step = d.send("Delete Refine", d.delete_event("Refine", props, child))

    assert step.answer == {"PhysicalResourceId": child}
    assert d.faults.calls[STOP] == 0
    assert d.jobs() == {"parent#1": "InProgress"}
    assert d.lineage() == {
        "parent#1": {"status": "InProgress", "children": ["refine#1"]},
        "refine#1": {
            "status": "Cancelled",
            "arn": None,
            "parents": ["parent#1"],
            "removed": "cancelled",
        },
    }


@scenario("Delete whose properties carry a malformed Spec (still stops the job)")
def delete_with_malformed_spec(d: Deployment) -> None:
    props = d.props("Parent")
    parent = d.deploy("Parent", props)
    d.set_status(parent, "InProgress")
    broken = d.props("Parent", Spec=props["Spec"][: len(props["Spec"]) // 2])

    step = d.send("Delete (malformed Spec)", d.delete_event("Parent", broken, parent))

    assert step.answer == {"PhysicalResourceId": parent}
    assert d.jobs() == {"parent#1": "Stopping"}
    assert d.lineage() == {"parent#1": {"status": "Stopping", "removed": "stopped"}}


@scenario("Delete with a bogus physical id, and with a job name that is not ours")
def delete_bogus_id(d: Deployment) -> None:
    props = d.props("Parent")
    parent = d.deploy("Parent", props)
    d.set_status(parent, "InProgress")
    d.create_external_parent(props, name="team-b-running")
    d.set_status("team-b-running", "InProgress")
    d.faults.plan(STOP)

    bogus = "4f0a6c1e-1111-4222-8333-944455556666"
    first = d.send("Delete id=<a UUID>", d.delete_event("Parent", props, bogus))
    second = d.send("Delete id=team-b-running", d.delete_event("Parent", props, "team-b-running"))

    assert first.answer == {"PhysicalResourceId": bogus}
    assert second.answer == {"PhysicalResourceId": "team-b-running"}
    assert d.faults.calls[STOP] == 0
    assert d.jobs() == {"parent#1": "InProgress", "team-b-running": "InProgress"}
    assert d.lineage() == {"parent#1": {"status": "InProgress"}}


@scenario("Delete after a failed Create (physical id CREATE_FAILED marker)")
def delete_after_failed_create(d: Deployment) -> None:
    refusal = aws_error(
        "ValidationException", "Instance type ml.p3.2xlarge is not available in this Region."
    )
    d.faults.plan(CREATE, fails(refusal))
    props = d.props("Parent")

    create = d.send("Create (refused by SageMaker)", d.create_event("Parent", props))
    delete = d.send(
        "Delete id=CREATE_FAILED marker", d.delete_event("Parent", props, CREATE_FAILED_MARKER)
    )

    reason = d.text(failed(create, JobRejectedError))
    assert reason == (
        "SageMaker rejected tuning job 'parent#1': Instance type ml.p3.2xlarge is not "
        "available in this Region." + pointer(d)
    )
    assert b'"PhysicalResourceId":"' + CREATE_FAILED_MARKER.encode() + b'"' in create.body
    assert delete.answer == {"PhysicalResourceId": CREATE_FAILED_MARKER}
    assert d.jobs() == {}
    assert d.lineage() == {
        "parent#1": {
            "status": "LaunchFailed",
            "arn": None,
            "failureReason": (
                "SageMaker rejected tuning job 'parent#1': Instance type ml.p3.2xlarge is not "
                "available in this Region."
            ),
        }
    }


# --------------------------------------------------------------------------- SageMaker faults


@scenario("SageMaker throttles Create twice, then accepts it")
def throttled_then_accepted(d: Deployment) -> None:
    d.faults.plan(CREATE, fails(throttled()), fails(throttled()))

    step = d.send("Create", d.create_event("Parent"))

    answered(step)
    assert d.faults.calls[CREATE] == 3
    assert d.retries.of("CreateHyperParameterTuningJob") == [1, 2]
    assert d.jobs() == {"parent#1": "Completed"}
    assert d.lineage() == {"parent#1": {"status": "InProgress"}}


@scenario(
    "SageMaker throttles Create every time",
)
def always_throttled(d: Deployment) -> None:
    d.faults.plan(CREATE, then=fails(throttled()))

    step = d.send("Create", d.create_event("Parent"))

    reason = d.text(failed(step, AwsCallFailedError))
    assert reason == (
        "failed to create tuning job 'parent#1': ThrottlingException: Rate exceeded" + pointer(d)
    )
    assert d.jobs() == {}
    # Not marked LaunchFailed: the handler keeps a record when it cannot tell whether a
    # job exists, so that a job created after all is never unrecorded.
    assert d.lineage() == {"parent#1": {"status": "Launching", "arn": None}}
    # Bounded: botocore retried each throttled attempt but the last, MAX_ATTEMPTS in all.
    assert d.faults.calls[CREATE] == len(d.retries.of("CreateHyperParameterTuningJob")) + 1
    assert d.faults.calls[CREATE] == MAX_ATTEMPTS


@scenario("SageMaker throttles the parent's Describe every time")
def parent_describe_throttled(d: Deployment) -> None:
    d.deploy("Parent")
    d.faults.plan(DESCRIBE, then=fails(throttled()))

    step = d.send("Create Refine", d.create_event("Refine"))

    reason = d.text(failed(step, AwsCallFailedError))
    assert reason == (
        "failed to describe warm-start parent tuning job 'parent#1': ThrottlingException: "
        "Rate exceeded" + pointer(d)
    )
    assert d.faults.calls[DESCRIBE] == len(d.retries.of("DescribeHyperParameterTuningJob")) + 1
    assert d.faults.calls[DESCRIBE] > 1
    assert d.jobs() == {"parent#1": "Completed"}
    assert d.lineage() == {"parent#1": {"status": "InProgress"}}


@scenario("SageMaker answers 500 after creating the job (retry meets ResourceInUse)")
def server_error_after_create(d: Deployment) -> None:
    d.faults.plan(CREATE, fails_after(aws_error("InternalFailure", "Internal error", 500)))

    step = d.send("Create", d.create_event("Parent"))

    answered(step)
    assert d.faults.calls[CREATE] == 2
    assert d.jobs() == {"parent#1": "Completed"}
    assert d.lineage() == {"parent#1": {"status": "InProgress"}}


@scenario("SageMaker creates the job but every reply is lost (500s), then the Delete")
def replies_lost_after_create(d: Deployment) -> None:
    lost = aws_error("InternalFailure", "Internal error", 500)
    d.faults.plan(CREATE, fails_after(lost), then=fails(lost))
    props = d.props("Parent")

    create = d.send("Create", d.create_event("Parent", props))
    d.set_status(predicted_name(create.event) or "", "InProgress")
    delete = d.send(
        "Delete id=CREATE_FAILED marker", d.delete_event("Parent", props, CREATE_FAILED_MARKER)
    )

    reason = d.text(failed(create, AwsCallFailedError))
    assert reason == (
        "failed to create tuning job 'parent#1': InternalFailure: Internal error" + pointer(d)
    )
    assert delete.answer == {"PhysicalResourceId": CREATE_FAILED_MARKER}
    assert d.faults.calls[CREATE] == len(d.retries.of("CreateHyperParameterTuningJob")) + 1
    # What the handler promises: the job that exists after all is recorded (as Launching,
    # without its ARN). Nothing stops it: the stack forgot it.
    assert d.jobs() == {"parent#1": "InProgress"}
    assert d.lineage() == {"parent#1": {"status": "Launching", "arn": None}}


@scenario("SageMaker answers 503 to every Create")
def server_unavailable(d: Deployment) -> None:
    d.faults.plan(CREATE, then=fails(aws_error("ServiceUnavailable", "Service unavailable", 503)))

    step = d.send("Create", d.create_event("Parent"))

    reason = d.text(failed(step, AwsCallFailedError))
    assert reason == (
        "failed to create tuning job 'parent#1': ServiceUnavailable: Service unavailable"
        + pointer(d)
    )
    assert d.faults.calls[CREATE] == len(d.retries.of("CreateHyperParameterTuningJob")) + 1
    assert d.faults.calls[CREATE] > 1
    assert d.jobs() == {}
    assert d.lineage() == {"parent#1": {"status": "Launching", "arn": None}}


# --------------------------------------------------------------------------- DynamoDB faults


@scenario("DynamoDB unreachable right after the job was created (then Delete)")
def dynamodb_down_after_create(d: Deployment) -> None:
    d.deploy("Parent")
    outage = DynamoDBOutage(d.monkeypatch)

    def create_then_outage(real: Any, args: Any, kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        outage.start()
        return result

    d.faults.plan(CREATE, create_then_outage)
    props = d.props("Refine")

    create = d.send("Create Refine", d.create_event("Refine", props))

    answered(create)
    assert set(outage.failed_calls) == {"update_item"}
    assert d.jobs() == {"parent#1": "Completed", "refine#1": "Completed"}
    assert d.lineage() == {
        "parent#1": {"status": "InProgress"},
        "refine#1": {"status": "Launching", "arn": None, "parents": ["parent#1"]},
    }

    # The job is recorded, so the stack can still remove it.
    outage.end()
    d.set_status(create.physical_id, "InProgress")
    delete = d.send("Delete Refine", d.delete_event("Refine", props, create.physical_id))

    assert delete.answer == {"PhysicalResourceId": create.physical_id}
    assert d.jobs() == {"parent#1": "Completed", "refine#1": "Stopping"}
    assert d.lineage()["refine#1"] == {
        "status": "Stopping",
        "arn": None,
        "parents": ["parent#1"],
        "removed": "stopped",
    }


@scenario(
    "DynamoDB unreachable before the launch",
)
def dynamodb_down_before_launch(d: Deployment) -> None:
    outage = DynamoDBOutage(d.monkeypatch, down=True)
    d.faults.plan(CREATE)

    step = d.send("Create", d.create_event("Parent"))

    assert outage.failed_calls == ["put_item"]
    assert d.faults.calls[CREATE] == 0
    assert d.jobs() == {}
    assert d.lineage() == {}
    reason = d.text(failed(step, AwsCallFailedError))
    assert reason.startswith(
        "failed to record the lineage item of tuning job 'parent#1' in table "
        "'<lineage-table>': EndpointConnectionError: Could not connect to the endpoint URL"
    )


@scenario("LineageTableName names a table that does not exist")
def lineage_table_missing(d: Deployment) -> None:
    props = d.props("Parent", LineageTableName="no-such-table")

    step = d.send("Create", d.create_event("Parent", props))

    reason = d.text(failed(step, AwsCallFailedError))
    assert reason.startswith(
        "failed to record the lineage item of tuning job 'parent#1' in table 'no-such-table': "
        "ResourceNotFoundException: "
    )
    assert reason.endswith(
        "; check that the lineage table exists and LineageTableName names it" + pointer(d)
    )
    assert d.jobs() == {}
    assert d.lineage() == {}


@scenario("lineage item over DynamoDB's 400 KB (a huge ConstructPath, B27)")
def lineage_item_too_large(d: Deployment) -> None:
    props = d.props("Parent", ConstructPath="ImageClassificationTuning/" + "Nested/" * 60_000)

    step = d.send("Create", d.create_event("Parent", props))

    reason = d.text(failed(step, LineageError))
    assert reason.startswith("the lineage item of tuning job 'parent#1' would be ")
    assert "bytes, over DynamoDB's 409,600-byte item limit" in reason
    assert d.jobs() == {}
    assert d.lineage() == {}


# --------------------------------------------------------------------------- reasons and properties


def forty_bad_ranges(document: dict[str, Any]) -> None:
    ranges = document["request"]["HyperParameterTuningJobConfig"]["ParameterRanges"]
    ranges["IntegerParameterRanges"] = [
        {
            "Name": f"hyperparameter_with_a_long_name_{i:02}",
            "MinValue": "10",
            "MaxValue": "1",
            "ScalingType": "Logarithmic",
        }
        for i in range(20)
    ]
    ranges["ContinuousParameterRanges"] += [
        {
            "Name": f"rate_{i:02}",
            "MinValue": "-1.0",
            "MaxValue": "0.5",
            "ScalingType": "Logarithmic",
        }
        for i in range(20)
    ]


@scenario("oversized failure reason: forty bad ranges in the Spec (B15)")
def oversized_reason_from_rules(d: Deployment) -> None:
    props = d.props("Parent", spec=forty_bad_ranges)

    step = d.send("Create", d.create_event("Parent", props))

    reason = d.text(failed(step, DefinitionInvalidError))
    assert reason.startswith(
        "the definition of tuning job 'parent#1' has 41 error(s): [R1] `ranges`: A tuning job "
        "searches at most 30 hyperparameters in total; got 42 (20 Integer, 22 Continuous, 0 "
        "Categorical)."
    )
    assert reason.endswith("; and 35 more" + pointer(d))
    assert d.jobs() == {}
    assert d.lineage() == {}


@scenario("oversized failure reason: SageMaker refuses with an 8 KB message (B15)")
def oversized_reason_from_sagemaker(d: Deployment) -> None:
    detail = "Value 'ml.p3.2xlarge' at 'trainingJobDefinition' failed to satisfy constraint — "
    d.faults.plan(CREATE, fails(aws_error("ValidationException", detail * 100)))

    step = d.send("Create", d.create_event("Parent"))

    reason = d.text(failed(step, JobRejectedError))
    assert reason.startswith("SageMaker rejected tuning job 'parent#1': Value 'ml.p3.2xlarge'")
    assert "…" + pointer(d) in reason
    assert d.jobs() == {}
    lineage = d.lineage()
    assert lineage["parent#1"]["status"] == "LaunchFailed"


@scenario("loose properties stringified by CloudFormation are ignored (B14)")
def loose_string_properties(d: Deployment) -> None:
    props = d.props(
        "Parent",
        MaxNumberOfTrainingJobs="20",
        MaxParallelTrainingJobs="10",
        EnableNetworkIsolation="false",
    )

    step = d.send("Create", d.create_event("Parent", props))

    answered(step)
    described = d.runtime.describe(step.physical_id)
    assert described["HyperParameterTuningJobConfig"]["ResourceLimits"] == {
        "MaxNumberOfTrainingJobs": 10,
        "MaxParallelTrainingJobs": 2,
    }
    assert "EnableNetworkIsolation" not in described["TrainingJobDefinition"]
    assert d.jobs() == {"parent#1": "Completed"}
    assert d.lineage() == {"parent#1": {"status": "InProgress"}}


def stringified_number(document: dict[str, Any]) -> None:
    limits = document["request"]["HyperParameterTuningJobConfig"]["ResourceLimits"]
    limits["MaxNumberOfTrainingJobs"] = "10"


def stringified_boolean(document: dict[str, Any]) -> None:
    document["request"]["TrainingJobDefinition"]["EnableNetworkIsolation"] = "false"


@scenario("a number and a boolean stringified inside the Spec (B14)")
def stringified_values_in_spec(d: Deployment) -> None:
    number = d.send(
        'Create (max_jobs "10")',
        d.create_event("Parent", d.props("Parent", spec=stringified_number)),
    )
    boolean = d.send(
        'Create (EnableNetworkIsolation "false")',
        d.create_event("Parent", d.props("Parent", spec=stringified_boolean)),
    )

    assert "[F-TYPE] `max_jobs`: must be a whole number; got '10'" in failed(
        number, DefinitionInvalidError
    )
    reason = failed(boolean, DefinitionInvalidError)
    assert reason.startswith("`Spec` does not match SageMaker's model: ")
    assert "must be true or false; got 'false'" in reason
    assert d.jobs() == {}
    assert d.lineage() == {}


@scenario("malformed Spec: bad JSON, not an object")
def malformed_spec(d: Deployment) -> None:
    spec = d.props("Parent")["Spec"]
    bad = d.send(
        "Create (';' for ':')",
        d.create_event("Parent", d.props("Parent", Spec=spec.replace(":", ";", 1))),
    )
    array = d.send("Create (Spec '[]')", d.create_event("Parent", d.props("Parent", Spec="[]")))

    column = spec.index(":") + 1  # the Spec is one line; its first ':' became ';'
    assert failed(bad, DefinitionInvalidError) == (
        f"`Spec` is not valid JSON: Expecting ':' delimiter at line 1 column {column}" + pointer(d)
    )
    assert failed(array, DefinitionInvalidError) == (
        "`Spec` must be a JSON object; got list" + pointer(d)
    )
    assert d.jobs() == {}
    assert d.lineage() == {}


@scenario(
    "malformed Spec: cut short inside a string",
)
def truncated_spec(d: Deployment) -> None:
    spec = d.props("Parent")["Spec"]
    cut = spec[: spec.index('"', spec.index(":")) + 2]  # ends just inside a string

    step = d.send("Create (Spec cut short)", d.create_event("Parent", d.props("Parent", Spec=cut)))

    reason = failed(step, DefinitionInvalidError)
    assert d.jobs() == {}
    assert d.lineage() == {}
    assert reason.startswith(
        "`Spec` is not valid JSON: Unterminated string starting at line 1 column "
    ), reason


# --------------------------------------------------------------------------- the matrix


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            s,
            id=s.id,
            marks=[pytest.mark.xfail(strict=True, reason=s.xfail)] if s.xfail else [],
        )
        for s in SCENARIOS
    ],
)
def test_fault_matrix(case: Scenario, deployment: Deployment) -> None:
    """One scenario: its own checks, then the response limits every answer must keep."""
    title = f"{case.title} (xfail: handler bug)" if case.xfail else case.title
    try:
        case.run(deployment)
        check_response_limits(deployment)
    finally:
        ROWS.append(deployment.row(title))
