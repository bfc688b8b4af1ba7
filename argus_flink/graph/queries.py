"""The questions users ask the graph, always within one org.

Every MATCH names ``org_id`` on every node it touches, not only on the first: a query can
never walk into another tenant's data, even through a node an edge should never have
reached.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from argus_flink.graph.writer import GraphTarget

FAILED = ["failed", "error"]

IMPACT = """
MATCH (f:File {org_id: $org_id, path: $path})<-[:COVERS]-(t:Test {org_id: $org_id})
RETURN t.id AS test_id, t.name AS name, t.project_id AS project_id, t.file_path AS test_file,
       t.recent_runs AS recent_runs, t.recent_failures AS recent_failures,
       t.recent_failure_rate AS recent_failure_rate, t.last_status AS last_status,
       t.last_run_at AS last_run_at
"""

# The riskiest first, on the server, so only ``$limit`` rows travel; a test without a rate
# (never run, or only skipped) sorts last.
IMPACT_TOP = IMPACT + """ORDER BY coalesce(recent_failure_rate, -1.0) DESC, test_id
LIMIT $limit
"""

COMMIT = """
MATCH (c:Commit {org_id: $org_id, sha: $sha})
RETURN c.project_id AS project_id, c.branch AS branch, c.at AS at, c.repo_url AS repo_url,
       c.pr_number AS pr_number
"""

CHANGED_FILES = """
MATCH (c:Commit {org_id: $org_id, sha: $sha})-[ch:CHANGED]->(f:File {org_id: $org_id})
RETURN f.path AS path, ch.change_type AS change_type, ch.additions AS additions,
       ch.deletions AS deletions
ORDER BY path
"""

# Within the commit's project: two repositories of one org may hold the same path.
COVERING_TESTS = """
MATCH (c:Commit {org_id: $org_id, sha: $sha})-[:CHANGED]->(f:File {org_id: $org_id})
      <-[:COVERS]-(t:Test {org_id: $org_id})
WHERE c.project_id IS NULL OR t.project_id IS NULL OR t.project_id = c.project_id
RETURN t.id AS test_id, t.name AS name, f.path AS path,
       t.recent_failure_rate AS recent_failure_rate, t.last_status AS last_status
"""

FAILED_ON_COMMIT = """
MATCH (r:Run {org_id: $org_id, commit_sha: $sha})-[x:EXECUTED]->(t:Test {org_id: $org_id})
WHERE x.status IN $failed
RETURN t.id AS test_id, t.name AS name, r.id AS run_id, x.status AS status, x.at AS at
ORDER BY at, test_id
"""

ERROR = """
MATCH (e:Error {org_id: $org_id, fingerprint: $fingerprint})
RETURN e.error_type AS error_type, e.sample_message AS sample_message,
       e.occurrences AS occurrences, e.first_seen AS first_seen, e.last_seen AS last_seen,
       e.project_id AS project_id
"""

FAILING_TESTS = """
MATCH (t:Test {org_id: $org_id})-[w:FAILED_WITH]->(e:Error {org_id: $org_id,
                                                            fingerprint: $fingerprint})
RETURN t.id AS test_id, t.name AS name, w.occurrences AS occurrences,
       w.last_seen AS last_seen
