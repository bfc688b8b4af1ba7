from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

import pytest

from argus_flink.contracts import DeadLetter, parse
from argus_flink.generator import EXPECTED_REASON, Defect, WorkloadConfig, generate
from argus_flink.generator.defects import OVERSIZED_BYTES, make_defect
from argus_flink.generator.delivery import shuffle_bounded
from argus_flink.generator.record import Item, Record, from_epoch_ms
from .scenarios import NOISY


def _lateness_ms(records) -> list[int]:
    """How far each record's event time lies behind the latest one emitted before it."""
    latest = None
    lateness = []
    for record in records:
        if latest is not None:
            lateness.append(max(0, (latest - record.event_time) // timedelta(milliseconds=1)))
        latest = record.event_time if latest is None else max(latest, record.event_time)
    return lateness


def test_out_of_order_delivery_stays_within_the_manifest_bound(noisy):
    records, manifest = noisy
    lateness = _lateness_ms(records)

    assert max(lateness) <= manifest.max_out_of_orderness_ms
    assert sum(1 for late in lateness if late > 0) > len(records) // 20  # it is shuffled


def test_a_smaller_bound_is_respected_too():
    config = WorkloadConfig(
        events=5_000, max_disorder=timedelta(seconds=2), duplicate_fraction=0.05
    )

    assert max(_lateness_ms(generate(config))) <= 2_000


def test_zero_bound_means_event_time_order():
    config = WorkloadConfig(events=3_000, max_disorder=timedelta(0), duplicate_fraction=0.05)

    assert max(_lateness_ms(generate(config))) == 0


def test_shuffle_bounded_keeps_every_item():
    rng = random.Random(3)
    items = [
        Item(ms, Record("t", b"k", str(ms).encode(), from_epoch_ms(ms)))
        for ms in range(0, 50_000, 37)
    ]
    shuffled = shuffle_bounded(items, rng, 1_000)

    assert sorted(shuffled) == sorted(items) and shuffled != items


def test_duplicates_repeat_earlier_bytes_at_about_the_configured_fraction(noisy):
    records, manifest = noisy
    seen: set[tuple[str, bytes]] = set()
    repeats = 0
    for record in records:
        key = (record.topic, record.value)
        repeats += key in seen
        seen.add(key)

    assert repeats == manifest.records.duplicates
    assert repeats / len(records) == pytest.approx(NOISY.duplicate_fraction, rel=0.25)


def test_bad_records_are_counted_by_kind_at_about_the_configured_fraction(noisy):
    records, manifest = noisy
    defects = Counter(record.defect for record in records if record.defect)

    assert dict(defects) == manifest.records.bad
    assert sum(defects.values()) / len(records) == pytest.approx(NOISY.bad_fraction, rel=0.25)
    assert set(defects) >= set(Defect) - {Defect.OVERSIZED}  # oversized ones are rare


def test_every_bad_record_is_rejected_with_its_expected_reason(noisy):
    records, manifest = noisy
    for record in records:
        result = parse(record.topic, record.value)
        if record.defect is None:
            assert not isinstance(result, DeadLetter), result.detail
        else:
            assert isinstance(result, DeadLetter), record.defect
            assert result.reason == manifest.records.bad_expected_reason[record.defect]


@pytest.fixture(scope="module")
def executed_record(clean) -> Record:
    records, _ = clean
    return next(r for r in records if r.topic == "argus.test.executed")


@pytest.mark.parametrize("defect", list(Defect))
def test_each_defect_kind_gets_its_expected_reason(executed_record, defect):
    rng = random.Random(5)
    for _ in range(5):  # every variant of the defect
        bad = make_defect(executed_record, defect, rng)
        result = parse(bad.topic, bad.value)

        assert isinstance(result, DeadLetter)
        assert result.reason == EXPECTED_REASON[defect]
        assert bad.defect == defect


def test_oversized_records_exceed_one_mebibyte_and_missing_org_records_have_no_key(executed_record):
    rng = random.Random(1)

    assert len(make_defect(executed_record, Defect.OVERSIZED, rng).value) > OVERSIZED_BYTES
    assert make_defect(executed_record, Defect.MISSING_ORG_ID, rng).key is None
