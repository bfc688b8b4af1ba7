"""Render a SQL job's files into one runnable script that remembers where each line came from.

A job's SQL lives in ``sql/<job>/NN_name.sql``, one purpose per file, with ``${VAR}``
placeholders. Rendering substitutes them (a missing variable is an error that names the file
and line) and concatenates the files in name order. Every rendered line keeps its origin, so
an error the planner reports for the rendered script points at the ``.sql`` file to edit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from argus_flink.settings import PROJECT_ROOT
from argus_flink.sql.script import Statement, split_statements
from argus_flink.templating import render

SQL_DIR = PROJECT_ROOT / "sql"
_PLANNER_POSITION = re.compile(r"\bline (\d+), column (\d+)")


@dataclass(frozen=True)
class Origin:
    """A line of a source ``.sql`` file."""

    path: Path
    line: int

    def __str__(self) -> str:
        return f"{_display(self.path)}:{self.line}"


@dataclass(frozen=True)
class RenderedScript:
    """The rendered text plus, per line, the source line it came from (None if generated)."""

    text: str
    origins: tuple[Origin | None, ...]
    name: str = "<rendered>"

    def origin(self, line: int) -> Origin | None:
        """Origin of 1-based rendered ``line``, or of the nearest source line above it."""
        for index in range(min(line, len(self.origins)) - 1, -1, -1):
            if self.origins[index] is not None:
                return self.origins[index]
        return None

    def locate(self, line: int) -> str:
        origin = self.origin(line)
        return str(origin) if origin else f"{self.name}:{line}"

    def statements(self) -> list[Statement]:
        return split_statements(self.text)


class SqlJobError(RuntimeError):
    """A statement of a rendered job failed; the message starts with the source file:line."""

    def __init__(self, location: str, reason: str) -> None:
        super().__init__(f"{location}: {reason}")
        self.location, self.reason = location, reason


def job_dir(job: str, sql_dir: Path = SQL_DIR) -> Path:
    """``test-metrics`` -> ``sql/test_metrics``."""
    return sql_dir / job.replace("-", "_")


def job_files(job: str, sql_dir: Path = SQL_DIR) -> list[Path]:
    directory = job_dir(job, sql_dir)
    files = sorted(directory.glob("*.sql"))
    if not files:
        raise FileNotFoundError(f"no SQL files in {_display(directory)}")
    return files


def render_job(
    job: str,
    variables: Mapping[str, object],
    *,
    settings: Mapping[str, str] | None = None,
    sql_dir: Path = SQL_DIR,
) -> RenderedScript:
    """Render ``sql/<job>/*.sql`` in order; ``settings`` become leading SET statements."""
    lines: list[str] = [
        f"-- Rendered from {_display(job_dir(job, sql_dir))}/*.sql by `argus-flink sql render "
        f"{job}`.",
        "-- Edit those files, not this one. It holds connection settings: do not commit it.",
    ]
    origins: list[Origin | None] = [None, None]
    for key, value in (settings or {}).items():
        lines.append(f"SET '{key}' = '{sql_string(value)}';")
        origins.append(None)
    for path in job_files(job, sql_dir):
        lines += ["", f"-- ---- {_display(path)} " + "-" * 40]
        origins += [None, None]
        for number, source_line in enumerate(path.read_text().splitlines(), start=1):
            rendered = render(source_line, variables, source=f"{_display(path)}:{number}")
            if not rendered.strip() and source_line.strip():
                continue  # an optional block of options that is empty for this config
            for piece in rendered.split("\n"):
                lines.append(piece)
                origins.append(Origin(path, number))
    return RenderedScript("\n".join(lines) + "\n", tuple(origins), name=f"{job}.sql")


def sql_string(value: object) -> str:
    """``value`` for use inside a single-quoted SQL literal."""
    return str(value).replace("'", "''")


def options_block(options: Mapping[str, str], *, indent: int = 4, width: int = 30) -> str:
    """Connector options as aligned ``'key' = 'value',`` lines, for a ``${VAR}`` alone on its
    line inside a WITH list; an empty mapping renders nothing (the line is dropped)."""
    rows = [f"{sql_literal(key):<{width}} = {sql_literal(value)}," for key, value in
            options.items()]
    return ("\n" + " " * indent).join(rows)


def sql_literal(value: object) -> str:
    return f"'{sql_string(value)}'"


def statement_set_inserts(block: Statement) -> list[Statement]:
    """The INSERT statements of an ``EXECUTE STATEMENT SET BEGIN … END`` block."""
    body = block.text.split("\n", 1)[1].rsplit("END", 1)[0]
    return split_statements(body)


def error_location(script: RenderedScript, statement_line: int, message: str) -> str:
    """Where a statement failed: the planner's ``line N, column M`` (relative to the
    statement) when the message has one, else the statement's first line."""
    match = _PLANNER_POSITION.search(message)
    if match:
        return script.locate(statement_line + int(match.group(1)) - 1)
    return script.locate(statement_line)


def find_line(script: RenderedScript, text: str, *, after: int = 0) -> int:
    """1-based line of the first rendered line at or after ``after`` that starts with the first
    line of ``text`` (used to place the INSERTs of a statement set)."""
    first = text.strip().splitlines()[0].strip()
    lines = script.text.splitlines()
    for index in range(max(after - 1, 0), len(lines)):
        if lines[index].strip().startswith(first):
            return index + 1
    return after


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)

