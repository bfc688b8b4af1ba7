"""Each FlinkDeployment's flinkConfiguration is exactly what flink-conf/ renders for it."""

from __future__ import annotations

import pytest
from k8s_expectations import JOBS, OVERLAYS

from argus_flink.flinkconf import render_flink_conf
from argus_flink.k8s import flink_configuration
from argus_flink.k8s.findings import Finding
from argus_flink.k8s.paths import OVERLAYS_DIR
from argus_flink.k8s.strictyaml_loader import load_file


def _deployments(rendered, overlay):
    return [r for r in rendered[overlay] if r.kind == "FlinkDeployment"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_manifests_equal_what_flink_conf_renders(rendered, overlay):
    variables = load_file(OVERLAYS_DIR / overlay / "flink-vars.yaml")[0]
    for r in _deployments(rendered, overlay):
        expected = render_flink_conf(overlay, {**variables, "JOB": r.name})
        assert r.obj["spec"]["flinkConfiguration"] == expected, (
            f"{overlay}/{r.name} is stale: run `argus-flink k8s sync-conf`"
        )


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_generated_patch_is_up_to_date(overlay):
    assert flink_configuration.generated_path(
        overlay
    ).read_text() == flink_configuration.generated_patch(overlay), "run `argus-flink k8s sync-conf`"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_drift(rendered, overlay):
    assert flink_configuration.drift(overlay, rendered[overlay]) == []


def test_drift_is_reported_per_key(rendered):
    [r] = [r for r in _deployments(rendered, "prod") if r.name == "test-metrics"]
    changed = type(r)(
        {
            **r.obj,
            "spec": {
                **r.obj["spec"],
                "flinkConfiguration": {
                    **r.obj["spec"]["flinkConfiguration"],
                    "execution.checkpointing.interval": "1min",
                },
            },
        },
        r.origin,
    )
    [finding] = flink_configuration.drift("prod", [changed])
    assert isinstance(finding, Finding)
    assert finding.path == 'spec.flinkConfiguration["execution.checkpointing.interval"]'
    assert "'1min' but flink-conf/prod.yaml renders '10s'" in finding.message


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_state_and_ha_settings_the_issue_requires(rendered, overlay):
    bucket = load_file(OVERLAYS_DIR / overlay / "flink-vars.yaml")[0]["R2_BUCKET"]
    for r in _deployments(rendered, overlay):
        conf = r.obj["spec"]["flinkConfiguration"]
        prefix = f"s3://{bucket}/{r.name}/"
        assert conf["execution.checkpointing.dir"] == prefix + "checkpoints"
        assert conf["execution.checkpointing.savepoint-dir"] == prefix + "savepoints"
        assert conf["high-availability.type"] == "kubernetes"
        assert conf["high-availability.storageDir"].startswith(prefix)
        assert conf["s3.endpoint"].startswith("https://") and conf["s3.endpoint"].endswith(
            ".r2.cloudflarestorage.com"
        )
        assert conf["s3.path.style.access"] == "true"
        assert conf["state.backend.type"] == "rocksdb"
        assert conf["execution.checkpointing.incremental"] == "true"
        assert conf["execution.checkpointing.mode"] == "EXACTLY_ONCE"
        assert conf["restart-strategy.type"]
        assert conf["metrics.reporter.prom.port"] == "9249"
        assert conf["kubernetes.operator.periodic.savepoint.interval"]
        assert int(conf["kubernetes.operator.savepoint.history.max.count"]) > 0
        assert conf["kubernetes.operator.savepoint.history.max.age"]
        assert (
            conf["python.executable"] == conf["python.client.executable"] == "/opt/venv/bin/python"
        )


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_credentials_or_local_paths_in_configuration(rendered, overlay):
    for r in _deployments(rendered, overlay):
        conf = r.obj["spec"]["flinkConfiguration"]
        assert not {"s3.access-key", "s3.secret-key", "s3.access.key", "s3.secret.key"} & set(conf)
        assert not any(
            v.startswith("file://") or "127.0.0.1" in v or "localhost" in v for v in conf.values()
        ), conf


def test_every_job_has_a_generated_configuration():
    assert flink_configuration.job_names() == list(JOBS)


def test_job_variable_is_reserved(tmp_path, monkeypatch):
    overlay = tmp_path / "prod"
    overlay.mkdir()
    (overlay / "flink-vars.yaml").write_text("R2_BUCKET: b\nJOB: nope\n")
    monkeypatch.setattr(flink_configuration, "OVERLAYS_DIR", tmp_path)
    with pytest.raises(ValueError, match="JOB is set per deployment"):
        flink_configuration.overlay_variables("prod")
