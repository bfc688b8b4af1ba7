"""Render ``flink-conf/``: base settings plus one environment overlay, as flat string keys.

The local cluster's ``config.yaml`` and every FlinkDeployment's ``flinkConfiguration`` come
from here, so the two cannot drift.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import yaml

from argus_flink.settings import PROJECT_ROOT
from argus_flink.templating import render

FLINK_CONF_DIR = PROJECT_ROOT / "flink-conf"


def overlays() -> list[str]:
    """Names of the environment overlays available in ``flink-conf/``."""
    return sorted(p.stem for p in FLINK_CONF_DIR.glob("*.yaml") if p.stem != "base")


def _load_layer(path: Path, variables: Mapping[str, object]) -> dict[str, str]:
    data = yaml.safe_load(render(path.read_text(), variables, source=str(path))) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of flat Flink keys")
    return {str(k): _as_flink_value(v) for k, v in data.items()}


def _as_flink_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def render_flink_conf(overlay: str, variables: Mapping[str, object]) -> dict[str, str]:
    """Base configuration with ``overlay`` applied; overlay keys win."""
    overlay_path = FLINK_CONF_DIR / f"{overlay}.yaml"
    if not overlay_path.is_file():
        raise ValueError(f"unknown flink-conf overlay {overlay!r}; have {', '.join(overlays())}")
    conf = _load_layer(FLINK_CONF_DIR / "base.yaml", variables)
    conf.update(_load_layer(overlay_path, variables))
    return conf


def dump_flink_conf(conf: Mapping[str, str]) -> str:
    """A flat ``config.yaml`` Flink reads directly (quoted strings, sorted keys)."""
    return yaml.safe_dump(dict(sorted(conf.items())), default_flow_style=False, width=10_000)
