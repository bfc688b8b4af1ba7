"""Bad records, each built from a real test.executed value and broken in one known way."""

from __future__ import annotations

import itertools
import json
import random
from dataclasses import replace
from enum import StrEnum

from argus_flink.contracts.events import Reason
from argus_flink.contracts.parse import DEFAULT_MAX_BYTES
from argus_flink.generator.ids import random_uuid
from argus_flink.generator.payloads import encode
from argus_flink.generator.record import Record


class Defect(StrEnum):
    MALFORMED_JSON = "malformed_json"
    MISSING_ORG_ID = "missing_org_id"
    WRONG_TYPE = "wrong_type"
    UNKNOWN_STATUS = "unknown_status"
    NEGATIVE_DURATION = "negative_duration"
    OVERSIZED = "oversized"


EXPECTED_REASON: dict[Defect, Reason] = {
    Defect.MALFORMED_JSON: Reason.INVALID_JSON,
    Defect.MISSING_ORG_ID: Reason.MISSING_ORG_ID,
    Defect.WRONG_TYPE: Reason.SCHEMA_VIOLATION,
    Defect.UNKNOWN_STATUS: Reason.SCHEMA_VIOLATION,
    Defect.NEGATIVE_DURATION: Reason.SCHEMA_VIOLATION,
    Defect.OVERSIZED: Reason.PAYLOAD_TOO_LARGE,
}

# Oversized records weigh over a MiB each, so they stay rare.
_WEIGHTS: dict[Defect, int] = {
    Defect.MALFORMED_JSON: 30,
    Defect.MISSING_ORG_ID: 20,
    Defect.WRONG_TYPE: 20,
    Defect.UNKNOWN_STATUS: 15,
    Defect.NEGATIVE_DURATION: 14,
    Defect.OVERSIZED: 1,
}
_DEFECTS = tuple(_WEIGHTS)
_CUMULATIVE = tuple(itertools.accumulate(_WEIGHTS.values()))
OVERSIZED_BYTES = DEFAULT_MAX_BYTES + 4_096


def pick_defect(rng: random.Random) -> Defect:
    return rng.choices(_DEFECTS, cum_weights=_CUMULATIVE)[0]


def make_defect(source: Record, defect: Defect, rng: random.Random) -> Record:
    """A broken copy of ``source`` (a test.executed record) with a fresh event_id."""
    if defect is Defect.MALFORMED_JSON:
        return replace(source, value=_malformed(source.value, rng), defect=defect.value)
    document = json.loads(source.value)
    document["event_id"] = random_uuid(rng)
    key = source.key
    if defect is Defect.MISSING_ORG_ID:
        variant = rng.randrange(3)
        if variant == 0:
            del document["org_id"]
        else:
            document["org_id"] = None if variant == 1 else ""
        key = None
    elif defect is Defect.WRONG_TYPE:
        field, value = rng.choice(
            (
                ("duration_ms", str(document["duration_ms"])),
                ("duration_ms", document["duration_ms"] + 0.5),
                ("is_flaky", "false"),
                ("flaky_confidence", "0.8"),
            )
        )
        document[field] = value
    elif defect is Defect.UNKNOWN_STATUS:
        document["status"] = rng.choice(("PASSED", "timeout", "broken", "unknown", "xfail"))
    elif defect is Defect.NEGATIVE_DURATION:
        document["duration_ms"] = -rng.randint(1, 5_000)
    elif defect is Defect.OVERSIZED:
        document["stack_trace"] = _huge_stack_trace(OVERSIZED_BYTES)
    return replace(source, key=key, value=encode(document), defect=defect.value)


def _malformed(value: bytes, rng: random.Random) -> bytes:
    variant = rng.randrange(3)
    if variant == 0:  # cut short, as by a producer that crashed mid-write
        return value[: rng.randrange(1, len(value) - 1)]
    if variant == 1:  # Latin-1 bytes where UTF-8 was promised
        return b'{"note":"caf\xe9",' + value[1:]
    return value.replace(b'"status":', b"'status':", 1)  # single quotes are not JSON


def _huge_stack_trace(size: int) -> str:
    frame = "    at recurse (/home/runner/work/app/app/src/lib/tree.ts:{}:17)\n"
    count = size // (len(frame) - 2) + 1
    return "RangeError: Maximum call stack size exceeded\n" + "".join(
        frame.format(line) for line in range(count)
    )
