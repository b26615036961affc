"""The custom-resource Lambda's code: the pure-Python core and runtime, nothing else.

The asset holds ``constructs_pkg/__init__.py`` (which imports nothing eagerly),
``constructs_pkg/core`` and ``constructs_pkg/runtime``; no CDK code and no dependency beyond
the Lambda runtime's boto3. It is staged once per content hash in the temporary directory,
without Docker, so the same sources always give the same asset hash.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent
ASSET_PACKAGES = ("core", "runtime")


def _asset_files() -> list[Path]:
    files = [PACKAGE_DIR / "__init__.py"]
    for package in ASSET_PACKAGES:
        files.extend(sorted((PACKAGE_DIR / package).rglob("*.py")))
    return files


def handler_asset_dir() -> str:
    """A directory holding the handler's code, staged on first use and reused after."""
    files = _asset_files()
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    target = Path(tempfile.gettempdir()) / f"constructs-pkg-handler-{digest.hexdigest()[:20]}"
    if target.is_dir():
        return str(target)

    staging = Path(tempfile.mkdtemp(prefix="constructs-pkg-staging-"))
    for path in files:
        destination = staging / "constructs_pkg" / path.relative_to(PACKAGE_DIR)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
    try:
        os.replace(staging, target)
    except OSError:
        # Another process staged the same content first; its copy is identical.
        shutil.rmtree(staging, ignore_errors=True)
    return str(target)
