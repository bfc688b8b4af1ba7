"""The one rich console the CLI writes to (library code logs; only the CLI prints)."""

from rich.console import Console

console = Console()
err_console = Console(stderr=True)
