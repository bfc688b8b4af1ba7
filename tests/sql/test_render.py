"""Rendering a SQL job: placeholders, optional option blocks, and the map back to file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from argus_flink.sql.render import (
    Origin,
    error_location,
    find_line,
    options_block,
    render_job,
    sql_string,
    statement_set_inserts,
)
from argus_flink.templating import MissingVariableError


@pytest.fixture
def sql_dir(tmp_path: Path) -> Path:
    job = tmp_path / "demo_job"
    job.mkdir()
    (job / "01_source.sql").write_text(
        "-- a source\n"
        "CREATE TABLE src (\n"
        "    n INT\n"
        ") WITH (\n"
        "    'connector' = '${CONNECTOR}',\n"
        "    ${EXTRA}\n"
        "    'rows' = '${ROWS}'\n"
        ");\n")
    (job / "02_pipeline.sql").write_text(
        "EXECUTE STATEMENT SET\n"
        "BEGIN\n"
        "INSERT INTO a SELECT n FROM src;\n"
        "INSERT INTO b\n"
        "SELECT n + 1 FROM src;\n"
        "END;\n")
    return tmp_path


def render(sql_dir: Path, **variables: object):
    values = {"CONNECTOR": "datagen", "EXTRA": "", "ROWS": 10} | variables
    return render_job("demo-job", values, sql_dir=sql_dir)


def test_files_render_in_order_and_every_line_knows_its_origin(sql_dir):
    script = render(sql_dir)
    lines = script.text.splitlines()
    line = lines.index("    'connector' = 'datagen',") + 1
    assert script.origin(line) == Origin(sql_dir / "demo_job" / "01_source.sql", 5)
    insert = lines.index("SELECT n + 1 FROM src;") + 1
    assert script.origin(insert) == Origin(sql_dir / "demo_job" / "02_pipeline.sql", 5)
    assert [s.kind for s in script.statements()] == ["CREATE", "STATEMENT SET"]


def test_an_empty_option_block_drops_its_line_and_a_full_one_keeps_the_origin(sql_dir):
    assert "${EXTRA}" not in render(sql_dir).text
    assert not any(not line.strip() and origin is not None and origin.line == 6
                   for line, origin in zip(render(sql_dir).text.splitlines(),
                                           render(sql_dir).origins))
    extra = options_block({"a.b": "1", "c": "it's"})
    script = render(sql_dir, EXTRA=extra)
    lines = script.text.splitlines()
    first = lines.index("    'a.b'                          = '1',") + 1
    assert lines[first] == "    'c'                            = 'it''s',"
    assert script.origin(first).line == script.origin(first + 1).line == 6


def test_a_missing_variable_names_the_file_and_line(sql_dir):
    with pytest.raises(MissingVariableError) as failure:
        render_job("demo-job", {"CONNECTOR": "x", "EXTRA": ""}, sql_dir=sql_dir)
    assert "demo_job/01_source.sql:7" in str(failure.value)
    assert "${ROWS}" in str(failure.value)


def test_settings_become_leading_set_statements(sql_dir):
    script = render_job("demo-job", {"CONNECTOR": "x", "EXTRA": "", "ROWS": 1},
                        settings={"parallelism.default": "3"}, sql_dir=sql_dir)
    first = script.statements()[0]
    assert first.text == "SET 'parallelism.default' = '3'"
    assert script.origin(first.line) is None


def test_planner_positions_map_to_the_source_line(sql_dir):
    script = render(sql_dir)
    create = script.statements()[0]
    message = "From line 3, column 5 to line 3, column 9: Unknown identifier 'n'"
    assert error_location(script, create.line, message).endswith("01_source.sql:4")
    assert error_location(script, create.line, "no position").endswith("01_source.sql:2")


def test_the_inserts_of_a_statement_set_are_found_again_in_the_script(sql_dir):
    script = render(sql_dir)
    block = script.statements()[-1]
    inserts = statement_set_inserts(block)
    assert [i.text.split()[2] for i in inserts] == ["a", "b"]
    line = find_line(script, inserts[1].text, after=block.line)
    assert script.origin(line).line == 4


def test_sql_strings_escape_quotes():
    assert sql_string("it's") == "it''s"
    assert options_block({}) == ""


def test_an_unknown_job_has_no_sql(sql_dir):
    with pytest.raises(FileNotFoundError):
        render_job("no-such-job", {}, sql_dir=sql_dir)
