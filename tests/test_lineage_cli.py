"""``constructs-pkg lineage``: a three-generation chain, deployed and run through the real
handlers (custom resource, then SageMaker state-change events) against moto and dynalite on
127.0.0.1, then read back through the CLI. Plus its errors and its ``--help``.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from constructs_pkg.cli import main
from constructs_pkg.runtime import events as eventbridge
from constructs_pkg.runtime.aws import reset_clients
from constructs_pkg.runtime.handler import on_event
from constructs_pkg.runtime.lineage import table_key_schema
from tests.conftest import set_tuning_job_status
from tests.runtime.definitions import child_definition, parent_definition
from tests.runtime.events import canned, create_event, properties

TREE_GEN3 = """\
gen3-polish  InProgress  best validation:accuracy=0.89, overall best validation:accuracy=0.9
warm start: IdenticalDataAndAlgorithm from gen2-refine
ancestors (warm start is not recursive: only direct parents feed this job):
└── gen2-refine  Completed  best validation:accuracy=0.9  [feeds gen3-polish]
    └── gen1-base  Completed  best validation:accuracy=0.85  [ignored: not a direct parent]
descendants:
(none)
"""

TREE_GEN1 = """\
gen1-base  Completed  best validation:accuracy=0.85
warm start: none (no parents)
ancestors (warm start is not recursive: only direct parents feed this job):
(none)
descendants:
└── gen2-refine  Completed  best validation:accuracy=0.9
    └── gen3-polish  InProgress  best validation:accuracy=0.89, overall best validation:accuracy=0.9
"""


@dataclass
class Context:
    log_stream_name: str = "2026/01/01/[$LATEST]cli"

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


@dataclass
class Chain:
    table: str
    endpoint: str
    endpoints: Any

    def cli(self, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
        """Run ``constructs-pkg lineage ARGS``; the handlers' own log lines are dropped first."""
        capsys.readouterr()
        code = main(["lineage", *args, *self.connection()])
        out, err = capsys.readouterr()
        return code, out, err

    def connection(self) -> list[str]:
        return ["--table", self.table, "--endpoint-url", self.endpoint, "--region", "us-east-1"]


@pytest.fixture
def table(aws_endpoints: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    reset_clients()
    name = f"lineage-{uuid.uuid4().hex[:12]}"
    client = aws_endpoints.dynamodb
    client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", **table_key_schema())
    deadline = time.monotonic() + 10
    while client.describe_table(TableName=name)["Table"]["TableStatus"] != "ACTIVE":
        assert time.monotonic() < deadline, "table not ACTIVE"
        time.sleep(0.01)
    monkeypatch.setenv(eventbridge.TABLES_VARIABLE, name)
    yield name
    reset_clients()


def _backend_job(name: str) -> Any:
    from moto.backends import get_backend

    return get_backend("sagemaker")["123456789012"]["us-east-1"].hyper_parameter_tuning_jobs[name]


def _best(job: str, value: float) -> dict[str, Any]:
    return {
        "TrainingJobName": f"{job}-001-0e830ada",
        "TrainingJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{job}-001",
        "CreationTime": datetime(2026, 3, 1, tzinfo=UTC),
        "TrainingJobStatus": "Completed",
        "TunedHyperParameters": {"learning_rate": "0.01"},
        "FinalHyperParameterTuningJobObjectiveMetric": {
            "MetricName": "validation:accuracy",
            "Value": value,
        },
    }


def _state_change(endpoints: Any, name: str) -> dict[str, Any]:
    described = endpoints.sagemaker.describe_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=name
    )

    def millis(moment: datetime) -> str:
        return str(int(moment.timestamp() * 1000))

    return canned(
        "sagemaker-tuning-job-state-change",
        EVENT_ID=str(uuid.uuid4()),
        TIME="2026-03-01T12:00:00Z",
        NAME=name,
        ARN=described["HyperParameterTuningJobArn"],
        STATUS=described["HyperParameterTuningJobStatus"],
        CREATED=millis(described["CreationTime"]),
        LAST_MODIFIED=millis(described["LastModifiedTime"]),
    )


def _finish(endpoints: Any, name: str, status: str, best: float, overall: float | None) -> Any:
    job = _backend_job(name)
    job.best_training_job = _best(name, best)
    job.OverallBestTrainingJob = _best(name, overall) if overall is not None else None
    set_tuning_job_status(name, status)
    return eventbridge.on_event(_state_change(endpoints, name), Context())


