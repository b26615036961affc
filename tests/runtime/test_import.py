"""The Lambda asset: the runtime imports without aws_cdk, cheaply and without side effects."""

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
    import logging, sys
    sys.modules["aws_cdk"] = None  # any `import aws_cdk` now raises ImportError
    import constructs_pkg.runtime.handler as handler
    import constructs_pkg.core.servicemodel as servicemodel
    from constructs_pkg.runtime import aws, logs

    assert handler.__file__.startswith(sys.argv[1]), handler.__file__
    assert callable(handler.on_event)
    assert "boto3" not in sys.modules, "boto3 was imported at module import"
    assert aws._clients == {}, "a client was created at import"
    assert servicemodel._input_shape.cache_info().currsize == 0, "the service model was loaded"
    assert not logging.getLogger(logs.LOGGER_NAME).handlers, "logging was configured at import"
    assert not [m for m in sys.modules if m.startswith("constructs_pkg.cdk")]
    print("ok")
    """
)


def test_the_handler_imports_from_the_lambda_asset_without_aws_cdk(tmp_path: Path) -> None:
    """GIVEN only what the asset holds WHEN the handler module is imported THEN nothing else runs."""
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
