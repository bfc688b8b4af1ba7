"""Shared fixtures: one real local stack per test session, on ports of its own.

The test stack lives in `.argus/test-stack` with ports away from the defaults, so `make test`
never touches a stack a developer has running with `argus-flink up`. ARGUS_TEST_PORT_OFFSET
moves the whole test stack, so two checkouts can run their tests side by side.
"""

from __future__ import annotations

import os
import shutil

import pytest

from argus_flink.settings import StackSettings, private_stack_env

_OFFSET = int(os.environ.get("ARGUS_TEST_PORT_OFFSET", "0"))
TEST_STACK_ENV = private_stack_env(f"test-stack{_OFFSET or ''}", _OFFSET)


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


def cancel_running_jobs(settings: StackSettings, timeout: float = 60.0) -> None:
    """Cancel every job still running on the test cluster and wait until none is."""
    import time

    import httpx

    from argus_flink.stack.stack import running_jobs

    active = {"RUNNING", "CREATED", "INITIALIZING", "RESTARTING", "CANCELLING"}
    for job in running_jobs(settings):
        if job["state"] in active - {"CANCELLING"}:
            httpx.patch(f"{settings.flink_rest_url}/jobs/{job['id']}", params={"mode": "cancel"},
                        timeout=10)
    deadline = time.monotonic() + timeout
    while any(j["state"] in active for j in running_jobs(settings)):
        if time.monotonic() > deadline:
            raise RuntimeError("jobs still running after cancel")
        time.sleep(0.5)


@pytest.fixture(scope="module")
def fresh_topics(stack):
    """Empty topics and an idle cluster for one test module.

    Job tests read their topics from offset 0 and assert exact outputs (DLQ included), so
    records that earlier modules left behind must not be there.
    """
    from argus_flink.stack.broker import reset_topics

    cancel_running_jobs(stack)
    reset_topics(stack.kafka_bootstrap)
    return stack