@pytest.fixture
def chain(aws_endpoints: Any, table: str, capsys: pytest.CaptureFixture[str]) -> Chain:
    """gen1-base ← gen2-refine ← gen3-polish, deployed while gen1-base still runs."""
    context = Context()

    def deploy(definition: Any, job_name: str) -> dict[str, Any]:
        props = properties(definition, table=table, job_name=job_name)
        return on_event(create_event(props, logical_id=job_name.replace("-", "")), context)

    deploy(parent_definition(), "gen1-base")
    set_tuning_job_status("gen1-base", "InProgress")
    assert deploy(child_definition(["gen1-base"]), "gen2-refine")["Data"]["LaunchState"] == (
        "Waiting"
    )
    assert deploy(child_definition(["gen2-refine"]), "gen3-polish")["Data"]["LaunchState"] == (
        "Waiting"
    )
    capsys.readouterr()
    return Chain(table=table, endpoint=aws_endpoints.dynamodb_url, endpoints=aws_endpoints)


def run_to_the_end(chain: Chain) -> None:
    """gen1 completes (gen2 launches), gen2 completes (gen3 launches), gen3 runs."""
    endpoints = chain.endpoints
    assert _finish(endpoints, "gen1-base", "Completed", 0.85, None)["launched"] == ["gen2-refine"]
    set_tuning_job_status("gen2-refine", "InProgress")  # moto's jobs are born Completed
    done = _finish(endpoints, "gen2-refine", "Completed", 0.9, 0.9)
    assert done["launched"] == ["gen3-polish"]
    assert _finish(endpoints, "gen3-polish", "InProgress", 0.89, 0.9)["tracked"] == {
        chain.table: "updated"
    }


def test_the_three_generation_chain_as_a_tree(
    chain: Chain, capsys: pytest.CaptureFixture[str]
) -> None:
    run_to_the_end(chain)

    code, out, err = chain.cli(capsys, "show", "gen3-polish")

    assert (code, err) == (0, "")
    assert out == TREE_GEN3

    code, out, _ = chain.cli(capsys, "show", "GEN1-BASE")

    assert code == 0
    assert out == TREE_GEN1


def test_waiting_lists_children_and_the_parents_they_wait_for(
    chain: Chain, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = chain.cli(capsys, "waiting")

    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert re.split(r"\s{2,}", lines[0]) == ["JOB", "WAITING FOR", "SINCE"]
    rows = [re.split(r"\s{2,}", line) for line in lines[1:]]
    assert [row[:2] for row in rows] == [
        ["gen2-refine", "gen1-base (InProgress)"],
        ["gen3-polish", "gen2-refine (Waiting)"],
    ]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+Z", row[2]) for row in rows)

    code, out, _ = chain.cli(capsys, "show", "gen3-polish")
    assert out.splitlines()[0] == "gen3-polish  Waiting  waiting for gen2-refine"

    run_to_the_end(chain)
    code, out, _ = chain.cli(capsys, "waiting")
    assert (code, out) == (0, f"no tuning job is waiting in lineage table '{chain.table}'\n")


def test_export_as_json_mermaid_and_dot(chain: Chain, capsys: pytest.CaptureFixture[str]) -> None:
    run_to_the_end(chain)

    code, out, _ = chain.cli(capsys, "export", "--format", "json", "gen3-polish")
    document = json.loads(out)

    assert code == 0
    assert document["job"] == "gen3-polish"
    assert [(j["name"], j["status"], j["relation"]) for j in document["jobs"]] == [
        ("gen1-base", "Completed", "ignored"),
        ("gen2-refine", "Completed", "feeds"),
        ("gen3-polish", "InProgress", "job"),
    ]
    assert document["edges"] == [
        {
            "parent": "gen1-base",
            "child": "gen2-refine",
            "warmStartType": "IdenticalDataAndAlgorithm",
        },
        {
            "parent": "gen2-refine",
            "child": "gen3-polish",
            "warmStartType": "IdenticalDataAndAlgorithm",
        },
    ]
    assert document["jobs"][0]["bestTrainingJob"]["objectiveValue"] == 0.85

    code, out, _ = chain.cli(capsys, "export", "--format", "json")
    assert {j["name"] for j in json.loads(out)["jobs"]} == {
        "gen1-base",
        "gen2-refine",
        "gen3-polish",
    }

    code, out, _ = chain.cli(capsys, "export", "--format", "mermaid", "gen3-polish")
    assert code == 0
    assert out.splitlines() == [
        "flowchart TD",
        '  j0["gen1-base<br/>Completed<br/>best validation:accuracy=0.85"]',
        '  j1["gen2-refine<br/>Completed<br/>best validation:accuracy=0.9"]',
        '  j2["gen3-polish<br/>InProgress<br/>best validation:accuracy=0.89, overall best '
        'validation:accuracy=0.9"]',
        "  j0 -- IdenticalDataAndAlgorithm --> j1",
        "  j1 -- IdenticalDataAndAlgorithm --> j2",
        "  classDef job stroke-width:3px",
        "  class j2 job",
        "  classDef ignored stroke-dasharray: 5 5",
        "  class j0 ignored",
    ]

    code, out, _ = chain.cli(capsys, "export", "--format", "dot", "gen3-polish")
    assert code == 0
    assert out.startswith("digraph lineage {\n")
    assert (
        '  "gen1-base" [label="gen1-base\\nCompleted\\nbest validation:accuracy=0.85", '
        'style="dashed"];' in out.splitlines()
    )
    assert '  "gen2-refine" -> "gen3-polish" [label="IdenticalDataAndAlgorithm"];' in out
    assert out.endswith("}\n")


# --------------------------------------------------------------------------- errors, help


def test_an_unknown_table_is_one_line_and_exit_2(
    aws_endpoints: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            *("lineage", "show", "gen1-base", "--table", "no-such-table"),
            *("--endpoint-url", aws_endpoints.dynamodb_url, "--region", "us-east-1"),
        ]
    )
    out, err = capsys.readouterr()

    assert code == 2
    assert out == ""
    assert err == (
        "constructs-pkg: lineage table 'no-such-table' not found (Region us-east-1, endpoint "
        f"{aws_endpoints.dynamodb_url})\n"
    )


