"""Shared fixtures: one real local stack per test session, on ports of its own.

The test stack lives in `.argus/test-stack` with ports away from the defaults, so `make test`
never touches a stack a developer has running with `argus-flink up`.
"""

from __future__ import annotations

import os
import shutil

import pytest

from argus_flink.settings import PROJECT_ROOT, StackSettings

TEST_STACK_ENV = {
    "ARGUS_HOME": str(PROJECT_ROOT / ".argus" / "test-stack"),
    "ARGUS_KAFKA_PORT": "29092",
    "ARGUS_POSTGRES_PORT": "25432",
    "ARGUS_BOLT_PORT": "27687",
    "ARGUS_GRAPH_HTTP_PORT": "22480",
    "ARGUS_FLINK_REST_PORT": "28081",
    "ARGUS_FLINK_RPC_PORT": "26123",
    "ARGUS_PROMETHEUS_PORTS": "29249-29259",
}


@pytest.fixture(scope="session")
def stack_settings() -> StackSettings:
    """Settings of the test stack; also exported so CLI subprocesses see the same stack."""
    os.environ.update(TEST_STACK_ENV)
    return StackSettings()


@pytest.fixture(scope="session")
def stack(stack_settings: StackSettings):
    """Start the whole stack from empty state once; always stop it, even after failures."""
    from argus_flink.install import ensure_installed
    from argus_flink.stack import stack as local_stack

    local_stack.down(stack_settings)
    shutil.rmtree(stack_settings.home, ignore_errors=True)
    ensure_installed(stack_settings.tools)
    try:
        local_stack.up(stack_settings)
        yield stack_settings
    finally:
        local_stack.down(stack_settings)
