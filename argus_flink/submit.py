"""Submit Python drivers to the local session cluster with Flink's own client (`flink run`)."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Sequence

from argus_flink.settings import StackSettings
from argus_flink.stack.flink import flink_env

_JOB_ID = re.compile(r"JobID ([0-9a-f]{32})")


class SubmitError(RuntimeError):
    pass


def flink_run(
    settings: StackSettings,
    module: str,
    args: Sequence[str] = (),
    *,
    savepoint: str | None = None,
    allow_non_restored_state: bool = False,
    timeout: float = 300.0,
) -> str:
    """Run ``python -m module args`` as a detached job; returns the Flink job id."""
    flink = settings.tools / "flink-home" / "bin" / "flink"
    cmd = [str(flink), "run", "--detached"]
    if savepoint:
        cmd += ["--fromSavepoint", savepoint]
        if allow_non_restored_state:
            cmd.append("--allowNonRestoredState")
    cmd += ["--pyModule", module, *args]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                            env={**os.environ, **flink_env(settings)})
    output = result.stdout + result.stderr
    match = _JOB_ID.search(output)
    if result.returncode != 0 or not match:
        raise SubmitError(f"`flink run --pyModule {module}` failed:\n{_explain(output)}")
    return match.group(1)


def _explain(output: str) -> str:
    """The lines of a client failure that say why, without the Java stack frames."""
    lines = [ln for ln in output.splitlines() if ln.strip() and not ln.lstrip().startswith("at ")]
    causes = [ln for ln in lines if "Caused by" in ln or "Error" in ln or "Exception" in ln]
    return "\n".join((causes or lines)[-15:])
