"""The Cypher the writer runs: one parameterised ``UNWIND $rows AS row … MERGE`` per shape.

Rules every statement follows:
- Labels, relationship types and property names are fixed here; event data only ever
  arrives as ``$rows`` parameters, so no field of an event can change a statement.
- Every node is MERGEd on its contract key together with ``org_id``, so a replay finds the
  nodes it made before and two orgs never share a node.
- Summaries are SET as absolute values (from Flink state), never incremented.
- Endpoints are MERGEd, not MATCHed, so the statements can run in any order and a row never
  silently misses a node another statement has not written yet.
- A relationship MERGE starts from its lower-degree end (a test has few COVERS edges, a
  file may have thousands). Neo4j plans either direction itself; ArcadeDB checks for an
  existing edge from the first node written, and is about 15x slower the other way round.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Statement:
    name: str
    cypher: str
    #: Row fields that identify what a row writes: of two rows with one key in a batch,
    #: only the later is sent (it carries the newer absolute values).
    key: tuple[str, ...]


def _unwind(body: str) -> str:
    return "UNWIND $rows AS row\n" + body.strip()


ORG = "MERGE (o:Org {org_id: row.org_id, id: row.org_id})"
PROJECT = "MERGE (p:Project {org_id: row.org_id, id: row.project_id})"
TEST = "MERGE (t:Test {org_id: row.org_id, id: row.test_id})"
RUN = "MERGE (r:Run {org_id: row.org_id, id: row.run_id})"
FILE = "MERGE (f:File {org_id: row.org_id, path: row.path})"
ERROR = "MERGE (e:Error {org_id: row.org_id, fingerprint: row.fingerprint})"
COMMIT = "MERGE (c:Commit {org_id: row.org_id, sha: row.sha})"

ORGS = Statement("orgs", _unwind(ORG), ("org_id",))

PROJECTS = Statement("projects", _unwind(f"""
{ORG}
{PROJECT}
MERGE (p)<-[:OWNS]-(o)
"""), ("org_id", "project_id"))

TESTS = Statement("tests", _unwind(f"""
{TEST}
SET t += row.props
"""), ("org_id", "test_id"))

HAS_TEST = Statement("has_test", _unwind(f"""
{PROJECT}
{TEST}
MERGE (t)<-[:HAS_TEST]-(p)
"""), ("org_id", "project_id", "test_id"))

COVERS = Statement("covers", _unwind(f"""
{TEST}
{FILE}
MERGE (t)-[:COVERS]->(f)
"""), ("org_id", "test_id", "path"))

EXECUTED = Statement("executed", _unwind(f"""
{RUN}
SET r += row.run
WITH r, row
{TEST}
MERGE (r)-[x:EXECUTED]->(t)
SET x.status = row.status, x.duration_ms = row.duration_ms, x.at = row.at
"""), ("org_id", "run_id", "test_id"))

ERRORS = Statement("errors", _unwind(f"""
{ERROR}
SET e += row.props
"""), ("org_id", "fingerprint"))

FAILED_WITH = Statement("failed_with", _unwind(f"""
{TEST}
{ERROR}
MERGE (t)-[w:FAILED_WITH]->(e)
SET w.occurrences = row.occurrences, w.first_seen = row.first_seen,
    w.last_seen = row.last_seen
"""), ("org_id", "test_id", "fingerprint"))

AFFECTS = Statement("affects", _unwind(f"""
{ERROR}
{FILE}
MERGE (e)-[:AFFECTS]->(f)
"""), ("org_id", "fingerprint", "path"))

COMMITS = Statement("commits", _unwind(f"""
{COMMIT}
SET c += row.props
"""), ("org_id", "sha"))

CHANGED = Statement("changed", _unwind(f"""
{COMMIT}
{FILE}
MERGE (c)-[ch:CHANGED]->(f)
SET ch.change_type = row.change_type, ch.additions = row.additions,
    ch.deletions = row.deletions
"""), ("org_id", "sha", "path"))

#: Write order inside a batch's transaction: nodes with their summaries, then relationships.
STATEMENTS: tuple[Statement, ...] = (
    ORGS, PROJECTS, TESTS, ERRORS, COMMITS,
    HAS_TEST, COVERS, EXECUTED, FAILED_WITH, AFFECTS, CHANGED,
)
