from __future__ import annotations

import pytest

from argus_flink.generator import Manifest, Record, WorkloadConfig, generate_with_manifest

# One clean scenario and one with every kind of noise; generating them once keeps tests fast.
CLEAN = WorkloadConfig(events=12_000)
NOISY = WorkloadConfig(events=20_000, seed=7, bad_fraction=0.03, duplicate_fraction=0.04)


@pytest.fixture(scope="session")
def clean() -> tuple[list[Record], Manifest]:
    return generate_with_manifest(CLEAN)


@pytest.fixture(scope="session")
def noisy() -> tuple[list[Record], Manifest]:
    return generate_with_manifest(NOISY)
