"""Read-only summaries of what the jobs wrote, for the demo and the CLI."""
