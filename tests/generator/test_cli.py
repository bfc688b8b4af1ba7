from __future__ import annotations

import typer
from typer.testing import CliRunner

from argus_flink.generator import load_manifest
from argus_flink.generator.cli import produce_command


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("produce")(produce_command)
    app.command("other")(lambda: None)  # keep `produce` a subcommand, as in argus-flink
    return app


def test_dry_run_writes_the_manifest_without_a_broker(tmp_path):
    path = tmp_path / "manifest.json"
    result = CliRunner().invoke(
        _app(),
        ["produce", "--events", "800", "--seed", "3", "--bad-fraction", "0.05",
         "--duplicate-fraction", "0.02", "--start", "2027-01-01T00:00:00Z",
         "--dry-run", "--manifest", str(path)],
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    manifest = load_manifest(path)
    assert manifest.records.total == 800
    assert manifest.seed == 3
    assert manifest.start.year == 2027


def test_invalid_options_are_usage_errors(tmp_path):
    result = CliRunner().invoke(
        _app(), ["produce", "--bad-fraction", "0.9", "--dry-run", "--manifest", str(tmp_path / "m")]
    )

    assert result.exit_code == 2
