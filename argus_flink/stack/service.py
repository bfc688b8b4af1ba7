"""What every local-stack service offers `up`, `down`, `status` and `logs`."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from argus_flink.settings import StackSettings
from argus_flink.stack.process import port_accepts, require_free_port, running_pid, spawn, terminate


@dataclass(frozen=True)
class Health:
    healthy: bool
    detail: str


class ServiceError(RuntimeError):
    pass


class Service(ABC):
    """A daemon the stack owns: started by us, tracked by pid file, stopped by pid."""

    name: str
    #: (port, ARGUS_* variable that moves it) for every port the service binds.
    ports: tuple[tuple[int, str], ...]

    def __init__(self, settings: StackSettings) -> None:
        self.settings = settings
        self.dir = settings.home / self.name
        self.pid_dir = self.dir / "run"
        self.log_dir = self.dir / "log"

    # --- subclasses -------------------------------------------------------------------
    @abstractmethod
    def url(self) -> str: ...

    @abstractmethod
    def check(self) -> Health:
        """One real request against the service (never just a port probe)."""

    @abstractmethod
    def _start(self) -> None:
        """Start the daemon(s); called only when none of ours is running."""

    def prepare(self) -> None:
        """Work after the service is healthy (topics, migrations, schema)."""

    def pid_files(self) -> list[Path]:
        return [self.pid_dir / f"{self.name}.pid"]

    def log_files(self) -> list[Path]:
        return sorted(self.log_dir.glob("*.log")) + sorted(self.log_dir.glob("*.out"))

    # --- shared behaviour ---------------------------------------------------------------
    def pids(self) -> list[int]:
        return [pid for f in self.pid_files() if (pid := running_pid(f)) is not None]

    def is_running(self) -> bool:
        return bool(self.pids())

    def health(self) -> Health:
        if not self.is_running():
            return Health(False, "not running")
        if not port_accepts(self.ports[0][0]):
            return Health(False, f"not accepting connections on port {self.ports[0][0]} yet")
        try:
            return self.check()
        except Exception as exc:  # any failure of the probe means unhealthy, with the reason
            return Health(False, f"{type(exc).__name__}: {exc}".strip()[:300])

    def start(self, timeout: float = 120.0) -> bool:
        """Start unless already running, then wait until healthy. Returns True if started."""
        started = False
        if not self.is_running():
            self.stop()  # clears what a partial start or a crash left behind
            for port, env_var in self.ports:
                require_free_port(self.name, port, env_var)
            self.dir.mkdir(parents=True, exist_ok=True)
            self._start()
            started = True
        self.wait_healthy(timeout)
        self.prepare()
        return started

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        health = Health(False, "not checked")
        while time.monotonic() < deadline:
            health = self.health()
            if health.healthy:
                return
            if not self.is_running():
                raise ServiceError(
                    f"{self.name} exited during start-up; see `argus-flink logs {self.name}` "
                    f"({', '.join(str(f) for f in self.log_files()) or self.log_dir})"
                )
            time.sleep(0.5)
        raise ServiceError(f"{self.name} not healthy after {timeout:.0f}s: {health.detail}")

    def stop(self) -> None:
        for pid_file in self.pid_files():
            if (pid := running_pid(pid_file)) is not None:
                terminate(pid)
            pid_file.unlink(missing_ok=True)

    def _spawn(self, argv: list[str], *, env: dict[str, str] | None = None,
               user: str | None = None, pid_name: str | None = None) -> int:
        name = pid_name or self.name
        return spawn(argv, pid_file=self.pid_dir / f"{name}.pid",
                     log_file=self.log_dir / f"{name}.log", env=env, user=user, cwd=self.dir)
