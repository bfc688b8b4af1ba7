"""Shared fixtures: one real local stack per test session, on ports of its own.

The test stack lives in `.argus/test-stack` with ports away from the defaults, so `make test`
never touches a stack a developer has running with `argus-flink up`. ARGUS_TEST_PORT_OFFSET
moves the whole test stack, so two checkouts can run their tests side by side.
"""

from __future__ import annotations

import os
import shutil

import pytest

from argus_flink.settings import PROJECT_ROOT, StackSettings

_OFFSET = int(os.environ.get("ARGUS_TEST_PORT_OFFSET", "0"))
TEST_STACK_ENV = {
    "ARGUS_HOME": str(PROJECT_ROOT / ".argus" / f"test-stack{_OFFSET or ''}"),
    "ARGUS_KAFKA_PORT": str(29092 + _OFFSET),
    "ARGUS_POSTGRES_PORT": str(25432 + _OFFSET),
    "ARGUS_BOLT_PORT": str(27687 + _OFFSET),
    "ARGUS_GRAPH_HTTP_PORT": str(22480 + _OFFSET),
    "ARGUS_FLINK_REST_PORT": str(28081 + _OFFSET),
    "ARGUS_FLINK_RPC_PORT": str(26123 + _OFFSET),
    "ARGUS_PROMETHEUS_PORTS": f"{29249 + _OFFSET}-{29259 + _OFFSET}",
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
