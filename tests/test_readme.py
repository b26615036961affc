"""The README's worked example runs as printed and declares the jobs it describes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def worked_example() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("## A worked example", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None, "the worked example has no python block"
    return match.group(1)


def test_the_worked_example_synthesizes_its_three_jobs(tmp_path: Path) -> None:
    script = tmp_path / "example.py"
    script.write_text(worked_example(), encoding="utf-8")
    out = tmp_path / "cdk.out"
    env = {**os.environ, "CDK_OUTDIR": str(out)}

    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stderr[-2000:]
    template = json.loads((out / "Tuning.template.json").read_text(encoding="utf-8"))
    jobs = {
        resource["Properties"]["ConstructPath"]: resource["Properties"]
        for resource in template["Resources"].values()
        if resource["Type"] == "Custom::SageMakerTuningJob"
    }
    assert sorted(jobs) == ["Tuning/Parent", "Tuning/Refine", "Tuning/Transfer"]
    assert jobs["Tuning/Refine"]["WarmStartType"] == "IdenticalDataAndAlgorithm"
    assert jobs["Tuning/Transfer"]["WarmStartType"] == "TransferLearning"
    assert "caltech-baseline-2025" in jobs["Tuning/Transfer"]["Parents"]
