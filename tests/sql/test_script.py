"""Statement splitting as the SQL client does it: quotes, comments and statement sets."""

from argus_flink.sql.script import split_statements


def test_splits_on_semicolons_outside_quotes_and_comments():
    script = """-- header; not a statement
SET 'pipeline.name' = 'a;b';
/* block; comment */
CREATE TABLE t (s STRING) WITH ('connector' = 'datagen');

SELECT 'it''s; fine', `odd;name` FROM t;
"""
    statements = split_statements(script)
    assert [s.kind for s in statements] == ["SET", "CREATE", "SELECT"]
    assert [s.line for s in statements] == [2, 4, 6]
    assert statements[0].text == "SET 'pipeline.name' = 'a;b'"
    assert statements[2].text == "SELECT 'it''s; fine', `odd;name` FROM t"


def test_statement_set_is_one_statement():
    script = """CREATE TABLE a (x INT);
EXECUTE STATEMENT SET
BEGIN
  INSERT INTO b SELECT x FROM a;
  INSERT INTO c SELECT x FROM a;
END;
"""
    statements = split_statements(script)
    assert [s.kind for s in statements] == ["CREATE", "STATEMENT SET"]
    assert statements[1].line == 2
    assert statements[1].text.count("INSERT INTO") == 2
    assert statements[1].text.endswith("END")


def test_unterminated_statement_set_is_an_error():
    import pytest

    with pytest.raises(SyntaxError, match="line 1"):
        split_statements("STATEMENT SET BEGIN INSERT INTO b SELECT 1;")
