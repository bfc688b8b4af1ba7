"""Strict YAML: duplicate keys are errors with a path and a line, not a silent overwrite."""

from __future__ import annotations

import pytest

from argus_flink.k8s.strictyaml_loader import StrictYamlError, field_path, load_all

DUPLICATE = """\
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata:
  name: test-metrics
spec:
  job:
    upgradeMode: savepoint
    parallelism: 2
    upgradeMode: stateless
"""


def test_duplicate_key_is_rejected_with_path_and_lines():
    with pytest.raises(StrictYamlError) as caught:
        load_all(DUPLICATE, "fd.yaml")
    [issue] = caught.value.issues
    assert (issue.obj, issue.path, issue.line) == (
        "FlinkDeployment/test-metrics",
        "spec.job.upgradeMode",
        9,
    )
    assert str(issue) == (
        "fd.yaml:9: FlinkDeployment/test-metrics: spec.job.upgradeMode: "
        "duplicate key (first defined at line 7)"
    )


def test_duplicates_inside_lists_and_later_documents():
    text = "a: 1\n---\nitems:\n  - name: x\n    name: y\n"
    with pytest.raises(StrictYamlError) as caught:
        load_all(text, "multi.yaml")
    [issue] = caught.value.issues
    assert (issue.document, issue.obj, issue.path, issue.line) == (
        2,
        "document 2",
        "items[0].name",
        5,
    )


def test_every_duplicate_is_reported():
    with pytest.raises(StrictYamlError) as caught:
        load_all("a: 1\na: 2\nb: {c: 1, c: 2}\n")
    assert [i.path for i in caught.value.issues] == ["a", "b.c"]


def test_merge_keys_may_be_overridden():
    text = "base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  x: 3\n"
    assert load_all(text) == [{"base": {"x": 1, "y": 2}, "derived": {"x": 3, "y": 2}}]


def test_timestamps_stay_strings_and_empty_documents_are_none():
    assert load_all("---\nat: 2026-11-21\n---\n") == [{"at": "2026-11-21"}, None]


def test_syntax_error_has_a_line():
    with pytest.raises(StrictYamlError) as caught:
        load_all("a: 1\nb: [1, 2\n", "broken.yaml")
    [issue] = caught.value.issues
    assert issue.line is not None and issue.message.startswith("invalid YAML")


def test_field_path_quotes_keys_with_dots():
    assert (
        field_path(["spec", "flinkConfiguration", "state.backend.type"])
        == 'spec.flinkConfiguration["state.backend.type"]'
    )
    assert (
        field_path(["spec", "containers", 0, "env", 3, "name"]) == "spec.containers[0].env[3].name"
    )
    assert (
        field_path(["metadata", "labels", "app.kubernetes.io/name"])
        == 'metadata.labels["app.kubernetes.io/name"]'
    )
