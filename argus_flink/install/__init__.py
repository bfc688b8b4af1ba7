"""`argus-flink setup`: everything beyond the Python packages, installed by the project itself."""

from __future__ import annotations

from pathlib import Path

from argus_flink.install.artifacts import ArtifactError, install_all
from argus_flink.install.flink_home import build_flink_home

__all__ = ["ArtifactError", "ensure_installed"]


def ensure_installed(tools: Path) -> list[str]:
    """Install the pinned artifacts and the local Flink home; returns what was (re)installed."""
    installed = install_all(tools)
    build_flink_home(tools)
    return installed
