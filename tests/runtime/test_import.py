"""The Lambda asset: the runtime imports without aws_cdk, cheaply and without side effects."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from constructs_pkg.cdk.asset import handler_asset_dir

PROBE = textwrap.dedent(
    """
    import logging, sys
    sys.modules["aws_cdk"] = None  # any `import aws_cdk` now raises ImportError
    import constructs_pkg.runtime.handler as handler
    import constructs_pkg.runtime.events as events
    import constructs_pkg.runtime.queries as queries
    import constructs_pkg.core.servicemodel as servicemodel
    from constructs_pkg.runtime import aws, logs

    for module in (handler, events, queries):
        assert module.__file__.startswith(sys.argv[1]), module.__file__
    assert callable(handler.on_event) and callable(events.on_event)
    assert callable(events.on_state_change) and callable(events.on_sweep)
    assert "boto3" not in sys.modules, "boto3 was imported at module import"
    assert aws._clients == {}, "a client was created at import"
    assert not servicemodel.model_loaded(), "the service model was loaded"
    assert not logging.getLogger(logs.LOGGER_NAME).handlers, "logging was configured at import"
    assert not [m for m in sys.modules if m.startswith("constructs_pkg.cdk")]
    print("ok")
    """
)


def test_the_handlers_import_from_the_lambda_asset_without_aws_cdk(tmp_path: Path) -> None:
    """GIVEN only what the staged asset holds WHEN both entry points are imported THEN
    nothing else runs: no aws_cdk, no boto3, no client, no service model, no logging set-up."""
    asset = Path(handler_asset_dir())
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(asset)

    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(asset / "constructs_pkg")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
