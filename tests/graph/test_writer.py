"""The writer's retries, circuit breaker and fallbacks, against a scripted fake driver."""

from __future__ import annotations

import pytest
from neo4j.exceptions import ClientError, IncompleteCommit, ServiceUnavailable
from pydantic import SecretStr

from argus_flink.graph.breaker import BreakerState, CircuitBreaker
from argus_flink.graph.records import EventKind, GraphEvent, GraphUpdate, Source
from argus_flink.graph.writer import GraphTarget, GraphWriter, WritePolicy

TARGET = GraphTarget("bolt://fake", "root", SecretStr("x"), "argus")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class FakeDriver:
    """Fails the next transactions with ``failures`` (None = succeed), then succeeds."""

    def __init__(self, *failures) -> None:
        self.failures = list(failures)
        self.committed: list[list[tuple[str, int]]] = []

    def session(self, database):
        return _Session(self)


class _Session:
    def __init__(self, driver: FakeDriver) -> None:
        self.driver = driver

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def begin_transaction(self):
        return _Tx(self.driver)


class _Tx:
    def __init__(self, driver: FakeDriver) -> None:
        self.driver = driver
        self.runs: list[tuple[str, int]] = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def run(self, cypher, rows):
        failure = self.driver.failures.pop(0) if self.driver.failures else None
        if failure is not None:
            raise failure
        if any(row.get("test_id") == "poison" for row in rows):
            raise ClientError("refused")
        self.runs.append((cypher.split("\n")[1], len(rows)))
        return self

    def consume(self):
        return None

    def commit(self):
        self.driver.committed.append(self.runs)


def update(test_id: str = "t", offset: int = 0) -> GraphUpdate:
    event = GraphEvent(kind=EventKind.TEST_RESULT, event_id=f"e{offset}", org_id="o",
                       project_id=None, at=0, test_id=test_id, run_id="r", status="passed",
                       duration_ms=1)
    return GraphUpdate("o", event, Source("argus.test.executed", 0, offset, "{}"))


def writer(driver: FakeDriver, clock: Clock, **policy) -> GraphWriter:
    settings = {"retry_budget_s": 5.0, "retry_initial_s": 0.5, "retry_max_wait_s": 1.0,
                "breaker_cooldown_s": 30.0, "breaker_max_cooldown_s": 120.0, **policy}
    return GraphWriter(TARGET, WritePolicy(**settings), clock=clock, sleep=clock.sleep,
                       driver=driver)


def test_a_batch_is_one_transaction():
    driver = FakeDriver()
    outcome = writer(driver, Clock()).write([update("a", 1), update("b", 2)])
    assert outcome.written == 2 and not outcome.failed
    assert len(driver.committed) == 1


def test_transient_failures_are_retried_until_the_batch_is_written():
    driver, clock = FakeDriver(ServiceUnavailable("down"), IncompleteCommit("?")), Clock()
    outcome = writer(driver, clock).write([update()])
    assert outcome.written == 1 and len(driver.committed) == 1
    assert 0 < clock.now < 5


def test_an_outage_beyond_the_budget_fails_the_batch_and_opens_the_breaker():
    driver, clock = FakeDriver(*[ServiceUnavailable("down")] * 100), Clock()
    graph = writer(driver, clock)
    outcome = graph.write([update("a", 1), update("b", 2)])
    assert outcome.written == 0
    assert [f.update.source.offset for f in outcome.failed] == [1, 2]
    assert "ServiceUnavailable" in outcome.failed[0].detail
    assert graph.breaker.state is BreakerState.OPEN
    started = clock.now
    # Open: no attempt, no waiting; the batch comes straight back.
    attempts_left = len(driver.failures)
    outcome = graph.write([update("c", 3)])
    assert len(outcome.failed) == 1 and "circuit breaker open" in outcome.failed[0].detail
    assert len(driver.failures) == attempts_left and clock.now == started


def test_the_half_open_probe_is_a_single_attempt_and_closes_the_breaker_on_success():
    driver, clock = FakeDriver(*[ServiceUnavailable("down")] * 100), Clock()
    graph = writer(driver, clock)
    graph.write([update()])
    clock.now += 31
    assert graph.breaker.state is BreakerState.HALF_OPEN
    attempts_before = len(driver.failures)
    assert graph.write([update()]).failed
    assert attempts_before - len(driver.failures) == 1  # one probe, no retries
    assert graph.breaker.state is BreakerState.OPEN
    driver.failures.clear()
    clock.now += 61  # the cool-down doubled after the failed probe
    assert graph.write([update()]).written == 1
    assert graph.breaker.state is BreakerState.CLOSED


def test_a_rejected_batch_is_written_record_by_record_and_only_the_bad_one_fails():
    driver = FakeDriver()
    graph = writer(driver, Clock())
    outcome = graph.write([update("a", 1), update("poison", 2), update("b", 3)])
    assert outcome.written == 2
    assert [f.update.source.offset for f in outcome.failed] == [2]
    assert outcome.failed[0].detail.startswith("graph rejected the record")
    assert graph.breaker.state is BreakerState.CLOSED


def test_the_breaker_backs_off_up_to_its_maximum():
    clock = Clock()
    breaker = CircuitBreaker(10, 25, clock)
    breaker.record_failure()
    assert not breaker.allows_write()
    for expected in (20, 25, 25):
        clock.now += breaker.seconds_until_probe
        assert breaker.is_probing()
        breaker.record_failure()
        assert breaker.seconds_until_probe == pytest.approx(expected)
