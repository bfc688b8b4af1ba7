"""A benchmark's private stack: its own state directory and ports, started for the run and
stopped after it (``--keep-stack`` leaves it up for a look around)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console

from argus_flink.install import ensure_installed
from argus_flink.settings import StackSettings, private_stack_env
from argus_flink.stack import stack as local_stack


@contextmanager
def private_stack(name: str, offset: int, *, restart: bool = True, keep: bool = False,
                  console: Console | None = None) -> Iterator[StackSettings]:
    """Yields the settings of ``.argus/<name>`` on the private ports moved by ``offset``.

    The ARGUS_* variables are exported first, so settings read later in this process and
    every command it starts (``flink run``, the baselines) see the same stack. ``restart``
    stops a stack left running by an earlier run before starting: the broker keeps topics in
    memory, so a run that reuses a prefilled topic passes ``restart=False``.
    """
    os.environ.update(private_stack_env(name, offset))
    settings = StackSettings()
    ensure_installed(settings.tools)
    (console or Console()).print(f"starting the benchmark stack in {settings.home}")
    if restart:
        local_stack.down(settings)
    local_stack.up(settings)
    try:
        yield settings
    finally:
        if not keep:
            local_stack.down(settings)
