"""The errors the operations commands report to users: each one says what to do next."""

from __future__ import annotations


class OpsError(RuntimeError):
    """An operation failed for a reason the user can act on; the message says how."""


class ClusterDownError(OpsError):
    def __init__(self, url: str, reason: str = "") -> None:
        detail = f" ({reason})" if reason else ""
        super().__init__(
            f"no Flink cluster answers at {url}{detail}. Start the local stack with "
            "`argus-flink up`, or point ARGUS_FLINK_REST_PORT at a running cluster."
        )


class FlinkRestError(OpsError):
    """Flink answered, but refused the request (its own error text is kept)."""


class JobNotRunningError(OpsError):
    pass


class NoSavepointError(OpsError):
    pass


class SavepointFailedError(OpsError):
    pass


class IncompatibleSavepointError(OpsError):
    pass


class ReplayFailedError(OpsError):
    pass


class ObjectStoreError(OpsError):
    pass


def main_cause(trace: str) -> str:
    """The most specific line of a Java stack trace: its last ``Caused by``, else its first."""
    lines = [ln.strip() for ln in trace.splitlines() if ln.strip()]
    causes = [ln for ln in lines if ln.startswith("Caused by:")]
    return causes[-1] if causes else (lines[0] if lines else "no reason given")
