"""Run a SQL script statement by statement, as Flink's SQL client does.

``python -m argus_flink.sql.runner FILE`` is the driver that ``argus-flink sql run FILE``
submits to the cluster (the SQL client does not start from the pyflink wheel); in Kubernetes
the same driver runs the rendered SQL jobs, as the operator's flink-sql-runner example does.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from pathlib import Path

from argus_flink.sql.script import Statement, split_statements

_SET = re.compile(r"^SET\s+'([^']+)'\s*=\s*'((?:[^']|'')*)'$", re.IGNORECASE | re.DOTALL)


class ScriptError(RuntimeError):
    """A statement failed; the message names the file and line."""

    def __init__(self, source: str, statement: Statement, message: str) -> None:
        first_line = statement.text.splitlines()[0][:120]
        super().__init__(f"{source}:{statement.line}: {message}\n  in: {first_line}")
        self.source, self.line, self.reason = source, statement.line, message


def java_error_message(exc: BaseException) -> str:
    """The innermost Java cause's message, which is the one that says what is wrong."""
    java = getattr(exc, "java_exception", None)
    if java is None:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    messages = []
    while java is not None:
        messages.append(str(java.getMessage() or java.getClass().getName()))
        java = java.getCause()
    # The outermost message is usually the planner's "SQL validation failed. …", the innermost
    # is the precise reason: keep both when they differ.
    return messages[0] if len(messages) == 1 or messages[-1] in messages[0] else (
        f"{messages[0].splitlines()[0]}: {messages[-1]}")


def _inserts_of(block: Statement) -> list[str]:
    body = block.text.split("\n", 1)[1].rsplit("END", 1)[0]
    return [s.text for s in split_statements(body)]


def execute_statements(t_env, statements: Sequence[Statement], *, source: str) -> list:
    """Execute in order; returns the TableResult of each job-submitting statement."""
    results = []
    for statement in statements:
        try:
            if statement.kind == "SET":
                match = _SET.match(statement.text)
                if not match:
                    raise ValueError("expected SET 'key' = 'value'")
                t_env.get_config().set(match.group(1), match.group(2).replace("''", "'"))
            elif statement.kind == "STATEMENT SET":
                statement_set = t_env.create_statement_set()
                for insert in _inserts_of(statement):
                    statement_set.add_insert_sql(insert)
                results.append(statement_set.execute())
            else:
                result = t_env.execute_sql(statement.text)
                if statement.kind == "INSERT":
                    results.append(result)
        except Exception as exc:  # Py4J errors carry the Java cause; report it with the line
            raise ScriptError(source, statement, java_error_message(exc)) from exc
    return results


def run_script(path: Path, *, job_name: str | None = None) -> list:
    from pyflink.table import EnvironmentSettings, TableEnvironment

    t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    t_env.get_config().set("pipeline.name", job_name or path.stem)
    return execute_statements(t_env, split_statements(path.read_text()), source=str(path))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file", type=Path)
    parser.add_argument("--name", help="job name shown in the Flink Web UI")
    args = parser.parse_args(argv)
    run_script(args.file, job_name=args.name)


if __name__ == "__main__":
    main()
