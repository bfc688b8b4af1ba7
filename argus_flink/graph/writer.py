"""Write batches of GraphUpdates to a Bolt graph: grouped by statement, retried, breaker-guarded.

A batch is one transaction: every statement's rows for the batch, as ``UNWIND $rows`` calls.
Writes are idempotent (MERGE on keys, absolute values), so any failed or uncertain attempt
(including a commit whose outcome is unknown) can simply be run again.

Failure handling, per batch:
- a retryable error (server down, transient, unknown commit outcome): retry with exponential
  backoff for at most ``retry_budget_s``; if the budget runs out, open the circuit breaker
  and report every update of the batch as failed (the job dead-letters them);
- any other error (the server refused the data): write the batch's updates one by one, and
  report only those that fail;
- breaker open: report the batch as failed at once, without touching the server.
Nothing is dropped: every update comes back either written or failed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from pydantic import SecretStr
from tenacity import (
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from argus_flink.graph.breaker import CircuitBreaker
from argus_flink.graph.records import GraphUpdate
from argus_flink.graph.statements import STATEMENTS, Statement
from argus_flink.graph.updates import statement_rows

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GraphTarget:
    """Where the graph is: a Bolt URI, credentials and the database name."""

    uri: str
    user: str
    password: SecretStr
    database: str

    @classmethod
    def from_endpoints(cls, endpoints) -> GraphTarget:
        return cls(endpoints.bolt_uri, endpoints.graph_user, endpoints.graph_password,
                   endpoints.graph_db)

    def driver(self, **options):
        # Imported here: the driver is heavy, and nothing should load it at import time.
        from neo4j import GraphDatabase

        settings = {"connection_timeout": 5.0, "connection_acquisition_timeout": 10.0,
                    **options}
        return GraphDatabase.driver(self.uri, auth=(self.user,
                                                    self.password.get_secret_value()),
                                    **settings)


@dataclass(frozen=True)
class WritePolicy:
    #: How long one batch may be retried before the graph counts as down.
    retry_budget_s: float = 15.0
    retry_initial_s: float = 0.2
    retry_max_wait_s: float = 3.0
    #: How long the breaker stays open before a probe, and the longest it backs off to.
    breaker_cooldown_s: float = 10.0
    breaker_max_cooldown_s: float = 60.0


@dataclass(frozen=True, slots=True)
class FailedWrite:
    update: GraphUpdate
    detail: str


@dataclass
class WriteOutcome:
    written: int = 0
    failed: list[FailedWrite] = field(default_factory=list)


def is_retryable(exc: BaseException) -> bool:
    from neo4j.exceptions import DriverError, IncompleteCommit, Neo4jError

    # An unknown commit outcome is safe to retry because every write is idempotent.
    if isinstance(exc, IncompleteCommit):
        return True
    return isinstance(exc, Neo4jError | DriverError) and exc.is_retryable()


def compile_batch(updates: Iterable[GraphUpdate]) -> list[tuple[Statement, list[dict]]]:
    """Statement rows of ``updates``, grouped by statement in write order, one row per key.

    Two rows with one key merge into one, the later values winning: they are absolute, so
    the later row (from newer state) is the one to keep.
    """
    grouped: dict[str, dict[tuple, dict]] = {statement.name: {} for statement in STATEMENTS}
    for update in updates:
        for statement, row in statement_rows(update):
            rows = grouped[statement.name]
            key = tuple(row[name] for name in statement.key)
            previous = rows.get(key)
            rows[key] = row if previous is None else _merge_rows(previous, row)
    return [(statement, list(grouped[statement.name].values()))
            for statement in STATEMENTS if grouped[statement.name]]


def _merge_rows(earlier: dict, later: dict) -> dict:
    merged = {**earlier, **later}
    for name, value in later.items():
        if isinstance(value, dict) and isinstance(earlier.get(name), dict):
            merged[name] = {**earlier[name], **value}
    return merged


class GraphWriter:
    """Writes batches of updates; owns one driver and one circuit breaker."""

    def __init__(self, target: GraphTarget, policy: WritePolicy = WritePolicy(), *,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, driver=None) -> None:
        self.target = target
        self.policy = policy
        self.breaker = CircuitBreaker(policy.breaker_cooldown_s, policy.breaker_max_cooldown_s,
                                      clock)
        self._clock = clock
        self._sleep = sleep
        self._driver = driver
        self._last_error = ""

    @property
    def driver(self):
        if self._driver is None:
            self._driver = self.target.driver()
        return self._driver

    def close(self) -> None:
        if self._driver is not None:
            self._driver.close()
            self._driver = None

    def write(self, updates: Sequence[GraphUpdate]) -> WriteOutcome:
        if not updates:
            return WriteOutcome()
        if not self.breaker.allows_write():
            return self._all_failed(updates, self._open_detail())
        try:
            self._attempt(compile_batch(updates))
        except Exception as exc:  # noqa: BLE001 - every failure is routed, none raised
            if is_retryable(exc):
                return self._all_failed(updates, self._outage_detail(exc))
            if len(updates) == 1:
                return self._all_failed(updates, _rejected_detail(exc))
            log.warning("graph rejected a batch of %d (%s); writing its records one by one",
                        len(updates), _describe(exc))
            return self._write_one_by_one(updates)
        return WriteOutcome(written=len(updates))

    def _attempt(self, groups: list[tuple[Statement, list[dict]]]) -> None:
        """Run the batch; retried within the budget while the breaker is closed."""
        if self.breaker.is_probing():
            retrying = Retrying(stop=stop_after_attempt(1), reraise=True)
        else:
            started = self._clock()
            retrying = Retrying(
                # Measured on our clock (tenacity's own is not injectable), for the tests.
                stop=lambda _: self._clock() - started >= self.policy.retry_budget_s,
                wait=(wait_exponential(multiplier=self.policy.retry_initial_s,
                                       max=self.policy.retry_max_wait_s)
                      + wait_random(0, self.policy.retry_initial_s)),
                retry=retry_if_exception(is_retryable),
                sleep=self._sleep,
                reraise=True,
            )
        try:
            retrying(self._run, groups)
        except Exception as exc:
            if is_retryable(exc):
                self._last_error = _describe(exc)
                self.breaker.record_failure()
                log.warning("graph unavailable (%s); circuit breaker open for %.0fs",
                            self._last_error, self.breaker.seconds_until_probe)
            else:  # the server answered, so it is up: only this data was refused
                self.breaker.record_success()
            raise
        self.breaker.record_success()

    def _run(self, groups: list[tuple[Statement, list[dict]]]) -> None:
        with self.driver.session(database=self.target.database) as session:
            with session.begin_transaction() as tx:
                for statement, rows in groups:
                    tx.run(statement.cypher, rows=rows).consume()
                tx.commit()

    def _write_one_by_one(self, updates: Sequence[GraphUpdate]) -> WriteOutcome:
        outcome = WriteOutcome()
        for update in updates:
            if not self.breaker.allows_write():
                outcome.failed.append(FailedWrite(update, self._open_detail()))
                continue
            try:
                self._attempt(compile_batch([update]))
                outcome.written += 1
            except Exception as exc:  # noqa: BLE001
                detail = (self._outage_detail(exc) if is_retryable(exc)
                          else _rejected_detail(exc))
                outcome.failed.append(FailedWrite(update, detail))
        return outcome

    def _all_failed(self, updates: Sequence[GraphUpdate], detail: str) -> WriteOutcome:
        return WriteOutcome(failed=[FailedWrite(update, detail) for update in updates])

    def _outage_detail(self, exc: BaseException) -> str:
        return (f"graph write failed after retrying for up to "
                f"{self.policy.retry_budget_s:.0f}s: {_describe(exc)}")

    def _open_detail(self) -> str:
        return (f"graph unavailable, circuit breaker open (next probe in "
                f"{self.breaker.seconds_until_probe:.0f}s); last error: {self._last_error}")


def _rejected_detail(exc: BaseException) -> str:
    return f"graph rejected the record: {_describe(exc)}"


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".strip()[:500]
