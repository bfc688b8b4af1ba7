"""What the generator emits: Kafka-ready records, plus the bookkeeping that travels with them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)


@dataclass(frozen=True, slots=True)
class Record:
    """One Kafka record: the key is the org_id as UTF-8 (None only for a keyless bad record)."""

    topic: str
    key: bytes | None
    value: bytes
    event_time: datetime
    defect: str | None = None  # the Defect a bad record was built with; None for real events


class Emission(StrEnum):
    EVENT = "event"
    DUPLICATE = "duplicate"
    BAD = "bad"


class Item(NamedTuple):
    """A record inside the pipeline: its event time in ms and the incident tags it belongs to."""

    at_ms: int
    record: Record
    tags: tuple[str, ...] = ()
    emission: Emission = Emission.EVENT


def to_epoch_ms(moment: datetime) -> int:
    return (moment - _EPOCH) // _ONE_MS


def from_epoch_ms(ms: int) -> datetime:
    return _EPOCH + _ONE_MS * ms  # exact integer arithmetic, and faster than timedelta(ms=…)
