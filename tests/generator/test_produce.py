from __future__ import annotations

from datetime import UTC, datetime

import pytest

from argus_flink.generator.produce import PRODUCER_DEFAULTS, RateLimiter, produce
from argus_flink.generator.record import Record

WHEN = datetime(2026, 11, 21, tzinfo=UTC)


class _Error:
    def str(self) -> str:
        return "Broker: Message size too large"


class _Message:
    def topic(self) -> str:
        return "argus.test.executed"


class FakeProducer:
    """Accepts records, refuses once with a full queue, and fails the ones marked b'fail'."""

    def __init__(self, config: dict) -> None:
        self.config = config
        self.sent: list[tuple[str, bytes, bytes | None]] = []
        self.polls = 0
        self._full_once = True
        self._failures: list[bytes] = []

    def produce(self, topic: str, value: bytes, key: bytes | None) -> None:
        if self._full_once and len(self.sent) == 3:
            self._full_once = False
            raise BufferError("queue full")
        self.sent.append((topic, value, key))
        if value == b"fail":
            self._failures.append(value)

    def poll(self, timeout: float) -> int:
        self.polls += 1
        return 0

    def flush(self, timeout: float) -> int:
        for _ in self._failures:
            self.config["on_delivery"](_Error(), _Message())
        self._failures.clear()
        return 0


def _records(values: list[bytes]) -> list[Record]:
    return [Record("argus.test.executed", b"org", value, WHEN) for value in values]


def test_produce_sends_every_record_and_counts_failures():
    producers: list[FakeProducer] = []

    def factory(config: dict) -> FakeProducer:
        producers.append(FakeProducer(config))
        return producers[0]

    values = [b"a", b"b", b"c", b"d", b"fail", b"e"]
    stats = produce(_records(values), "broker:9092", progress=False, producer_factory=factory)

    (producer,) = producers
    assert [value for _, value, _ in producer.sent] == values  # retried after BufferError
    assert producer.polls >= 1
    assert producer.config["bootstrap.servers"] == "broker:9092"
    assert producer.config["enable.idempotence"] is True
    assert (stats.produced, stats.failed, stats.delivered) == (6, 1, 5)
    assert stats.by_topic == {"argus.test.executed": 6}
    assert stats.errors == ["argus.test.executed: Broker: Message size too large"]


def test_producer_defaults_batch_and_compress():
    assert PRODUCER_DEFAULTS["compression.type"] in ("lz4", "none")
    assert PRODUCER_DEFAULTS["linger.ms"] > 0
    assert PRODUCER_DEFAULTS["delivery.report.only.error"] is True


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_rate_limiter_paces_to_the_rate():
    clock = FakeClock()
    limiter = RateLimiter(4.0, clock=clock, sleep=clock.sleep)

    for _ in range(9):
        limiter.wait()

    assert clock.now == pytest.approx(102.0)  # 9 calls at 4/s: the 9th goes out at t = 2 s


def test_rate_limiter_does_not_burst_after_a_stall():
    clock = FakeClock()
    limiter = RateLimiter(10.0, clock=clock, sleep=clock.sleep)
    limiter.wait()
    clock.now += 5.0  # the producer stalled

    limiter.wait()
    limiter.wait()

    assert clock.slept[-1] == pytest.approx(0.1)


def test_rate_must_be_positive():
    with pytest.raises(ValueError):
        RateLimiter(0)