ORDER BY occurrences DESC, test_id
"""

AFFECTED_FILES = """
MATCH (e:Error {org_id: $org_id, fingerprint: $fingerprint})-[:AFFECTS]->(f:File {org_id: $org_id})
RETURN f.path AS path
ORDER BY path
"""

ORGS = """
MATCH (o:Org)
RETURN o.id AS org_id
ORDER BY org_id
"""

MOST_COVERED_FILES = """
MATCH (f:File {org_id: $org_id})<-[:COVERS]-(t:Test {org_id: $org_id})
RETURN f.path AS path, count(t) AS tests
ORDER BY tests DESC, path
LIMIT $limit
"""


@dataclass(frozen=True, slots=True)
class TestImpact:
    __test__ = False

    test_id: str
    name: str | None
    project_id: str | None
    test_file: str | None
    recent_runs: int | None
    recent_failures: int | None
    recent_failure_rate: float | None
    last_status: str | None
    last_run_at: str | None


@dataclass(frozen=True, slots=True)
class ChangedFile:
    path: str
    change_type: str | None
    additions: int | None
    deletions: int | None


@dataclass(frozen=True, slots=True)
class CoveringTest:
    test_id: str
    name: str | None
    recent_failure_rate: float | None
    last_status: str | None
    paths: tuple[str, ...]  # the changed files it covers


@dataclass(frozen=True, slots=True)
class FailedRun:
    test_id: str
    name: str | None
    run_id: str
    status: str
    at: str | None


@dataclass(frozen=True)
class BlastRadius:
    org_id: str
    sha: str
    found: bool
    project_id: str | None = None
    branch: str | None = None
    at: str | None = None
    changed: list[ChangedFile] = field(default_factory=list)
    covering: list[CoveringTest] = field(default_factory=list)
    failed: list[FailedRun] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class FailingTest:
    test_id: str
    name: str | None
    occurrences: int | None
    last_seen: str | None


@dataclass(frozen=True)
class ErrorReport:
    org_id: str
    fingerprint: str
    found: bool
    error_type: str | None = None
    sample_message: str | None = None
    occurrences: int | None = None
    first_seen: str | None = None
    last_seen: str | None = None
    tests: list[FailingTest] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def _riskiest_first(test: TestImpact) -> tuple:
    rate = test.recent_failure_rate
    return (rate is None, -(rate or 0.0), test.test_id)


class GraphQueries:
    """Read queries over one driver; every method takes the org it answers for."""

    def __init__(self, driver, database: str) -> None:
        self._driver = driver
        self._database = database

    def _records(self, cypher: str, **params) -> list[dict]:
        records, _, _ = self._driver.execute_query(cypher, params, database_=self._database,
                                                   routing_="r")
        return [record.data() for record in records]

    def orgs(self) -> list[str]:
        """Every org in the graph (an operator's view, for picking one to look at)."""
        return [row["org_id"] for row in self._records(ORGS)]

    def most_covered_files(self, org_id: str, limit: int = 10) -> list[tuple[str, int]]:
        """The org's files covered by the most tests, with how many."""
        return [(row["path"], row["tests"])
                for row in self._records(MOST_COVERED_FILES, org_id=org_id, limit=limit)]

    def impact(self, org_id: str, path: str, limit: int | None = None) -> list[TestImpact]:
        """Tests that cover ``path``, riskiest first (highest recent failure rate); the
        first ``limit`` of them when given."""
        if limit is None:
            rows = self._records(IMPACT, org_id=org_id, path=path)
        else:
            rows = self._records(IMPACT_TOP, org_id=org_id, path=path, limit=limit)
        return sorted((TestImpact(**row) for row in rows), key=_riskiest_first)

    def blast_radius(self, org_id: str, sha: str) -> BlastRadius:
        """Files a commit changed, tests covering them, and tests that failed on it."""
        commits = self._records(COMMIT, org_id=org_id, sha=sha)
        if not commits:
            return BlastRadius(org_id, sha, found=False,
                               failed=self._failed_on(org_id, sha))
        commit = commits[0]
        changed = [ChangedFile(**row)
                   for row in self._records(CHANGED_FILES, org_id=org_id, sha=sha)]
        return BlastRadius(org_id, sha, found=True, project_id=commit["project_id"],
                           branch=commit["branch"], at=commit["at"], changed=changed,
                           covering=self._covering(org_id, sha),
                           failed=self._failed_on(org_id, sha))

    def _covering(self, org_id: str, sha: str) -> list[CoveringTest]:
        by_test: dict[str, dict] = {}
        for row in self._records(COVERING_TESTS, org_id=org_id, sha=sha):
            entry = by_test.setdefault(row["test_id"], {**row, "paths": set()})
            entry["paths"].add(row["path"])
        tests = [CoveringTest(test_id=entry["test_id"], name=entry["name"],
                              recent_failure_rate=entry["recent_failure_rate"],
                              last_status=entry["last_status"],
                              paths=tuple(sorted(entry["paths"])))
                 for entry in by_test.values()]
        return sorted(tests, key=lambda t: (t.recent_failure_rate is None,
                                            -(t.recent_failure_rate or 0.0), t.test_id))

    def _failed_on(self, org_id: str, sha: str) -> list[FailedRun]:
        return [FailedRun(**row) for row in self._records(FAILED_ON_COMMIT, org_id=org_id,
                                                          sha=sha, failed=FAILED)]

    def error(self, org_id: str, fingerprint: str) -> ErrorReport:
        """An error's summary, the tests failing with it, and the files it affects."""
        params = {"org_id": org_id, "fingerprint": fingerprint}
        found = self._records(ERROR, **params)
        tests = [FailingTest(**row) for row in self._records(FAILING_TESTS, **params)]
        files = [row["path"] for row in self._records(AFFECTED_FILES, **params)]
        if not found:
            return ErrorReport(org_id, fingerprint, found=False, tests=tests, files=files)
        summary = found[0]
        return ErrorReport(org_id, fingerprint, found=True,
                           error_type=summary["error_type"],
                           sample_message=summary["sample_message"],
                           occurrences=summary["occurrences"],
                           first_seen=summary["first_seen"], last_seen=summary["last_seen"],
                           tests=tests, files=files)


@contextmanager
def open_queries(target: GraphTarget | None = None) -> Iterator[GraphQueries]:
    """GraphQueries over a fresh driver to ``target`` (default: the configured endpoints)."""
    if target is None:
        from argus_flink.endpoints import load_endpoints

        target = GraphTarget.from_endpoints(load_endpoints())
    driver = target.driver()
    try:
        yield GraphQueries(driver, target.database)
    finally:
        driver.close()
