"""The generator's records reach the real broker intact, keyed by org, on several partitions."""

from __future__ import annotations

from collections import Counter

import pytest

from argus_flink.contracts import DeadLetter, parse
from argus_flink.generator.config import WorkloadConfig
from argus_flink.generator.produce import produce
from argus_flink.generator.workload import Workload
from argus_flink.kafka_io import read_topic
from argus_flink.topics import Topic

pytestmark = pytest.mark.integration


def test_generated_workload_round_trips_through_the_broker(stack):
    workload = Workload(WorkloadConfig(seed=7, events=3_000, bad_fraction=0.02,
                                       duplicate_fraction=0.02))
    records = list(workload.records())
    stats = produce(records, stack.kafka_bootstrap, progress=False)
    assert stats.failed == 0 and stats.produced == len(records)

    sent = Counter(r.topic for r in records)
    executed = read_topic(stack.kafka_bootstrap, Topic.TEST_EXECUTED,
                          min_records=sent[Topic.TEST_EXECUTED], timeout=60)
    assert sorted(m.value for m in executed) == sorted(
        r.value for r in records if r.topic == Topic.TEST_EXECUTED)
    assert len({m.partition for m in executed}) > 1
    # Every valid event is keyed by its own org; bad records are still delivered as they are.
    for message in executed:
        result = parse(Topic.TEST_EXECUTED, message.value)
        if not isinstance(result, DeadLetter):
            assert message.key == result.event.org_id.encode()
