"""The EventBridge handler ships in the same Lambda asset: importing it runs nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import constructs_pkg

PACKAGE = Path(constructs_pkg.__file__).resolve().parent

PROBE = textwrap.dedent(
    """
    import sys
    sys.modules["aws_cdk"] = None  # any `import aws_cdk` now raises ImportError
    import constructs_pkg.runtime.events as events
    import constructs_pkg.runtime.queries as queries
    from constructs_pkg.runtime import aws

    assert events.__file__.startswith(sys.argv[1]), events.__file__
    assert callable(events.on_event) and callable(events.on_state_change)
    assert callable(events.on_sweep) and callable(queries.lineage_of)
    assert "boto3" not in sys.modules, "boto3 was imported at module import"
    assert aws._clients == {}, "a client was created at import"
    assert not [m for m in sys.modules if m.startswith("constructs_pkg.cdk")]
    print("ok")
    """
)


def test_the_event_handler_imports_from_the_lambda_asset_without_aws_cdk(tmp_path: Path) -> None:
    asset = tmp_path / "asset" / "constructs_pkg"
    asset.mkdir(parents=True)
    shutil.copy(PACKAGE / "__init__.py", asset / "__init__.py")
    for part in ("core", "runtime"):
        shutil.copytree(PACKAGE / part, asset / part, ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(asset.parent)

    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(asset)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
