"""Shared fixtures: each overlay rendered once per session (pure Python, no cluster)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from k8s_expectations import OVERLAYS

from argus_flink.k8s.kustomize import Resource
from argus_flink.k8s.paths import overlay_names
from argus_flink.k8s.render import render_overlay


@pytest.fixture(scope="session")
def rendered() -> dict[str, list[Resource]]:
    assert set(OVERLAYS) <= set(overlay_names())
    return {overlay: render_overlay(overlay) for overlay in OVERLAYS}


@pytest.fixture
def prod_object(rendered):
    """A deep copy of one rendered prod object, safe to mutate."""

    def get(kind: str, name: str | None = None) -> dict[str, Any]:
        for r in rendered["prod"]:
            if r.kind == kind and (name is None or r.name == name):
                return copy.deepcopy(r.obj)
        raise LookupError(f"{kind}/{name} not rendered")

    return get