def test_an_unknown_job_is_one_line_and_exit_2(
    table: str, aws_endpoints: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    for args in (["show", "nobody"], ["export", "nobody"]):
        code = main(
            [
                *("lineage", *args, "--table", table),
                *("--endpoint-url", aws_endpoints.dynamodb_url, "--region", "us-east-1"),
            ]
        )
        out, err = capsys.readouterr()

        assert code == 2
        assert (out, err) == (
            "",
            f"constructs-pkg: no tuning job named 'nobody' in lineage table '{table}'\n",
        )


def test_missing_credentials_are_one_line_and_exit_2(
    table: str,
    aws_endpoints: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(variable, raising=False)

    code = main(
        [
            *("lineage", "waiting", "--table", table),
            *("--endpoint-url", aws_endpoints.dynamodb_url, "--region", "us-east-1"),
        ]
    )
    out, err = capsys.readouterr()

    assert code == 2
    assert out == ""
    assert err == (
        "constructs-pkg: no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY\n"
    )


def test_a_missing_region_is_one_line_and_exit_2(
    table: str,
    aws_endpoints: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)

    code = main(
        ["lineage", "waiting", "--table", table, "--endpoint-url", aws_endpoints.dynamodb_url]
    )
    _, err = capsys.readouterr()

    assert code == 2
    assert err == (
        "constructs-pkg: no AWS Region: pass --region, or set AWS_REGION or AWS_DEFAULT_REGION\n"
    )


@pytest.mark.parametrize("name", ["", "ab", "bad name!"])
def test_a_table_name_dynamodb_refuses_is_one_line_and_exit_2(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["lineage", "waiting", "--table", name, "--endpoint-url", "http://127.0.0.1:9"])
    _, err = capsys.readouterr()

    assert code == 2
    assert err == (
        "constructs-pkg: --table: a DynamoDB table name has 3 to 255 letters, digits, '_', "
        f"'-' or '.' (or give the table's ARN); got {name!r}\n"
    )


@pytest.mark.parametrize(
    "command",
    [["lineage"], ["lineage", "show"], ["lineage", "waiting"], ["lineage", "export"]],
)
def test_every_command_has_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--help"])
    out, _ = capsys.readouterr()

    assert exit_info.value.code == 0
    assert out.startswith(f"usage: constructs-pkg {' '.join(command)}")
    if command != ["lineage"]:
        assert "--table TABLE" in out and "--endpoint-url" in out and "--region" in out


def test_table_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["lineage", "waiting"])

    assert exit_info.value.code == 2
    assert "the following arguments are required: --table" in capsys.readouterr().err


def test_a_table_arn_is_accepted(
    table: str, aws_endpoints: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """DynamoDB takes a table's ARN where it takes its name; the CLI passes it on."""
    arn = f"arn:aws:dynamodb:us-east-1:123456789012:table/{table}"
    code = main(
        ["lineage", "waiting", "--table", arn, "--endpoint-url", aws_endpoints.dynamodb_url]
    )
    _, err = capsys.readouterr()
    assert "a DynamoDB table name has" not in err
    assert code in (0, 2)
