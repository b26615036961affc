"""The console script: rule listing and offline checks of a request file."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from constructs_pkg.cli import main
from constructs_pkg.core.model import (
    ContinuousRange,
    Objective,
    ScalingType,
    TrainingDefinition,
    TuningJobDefinition,
)
from constructs_pkg.core.rules import CONSTRUCT_RULES, RULES

IMAGE = "811284229777.dkr.ecr.us-east-1.amazonaws.com/image-classification:1"


def request(**changes: object) -> dict[str, object]:
    definition = TuningJobDefinition(
        training=TrainingDefinition(
            role="arn:aws:iam::123456789012:role/training",
            output_path="s3://artifacts/out",
            image_uri=IMAGE,
            static_hyperparameters={"epochs": 10},
        ),
        objective=Objective.maximize("validation:accuracy"),
        ranges={"learning_rate": ContinuousRange(0.001, 0.1)},
        max_jobs=10,
        max_parallel_jobs=2,
    )
    for key, value in changes.items():
        definition = definition.__class__(**{**definition.__dict__, key: value})
    return definition.to_request("cli-job", {"team": "ml"})


def test_rules_lists_every_rule(capsys: pytest.CaptureFixture[str]) -> None:
    """Each registered rule id appears once, with its summary."""
    assert main(["rules"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(RULES) + len(CONSTRUCT_RULES)
    assert any(line.startswith("R7 ") and "Logarithmic" in line for line in lines)


def test_check_accepts_a_valid_request(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A valid request exits 0 and says so."""
    path = tmp_path / "request.json"
    path.write_text(json.dumps(request()))

    assert main(["check", str(path)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"0 error(s), 0 warning(s) in {path}"


def test_check_reports_every_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A bad request exits 1 and lists each finding with its rule id and field."""
    path = tmp_path / "request.json"
    bad = request(
        ranges={"learning_rate": ContinuousRange(0, 0.1, ScalingType.LOGARITHMIC)}, max_jobs=0
    )
    path.write_text(json.dumps(bad))

    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert "error: [F-RANGE] `max_jobs`: must be at least 1; got 0" in out
    assert any(line.startswith("error: [R7] `ranges['learning_rate'].min`") for line in out)


def test_check_rejects_unreadable_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Input that is not a JSON object exits 2 with a one-line reason."""
    path = tmp_path / "request.json"
    path.write_text("[1, 2]")

    assert main(["check", str(path)]) == 2
    assert capsys.readouterr().err == f"constructs-pkg: {path} must hold a JSON object\n"


def test_check_reports_malformed_requests_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Unknown fields and wrongly shaped objects are findings on the request as written."""
    bad = request()
    bad["InstanceCnt"] = 2
    bad["Tags"] = {"team": "ml"}
    bad["TrainingJobDefinition"] = "ml.m5.xlarge"
    path = tmp_path / "request.json"
    path.write_text(json.dumps(bad))

    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[:-1] == [
        "error: [F-TYPE] `training`: must be an object; got 'ml.m5.xlarge'",
        "error: [F-TYPE] `tags`: must be a list; got {'team': 'ml'}",
        "error: [F-TYPE] `InstanceCnt`: is not a field SageMaker knows",
    ]


def test_check_reads_standard_input(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`-` reads the request from standard input."""
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(request())))

    assert main(["check", "-"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "0 error(s), 0 warning(s) in standard input"
    )


def test_check_says_multi_algorithm_requests_are_not_supported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A request with TrainingJobDefinitions is named unsupported, not blamed for a missing
    image."""
    multi = request()
    multi["TrainingJobDefinitions"] = [multi.pop("TrainingJobDefinition")]
    path = tmp_path / "request.json"
    path.write_text(json.dumps(multi))

    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        "error: [F-TYPE] `TrainingJobDefinitions`: is not supported by constructs_pkg "
        "(single-algorithm tuning jobs only, without Autotune), so the request's other fields "
        "are checked by the service model alone"
    )
    assert not any("[T1]" in line for line in out)


def test_check_reads_deeply_nested_json_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)

    assert main(["check", str(path)]) == 2
    assert capsys.readouterr().err == (
        f"constructs-pkg: cannot read {path}: JSON nested too deeply\n"
    )


def test_check_reports_warnings_beside_a_wrong_typed_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A null static hyperparameter does not hide the other findings, warnings included."""
    bad = request()
    bad["TrainingJobDefinition"]["StaticHyperParameters"]["epochs"] = None  # type: ignore[index]
    bad["Tags"] = [{"Key": "aws:team", "Value": "ml"}]
    path = tmp_path / "request.json"
    path.write_text(json.dumps(bad))

    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "error: [F-TYPE] `training.static_hyperparameters['epochs']`" in out
    assert "warning: [T8] `tags['aws:team']`" in out


def test_a_reader_that_went_away_is_no_traceback() -> None:
    """GIVEN stdout is a pipe whose reader has closed (``| head``) THEN exit 1, no traceback."""
    import os
    import subprocess
    import sys

    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from constructs_pkg.cli import main; sys.exit(main(['rules']))",
            ],
            stdout=write_end,
            stderr=subprocess.PIPE,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)

    assert result.returncode == 1
    assert b"Traceback" not in result.stderr, result.stderr.decode()
