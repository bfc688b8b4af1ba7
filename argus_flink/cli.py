"""The `argus-flink` command: one entry point for the local stack, jobs, SQL and deployment."""

from __future__ import annotations

import logging

import typer

from argus_flink import jobs_cli
from argus_flink.demo_cli import demo_command
from argus_flink.contracts import cli as contracts_cli
from argus_flink.generator.cli import produce_command
from argus_flink.graph import cli as graph_cli
from argus_flink.k8s import cli as k8s_cli
from argus_flink.ops import cli as ops_cli
from argus_flink.sql import cli as sql_cli
from argus_flink.stack import cli as stack_cli
from argus_flink.vectors.cli import similar_command

app = typer.Typer(
    name="argus-flink",
    help="Argus Flink: streaming test intelligence on Apache Flink.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
stack_cli.register(app)
jobs_cli.register(app)
app.command("produce")(produce_command)
app.command("demo")(demo_command)
ops_cli.register(app)
app.command("similar")(similar_command)
app.add_typer(sql_cli.app, name="sql")
app.add_typer(graph_cli.app, name="graph")
app.add_typer(contracts_cli.app, name="schemas")
k8s_cli.app.add_typer(ops_cli.k8s_app)
app.add_typer(k8s_cli.app, name="k8s")


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # The driver logs every retried connection attempt; our own errors say what failed.
    logging.getLogger("neo4j").setLevel(logging.ERROR)
    app()
