from __future__ import annotations

import pytest

from argus_flink.generator import Manifest, Record, generate_with_manifest

from .scenarios import CLEAN, NOISY


# Generated once per session: every test reads the same records, which keeps the suite fast.
@pytest.fixture(scope="session")
def clean() -> tuple[list[Record], Manifest]:
    return generate_with_manifest(CLEAN)


@pytest.fixture(scope="session")
def noisy() -> tuple[list[Record], Manifest]:
    return generate_with_manifest(NOISY)
