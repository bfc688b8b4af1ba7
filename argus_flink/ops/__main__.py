"""``python -m argus_flink.ops``: the operations commands on their own, as the main CLI mounts
them (``savepoint``, ``stop``, ``replay``, ``savepoints``, ``k8s snapshot|replay``)."""

import typer

from argus_flink.ops.cli import k8s_app, register

app = typer.Typer(name="argus-flink-ops", no_args_is_help=True, pretty_exceptions_enable=False)
register(app)
app.add_typer(k8s_app, name="k8s")

if __name__ == "__main__":
    app()
