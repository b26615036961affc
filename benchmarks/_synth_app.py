"""A CDK app for ``cdk_synth.py``: ``python _synth_app.py lib|bare|empty N [PAYLOAD_FILE]``.

The CDK CLI runs it as the app (``--app``), so every sample pays what ``cdk synth`` pays:
the Python and jsii start-up, the imports, building the constructs, synthesis and the CLI's
own work. ``bare`` imports nothing of ``constructs_pkg``: it reads the Spec payload that
``cdk_synth.py`` rendered beforehand from ``PAYLOAD_FILE``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    variant, n = sys.argv[1], int(sys.argv[2])
    outdir = os.environ["CDK_OUTDIR"]
    if variant == "bare":
        from _bare_app import Payload, build_bare_app

        payload = Payload.from_json(Path(sys.argv[3]).read_text())
        app = build_bare_app(outdir, n, payload)
    else:
        import synth_overhead

        app = synth_overhead.build_library_app(outdir, n if variant == "lib" else 0)
    app.synth()


if __name__ == "__main__":
    main()
