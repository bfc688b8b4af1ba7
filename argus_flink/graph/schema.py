"""Constraints and indexes on the graph's keys: one portable Cypher path for Neo4j and ArcadeDB.

Every label is unique on ``(org_id, <key>)``. The uniqueness constraint also gives the index
that every MERGE and query looks nodes up by.

Where Neo4j and the local ArcadeDB differ, and where they agree:
- Neo4j 5 has composite *property uniqueness* constraints in Community and Aura; *node key*
  constraints (``IS NODE KEY``) and existence constraints are Enterprise-only, so neither
  is used.
- ArcadeDB 26.10 accepts the same ``CREATE CONSTRAINT … IF NOT EXISTS … IS UNIQUE`` and
  ``CREATE INDEX … IF NOT EXISTS`` statements over Bolt, creates the vertex type on the way,
  and backs each with an LSM index that rejects a duplicate key.
- Both list them with ``SHOW CONSTRAINTS`` / ``SHOW INDEXES``; neither vendor's procedures
  (``db.*``, ``apoc.*``) are used.
- Either server would reject the second of two concurrent MERGEs that both create one node;
  the job avoids that failed transaction altogether by keying its writer by org.
- Not schema but worth knowing: ArcadeDB checks a relationship MERGE from the first node of
  the pattern, so the statements start from the low-degree end (see ``statements.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

#: (label, key property) of every node; the contract's keys, each scoped by org_id.
NODE_KEYS: tuple[tuple[str, str], ...] = (
    ("Org", "id"),
    ("Project", "id"),
    ("Test", "id"),
    ("Run", "id"),
    ("File", "path"),
    ("Error", "fingerprint"),
    ("Commit", "sha"),
)


@dataclass(frozen=True, slots=True)
class SchemaStatement:
    name: str
    cypher: str


def schema_statements() -> list[SchemaStatement]:
    statements = [
        SchemaStatement(
            f"{label.lower()}_key",
            f"CREATE CONSTRAINT {label.lower()}_key IF NOT EXISTS "
            f"FOR (n:{label}) REQUIRE (n.org_id, n.{key}) IS UNIQUE",
        )
        for label, key in NODE_KEYS
    ]
    # blast-radius looks runs up by the commit they tested.
    statements.append(SchemaStatement(
        "run_commit",
        "CREATE INDEX run_commit IF NOT EXISTS FOR (n:Run) ON (n.org_id, n.commit_sha)",
    ))
    return statements


def apply_schema(driver, database: str) -> list[str]:
    """Create whatever constraint or index is missing (idempotent); returns their names."""
    names = []
    for statement in schema_statements():
        driver.execute_query(statement.cypher, database_=database)
        names.append(statement.name)
    return names
