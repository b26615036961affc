"""A CDK app for ``cdk_synth.py``: ``python _synth_app.py lib|bare|empty N``.

The CDK CLI runs it as the app (``--app``), so every sample pays what ``cdk synth`` pays:
the Python and jsii start-up, building the constructs, synthesis and the CLI's own work.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth_overhead as shapes


def main() -> None:
    variant, n = sys.argv[1], int(sys.argv[2])
    outdir = os.environ["CDK_OUTDIR"]
    if variant == "lib":
        app = shapes.build_library_app(outdir, n)
    elif variant == "bare":
        app = shapes.build_bare_app(outdir, n, shapes.render_payload())
    else:
        app = shapes.build_library_app(outdir, 0)
    app.synth()


if __name__ == "__main__":
    main()
