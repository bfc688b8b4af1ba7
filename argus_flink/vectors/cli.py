"""``argus-flink similar TEXT --org ORG``: the stored failure patterns nearest to a failure."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import psycopg
import typer
from rich.table import Table

from argus_flink.console import console, err_console
from argus_flink.endpoints import load_endpoints
from argus_flink.vectors.store import SimilarPattern, connect, similar
from udfs.embedding import Embedder
from udfs.failure_text import failure_text, parts_from_text


def similar_command(
    text: Annotated[str, typer.Argument(
        help="a failure: 'Type: message', optionally followed by its stack trace")],
    org: Annotated[str, typer.Option("--org", help="the org whose patterns are searched")],
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="how many patterns")] = 5,
    min_similarity: Annotated[float, typer.Option(
        "--min-similarity", min=-1.0, max=1.0, help="leave out patterns below this cosine")] = 0.0,
) -> None:
    """Print the org's stored failure patterns most similar to TEXT."""
    parts = parts_from_text(text)
    if parts is None:
        err_console.print("[red]the failure text is empty[/]")
        raise typer.Exit(2)
    normalised = failure_text(parts)
    try:
        embedding = Embedder().embed_one(normalised)
    except FileNotFoundError as exc:
        err_console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    dsn = load_endpoints().postgres_dsn.get_secret_value()
    try:
        with connect(dsn, connect_timeout=10) as conn:
            patterns = similar(conn, org, embedding, k=k, min_similarity=min_similarity)
    except psycopg.Error as exc:
        err_console.print(f"[red]cannot query failure patterns: {exc}[/]")
        raise typer.Exit(1) from exc
    if not patterns:
        console.print(f"no stored failure pattern of org {org} is similar to: {normalised}")
        return
    console.print(pattern_table(org, patterns))


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def pattern_table(org: str, patterns: list[SimilarPattern]) -> Table:
    table = Table(title=f"failure patterns of org {org}, most similar first")
    table.add_column("similarity", justify="right")
    table.add_column("occurrences", justify="right")
    table.add_column("sample message", overflow="fold")
    table.add_column("fingerprint", overflow="fold")
    table.add_column("first seen")
    table.add_column("last seen")
    for pattern in patterns:
        table.add_row(f"{pattern.similarity:.3f}", str(pattern.occurrences),
                      pattern.sample_message or "", pattern.fingerprint,
                      _when(pattern.first_seen), _when(pattern.last_seen))
    return table
