"""Where the manifests and the operator CRDs live."""

from __future__ import annotations

import os
from pathlib import Path

from argus_flink.settings import PROJECT_ROOT

K8S_DIR = PROJECT_ROOT / "k8s"
BASE_DIR = K8S_DIR / "base"
OVERLAYS_DIR = K8S_DIR / "overlays"
# Applied by hand, outside any kustomization, and validated with the overlays.
STANDALONE_DIRS = (K8S_DIR / "examples", K8S_DIR / "secrets")


def crds_dir() -> Path:
    """The Flink Kubernetes Operator CRDs (operator 1.15.0); ``ARGUS_CRDS_DIR`` overrides."""
    override = os.environ.get("ARGUS_CRDS_DIR")
    return Path(override) if override else PROJECT_ROOT.parent / "shared" / "crds"


def overlay_names() -> list[str]:
    """The deployable environments: folders of ``k8s/overlays`` with a kustomization."""
    return sorted(p.parent.name for p in OVERLAYS_DIR.glob("*/kustomization.yaml"))


def display(path: Path) -> str:
    """A path as users should read it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
