"""The commands' clear errors, as a user sees them: one line on stderr and exit code 1."""

from __future__ import annotations

import socket

import pytest
import typer
from typer.testing import CliRunner

from argus_flink.ops.cli import register


def run(*args: str, env: dict[str, str] | None = None):
    app = typer.Typer()
    register(app)
    return CliRunner().invoke(app, list(args), env=env)


@pytest.fixture
def cluster_down(tmp_path) -> dict[str, str]:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return {"ARGUS_FLINK_REST_PORT": str(port), "ARGUS_HOME": str(tmp_path)}


@pytest.mark.parametrize("command", [
    ["savepoint", "test-metrics"],
    ["stop", "test-metrics", "--savepoint"],
    ["replay", "test-metrics", "--from", "latest"],
])
def test_a_cluster_that_is_down_is_named_with_the_fix(cluster_down, command):
    out = run(*command, env=cluster_down)
    assert out.exit_code == 1
    assert "no Flink cluster answers at http://localhost:" in out.stderr
    assert "argus-flink up" in out.stderr
    assert "Traceback" not in out.output


def test_an_unknown_job_lists_the_known_ones(cluster_down):
    out = run("stop", "test-metric", env=cluster_down)
    assert out.exit_code == 1
    assert "unknown job 'test-metric'; jobs: test-metrics, anomaly-flags" in out.stderr


def test_listing_local_savepoints_needs_no_cluster(cluster_down):
    out = run("savepoints", "list", "--json", env=cluster_down)
    assert out.exit_code == 0, out.output
    assert out.stdout.strip() == "[]"
