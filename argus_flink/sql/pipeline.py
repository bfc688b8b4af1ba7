"""Load a rendered SQL job into a TableEnvironment: run its DDL, then hand back its final
statement set to execute (the job) or explain (``argus-flink sql validate``).

Views are registered from their planned query (``create_temporary_view(name,
sql_query(...))``) rather than as SQL text. The result is the same, but every INSERT of the
statement set then reads the same plan node, so the planner runs a view shared by several
sinks once (parse and checks once per record, one window aggregate for two sinks); a text
view is planned again for each INSERT that reads it.

Errors name the source ``.sql`` file and line, not the rendered script's.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from argus_flink.settings import StackSettings
from argus_flink.sql.render import (
    RenderedScript,
    SqlJobError,
    error_location,
    find_line,
    statement_set_inserts,
)
from argus_flink.sql.runner import ScriptError, execute_statements, java_error_message
from argus_flink.stack.flink import flink_env

_CREATE_VIEW = re.compile(r"^CREATE\s+(?:TEMPORARY\s+)?VIEW\s+(\w+)\s+AS\s+", re.IGNORECASE)


def prepare_statement_set(t_env, script: RenderedScript):
    """Execute every statement but the closing STATEMENT SET; return that set, not executed."""
    *setup, pipeline = script.statements()
    if pipeline.kind != "STATEMENT SET":
        raise SqlJobError(script.locate(pipeline.line),
                          "a SQL job ends with EXECUTE STATEMENT SET BEGIN … END;")
    for statement in setup:
        view = _CREATE_VIEW.match(statement.text)
        if view is None:
            try:
                execute_statements(t_env, [statement], source=script.name)
            except ScriptError as exc:
                raise SqlJobError(error_location(script, statement.line, exc.reason),
                                  exc.reason) from exc
            continue
        query = statement.text[view.end():]
        query_line = statement.line + statement.text[:view.end()].count("\n")
        try:
            t_env.create_temporary_view(view.group(1), t_env.sql_query(query))
        except Exception as exc:  # Py4J carries the planner's reason in the Java cause
            reason = java_error_message(exc)
            raise SqlJobError(error_location(script, query_line, reason), reason) from exc
    statement_set = t_env.create_statement_set()
    for insert in statement_set_inserts(pipeline):
        try:
            statement_set.add_insert_sql(insert.text)
        except Exception as exc:  # Py4J carries the planner's reason in the Java cause
            reason = java_error_message(exc)
            line = find_line(script, insert.text, after=pipeline.line)
            raise SqlJobError(error_location(script, line, reason), reason) from exc
    return statement_set


def local_table_environment(settings: StackSettings):
    """A streaming TableEnvironment in this process, without a cluster. The project's Flink
    home puts the Kafka and JDBC connectors on the planner's classpath."""
    env = flink_env(settings)
    if not Path(env["FLINK_CONF_DIR"]).is_dir():  # the stack has never been started
        env.pop("FLINK_CONF_DIR")
    os.environ.update(env)
    from pyflink.table import EnvironmentSettings, TableEnvironment

    return TableEnvironment.create(EnvironmentSettings.in_streaming_mode())


def explain_script(script: RenderedScript, settings: StackSettings) -> str:
    """Check the whole script with the planner (EXPLAIN); returns the plan."""
    t_env = local_table_environment(settings)
    statement_set = prepare_statement_set(t_env, script)
    try:
        return statement_set.explain()
    except Exception as exc:
        reason = java_error_message(exc)
        *_, pipeline = script.statements()
        raise SqlJobError(script.locate(pipeline.line), reason) from exc
