"""`k8s snapshot` and `k8s replay`: manifests that pass `k8s validate`, a patch validated
merged into the deployment it changes, and a redeploy nonce that always changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import typer
import yaml
from typer.testing import CliRunner

from argus_flink.k8s.findings import errors
from argus_flink.k8s.kustomize import merge_patch
from argus_flink.k8s.patched import deployed_object, validate_patch
from argus_flink.k8s.validate import Manifest, validate_manifests, validate_paths
from argus_flink.ops import k8s_snapshot
from argus_flink.ops.cli import k8s_app

SAVEPOINT = "s3://argus-flink-prod/test-metrics/savepoints/savepoint-aba886-6eef7db8eae0"
NOW = datetime(2026, 11, 21, 10, 4, 5, tzinfo=UTC)


def k8s(*args: str):
    app = typer.Typer()
    app.add_typer(k8s_app, name="k8s")
    return CliRunner().invoke(app, ["k8s", *args])


def test_snapshot_is_a_valid_flink_state_snapshot_of_the_deployment():
    snapshot = k8s_snapshot.state_snapshot(
        "test-metrics", name=k8s_snapshot.snapshot_name("test-metrics", NOW),
        namespace="argus-flink")
    assert snapshot["metadata"]["name"] == "test-metrics-savepoint-20261121-100405"
    assert snapshot["spec"]["jobReference"] == {"kind": "FlinkDeployment", "name": "test-metrics"}
    assert snapshot["spec"]["savepoint"] == {"formatType": "CANONICAL", "disposeOnDelete": False}
    assert errors(validate_manifests([Manifest(snapshot, "test")])) == []


def test_snapshot_cli_output_passes_k8s_validate_as_a_file(tmp_path):
    out = k8s("snapshot", "anomaly-flags", "--overlay", "dev")
    assert out.exit_code == 0, out.output
    (tmp_path / "snapshot.yaml").write_text(out.stdout)
    snapshot = yaml.safe_load(out.stdout)
    assert snapshot["metadata"]["namespace"] == "argus-flink-dev"
    assert errors(validate_paths([tmp_path / "snapshot.yaml"])) == []


@pytest.mark.parametrize("overlay", ["prod", "dev"])
def test_replay_patch_passes_validation_merged_into_the_deployment(overlay):
    patch = k8s_snapshot.replay_patch(SAVEPOINT, nonce=7)
    assert patch == {"spec": {"job": {"initialSavepointPath": SAVEPOINT,
                                      "savepointRedeployNonce": 7}}}
    assert errors(validate_patch(overlay, "FlinkDeployment", "test-metrics", patch,
                                 source="test")) == []
    merged = merge_patch(deployed_object(overlay, "FlinkDeployment", "test-metrics"), patch)
    assert merged["spec"]["job"]["upgradeMode"] == "savepoint"  # the rest is untouched
    assert merged["spec"]["job"]["initialSavepointPath"] == SAVEPOINT


def test_a_nonce_without_a_savepoint_path_is_what_the_operator_rejects():
    patch = {"spec": {"job": {"savepointRedeployNonce": 3}}}
    found = errors(validate_patch("prod", "FlinkDeployment", "test-metrics", patch, source="t"))
    assert [(f.path, f.message) for f in found] == [
        ("spec.job.initialSavepointPath",
         "InitialSavepointPath must not be empty for savepoint redeployment")]


def test_a_typo_in_a_patch_is_caught_like_in_a_manifest():
    patch = {"spec": {"job": {"initialSavepointPath": SAVEPOINT, "savepointRedeployNonse": 3}}}
    found = errors(validate_patch("prod", "FlinkDeployment", "test-metrics", patch, source="t"))
    assert any("savepointRedeployNonse" in f.message for f in found)


def test_the_nonce_always_moves_forward():
    assert k8s_snapshot.bumped_nonce(None, NOW) == int(NOW.timestamp())
    assert k8s_snapshot.bumped_nonce(2, NOW) == int(NOW.timestamp())
    assert k8s_snapshot.bumped_nonce(int(NOW.timestamp()) + 5, NOW) == int(NOW.timestamp()) + 6
    assert k8s_snapshot.current_nonce("prod", "test-metrics") is None


def test_replay_cli_prints_a_patch_for_kubectl():
    out = k8s("replay", "test-metrics", "--from", SAVEPOINT, "--nonce", "12",
              "--allow-non-restored-state")
    assert out.exit_code == 0, out.output
    assert ("kubectl -n argus-flink patch flinkdeployment test-metrics --type merge "
            "--patch-file replay.yaml") in out.stdout
    assert yaml.safe_load(out.stdout) == {"spec": {"job": {
        "initialSavepointPath": SAVEPOINT, "savepointRedeployNonce": 12,
        "allowNonRestoredState": True}}}


def test_replay_cli_refuses_paths_the_pods_cannot_read():
    out = k8s("replay", "test-metrics", "--from", "file:///tmp/savepoint-1")
    assert out.exit_code == 1
    assert "not on object storage" in out.stderr


def test_unknown_jobs_are_refused():
    out = k8s("snapshot", "test-metric")
    assert out.exit_code == 1
    assert "unknown job 'test-metric'" in out.stderr
