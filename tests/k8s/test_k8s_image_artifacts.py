"""The image fetches only the jars and model files, from the pinned artifact manifest."""

from __future__ import annotations

import pytest

artifacts = pytest.importorskip("argus_flink.install.artifacts")

from argus_flink.k8s.image_artifacts import image_wheels  # noqa: E402


def test_only_connectors_and_models_go_into_the_image():
    chosen = image_wheels(artifacts.load_manifest())
    dests = [f.dest for w in chosen for f in (*w.members, *w.trees)]
    assert any(d.startswith("connectors/") and d.endswith(".jar") for d in dests)
    assert any(d.startswith("models/") for d in dests)
    assert all(d.startswith(("connectors/", "models/")) for d in dests)
    # The local broker and graph server stay out.
    assert not [
        w
        for w in chosen
        if any(f.dest.startswith(("bin/", "arcadedb/")) for f in (*w.members, *w.trees))
    ]
