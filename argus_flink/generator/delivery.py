"""How records reach Kafka: mostly in event-time order, a little shuffled, sometimes twice.

Guarantee (recorded in the manifest): every record's event time is at least the largest event
time emitted before it minus ``max_disorder``. Watermarks with that delay drop nothing.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterable, Iterator

from argus_flink.contracts.events import Topic
from argus_flink.generator.defects import make_defect, pick_defect
from argus_flink.generator.record import Emission, Item

_EXECUTED = Topic.TEST_EXECUTED.value
_RECENT = 32  # duplicates repeat one of the last few records, as a retrying producer would


def shuffle_bounded(items: list[Item], rng: random.Random, bound_ms: int) -> list[Item]:
    """Reorder time-sorted items by a random delay below ``bound_ms`` each.

    If a is emitted before b then t_a + d_a <= t_b + d_b, so t_b > t_a - bound_ms.
    """
    if bound_ms <= 0:
        return items
    return sorted(items, key=lambda item: item.at_ms + rng.random() * bound_ms)


def deliver(
    rounds: Iterable[list[Item]],
    rng: random.Random,
    *,
    max_disorder_ms: int,
    duplicate_fraction: float,
    bad_fraction: float,
) -> Iterator[Item]:
    """Emit the rounds' items shuffled within the bound, mixing in duplicates and bad records.

    Each output slot is a bad record with probability ``bad_fraction``, a duplicate with
    probability ``duplicate_fraction``, else the next real event.
    """
    extra_fraction = bad_fraction + duplicate_fraction
    recent: deque[Item] = deque(maxlen=_RECENT)
    last_executed: Item | None = None
    latest = -(2**62)  # the largest event time emitted so far
    for items in rounds:
        for item in shuffle_bounded(items, rng, max_disorder_ms):
            while extra_fraction and (draw := rng.random()) < extra_fraction:
                if draw < bad_fraction:
                    extra = _bad(last_executed, rng, latest - max_disorder_ms)
                else:
                    extra = _duplicate(recent, rng, latest - max_disorder_ms)
                if extra is None:
                    break
                yield extra
            yield item
            latest = max(latest, item.at_ms)
            recent.append(item)
            if item.record.topic == _EXECUTED:
                last_executed = item


def _duplicate(recent: deque[Item], rng: random.Random, earliest_ms: int) -> Item | None:
    candidates = [item for item in recent if item.at_ms >= earliest_ms]
    if not candidates:
        return None
    original = rng.choice(candidates)
    return Item(original.at_ms, original.record, (), Emission.DUPLICATE)


def _bad(source: Item | None, rng: random.Random, earliest_ms: int) -> Item | None:
    if source is None or source.at_ms < earliest_ms:
        return None
    record = make_defect(source.record, pick_defect(rng), rng)
    return Item(source.at_ms, record, (), Emission.BAD)
