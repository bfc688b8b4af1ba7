"""Validation passes on what we ship and fails precisely on what the issue names."""

from __future__ import annotations

import base64

import pytest
from typer.testing import CliRunner

from argus_flink.k8s.cli import app
from argus_flink.k8s.findings import errors
from argus_flink.k8s.validate import Manifest, validate_default, validate_manifests, validate_paths


def _errors_for(obj, file="test.yaml"):
    return [(f.path, f.message) for f in errors(validate_manifests([Manifest(obj, file)]))]


def test_everything_shipped_validates():
    findings = validate_default()
    assert errors(findings) == [], "\n".join(map(str, errors(findings)))
    # What could only be checked partially is said, not hidden.
    notes = [f for f in findings if f.severity == "note"]
    assert {f.obj.split("/")[0] for f in notes} == {"PodMonitor", "ExternalSecret"}


def test_every_rendered_object_validates(rendered):
    for overlay, resources in rendered.items():
        for r in resources:
            found = errors(validate_manifests([Manifest(r.obj, overlay)]))
            assert found == [], f"{overlay} {r.kind}/{r.name}: {found}"


def test_misspelled_field(prod_object):
    fd = prod_object("FlinkDeployment", "test-metrics")
    fd["spec"]["job"]["upgradMode"] = fd["spec"]["job"].pop("upgradeMode")
    assert (
        "spec.job.upgradMode",
        "unknown field 'upgradMode' (did you mean 'upgradeMode'?)",
    ) in _errors_for(fd)


def test_misspelled_field_inside_the_pod_template(prod_object):
    fd = prod_object("FlinkDeployment", "test-metrics")
    container = fd["spec"]["podTemplate"]["spec"]["containers"][0]
    container["volumeMount"] = container.pop("volumeMounts")
    assert (
        "spec.podTemplate.spec.containers[0].volumeMount",
        "unknown field 'volumeMount' (did you mean 'volumeMounts'?)",
    ) in _errors_for(fd)


def test_wrong_enum(prod_object):
    fd = prod_object("FlinkDeployment", "anomaly-flags")
    fd["spec"]["flinkVersion"] = "v2_00"
    [(path, message)] = _errors_for(fd)
    assert path == "spec.flinkVersion"
    assert message.startswith("'v2_00' is not one of: v1_13, ") and "v2_0, v2_1, v2_2" in message


def test_missing_checkpoint_dir(prod_object):
    fd = prod_object("FlinkDeployment", "knowledge-graph")
    del fd["spec"]["flinkConfiguration"]["execution.checkpointing.dir"]
    assert _errors_for(fd) == [
        (
            'spec.flinkConfiguration["execution.checkpointing.dir"]',
            "Checkpoint directory[execution.checkpointing.dir] must be defined for last-state and "
            "savepoint upgrade modes",
        )
    ]


def test_secret_with_non_base64_data():
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "argus-r2"},
        "data": {
            "AWS_ACCESS_KEY_ID": base64.b64encode(b"fine").decode(),
            "AWS_SECRET_ACCESS_KEY": "plain text!",
        },
    }
    assert _errors_for(secret) == [
        (
            "data.AWS_SECRET_ACCESS_KEY",
            "value is not valid base64; Secret `data` values must be base64-encoded "
            "(put plain text under `stringData` instead)",
        )
    ]


@pytest.mark.parametrize(("typo", "field"), [("polcyTypes", "policyTypes"), ("egres", "egress")])
def test_network_policy_typo(prod_object, typo, field):
    policy = prod_object("NetworkPolicy", "argus-flink-egress")
    policy["spec"][typo] = policy["spec"].pop(field)
    assert _errors_for(policy) == [
        (f"spec.{typo}", f"unknown field {typo!r} (did you mean {field!r}?)")
    ]


def test_network_policy_wrong_type(prod_object):
    policy = prod_object("NetworkPolicy", "argus-flink-egress")
    policy["spec"]["egress"][2]["ports"][0]["port"] = [9092]
    [(path, _)] = _errors_for(policy)
    assert path == "spec.egress[2].ports[0].port"


def test_unknown_custom_kind_is_a_note_not_a_pass():
    obj = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    [finding] = validate_manifests([Manifest(obj, "w.yaml")])
    assert finding.severity == "note" and "not validated: no schema" in finding.message


def test_not_a_kubernetes_object():
    [finding] = validate_manifests([Manifest({"foo": 1}, "x.yaml")])
    assert finding.severity == "error" and "apiVersion and kind are required" in finding.message


def test_missing_crds_are_an_error_for_flink_kinds(prod_object, monkeypatch, tmp_path):
    monkeypatch.setenv("ARGUS_CRDS_DIR", str(tmp_path))
    [(path, message)] = _errors_for(prod_object("FlinkDeployment", "test-metrics"))
    assert path == "apiVersion" and "ARGUS_CRDS_DIR" in message


def test_findings_name_file_object_and_path(tmp_path):
    bad = tmp_path / "deploy.yaml"
    bad.write_text(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: np\n"
        "spec:\n  podSelector: {}\n  polcyTypes: [Egress]\n"
    )
    [finding] = errors(validate_paths([bad]))
    assert str(finding).endswith(
        "deploy.yaml: NetworkPolicy/np: spec.polcyTypes: unknown field 'polcyTypes' "
        "(did you mean 'policyTypes'?)"
    )


def test_duplicate_keys_are_reported_by_validate(tmp_path):
    bad = tmp_path / "dup.yaml"
    bad.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: '1'\n  a: '2'\n"
    )
    [finding] = validate_paths([bad])
    assert str(finding).endswith(
        "dup.yaml:7: ConfigMap/c: data.a: duplicate key (first defined at line 6)"
    )


def test_a_kustomization_directory_is_rendered_not_read_file_by_file(tmp_path):
    (tmp_path / "kustomization.yaml").write_text(
        "resources: [cm.yaml]\npatches:\n  - path: p.yaml\n"
    )
    (tmp_path / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: '1'}\n"
    )
    # A partial object: fine as a patch, invalid as a manifest.
    (tmp_path / "p.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {b: '2'}\n"
    )
    assert errors(validate_paths([tmp_path])) == []


def test_cli_exit_codes(tmp_path):
    runner = CliRunner()
    ok = runner.invoke(app, ["validate"])
    assert ok.exit_code == 0, ok.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {k: 'not base64!'}\n")
    failed = runner.invoke(app, ["validate", str(bad)])
    assert failed.exit_code == 1
    assert "Secret/s: data.k: value is not valid base64" in failed.output


def test_cli_render_prints_the_overlay():
    result = CliRunner().invoke(app, ["render", "--overlay", "dev"])
    assert result.exit_code == 0
    assert result.output.count("kind: FlinkDeployment") == 4
    assert "namespace: argus-flink-dev" in result.output


def test_cli_render_rejects_an_unknown_overlay():
    result = CliRunner().invoke(app, ["render", "--overlay", "staging"])
    assert result.exit_code == 2


def test_cli_unknown_kubernetes_version():
    result = CliRunner().invoke(app, ["validate", "--k8s-version", "1.20.0"])
    assert result.exit_code == 2


def test_cli_sync_conf_check_passes_when_up_to_date():
    result = CliRunner().invoke(app, ["sync-conf", "--check"])
    assert result.exit_code == 0, result.output
