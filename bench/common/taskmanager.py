"""The benchmark stack's TaskManager: its JVM, the CPU time of it and every Python worker it
starts, and bringing it back when a cancelled job took it down."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import httpx

from argus_flink.settings import StackSettings
from argus_flink.stack.flink import FlinkCluster
from argus_flink.stack.process import running_pid


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, user + system CPU seconds, every thread) of a process, or None if gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process (all its threads, none of its children)."""
    stat = _stat(pid)
    if stat is None:
        raise ProcessLookupError(pid)
    return stat[1]


class ProcessTable:
    """One scan of /proc: every process's parent and CPU seconds, so that several trees are
    read from the same snapshot instead of a scan each."""

    def __init__(self) -> None:
        self.stats = {pid: stat for entry in os.listdir("/proc") if entry.isdigit()
                      if (stat := _stat(pid := int(entry))) is not None}
        self.children: dict[int, list[int]] = {}
        for pid, (parent, _) in self.stats.items():
            self.children.setdefault(parent, []).append(pid)

    def tree_cpu(self, root: int) -> dict[int, float]:
        """CPU seconds of ``root`` and each of its descendants, by pid."""
        cpu, todo = {}, [root]
        while todo:
            pid = todo.pop()
            if pid in self.stats:
                cpu[pid] = self.stats[pid][1]
                todo += self.children.get(pid, [])
        return cpu


def process_tree_cpu(root: int) -> dict[int, float]:
    """CPU seconds of ``root`` and each of its descendants, by pid."""
    return ProcessTable().tree_cpu(root)


class CpuSampler(threading.Thread):
    """Samples the CPU time of a process tree; Python workers that exit keep their last
    sample (at most one interval short)."""

    def __init__(self, root: int, interval: float = 1.0) -> None:
        super().__init__(daemon=True)
        self.root, self.interval = root, interval
        self.peak: dict[int, float] = {}
        self.stopping = threading.Event()
        self.baseline = dict(process_tree_cpu(root))

    def run(self) -> None:
        while not self.stopping.is_set():
            self.sample()
            self.stopping.wait(self.interval)

    def sample(self) -> None:
        for pid, seconds in process_tree_cpu(self.root).items():
            self.peak[pid] = max(self.peak.get(pid, 0.0), seconds)

    def used(self) -> float:
        self.sample()
        return sum(seconds - self.baseline.get(pid, 0.0) for pid, seconds in self.peak.items())


def _cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def taskmanager_pid(settings: StackSettings) -> int:
    """The TaskManager's JVM (its Python workers are its children)."""
    pid = running_pid(settings.home / "flink" / "run" / "taskmanager.pid")
    if pid is None:
        raise RuntimeError("no TaskManager is running on the benchmark stack")
    # The pid file may name the launcher script; the JVM is then its (only) child.
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return int(children[0]) if children and "java" not in _cmdline(pid) else pid


def ensure_taskmanager(settings: StackSettings, slots: int = 4, timeout: float = 120) -> None:
    """A TaskManager that died (cancelled Python jobs can take it down) comes back."""
    FlinkCluster(settings).start_taskmanager()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        overview = httpx.get(f"{settings.flink_rest_url}/overview", timeout=5).json()
        if overview["taskmanagers"] and overview["slots-available"] >= slots:
            return
        time.sleep(2)
    raise RuntimeError("the TaskManager did not come back")


def _is_python(pid: int) -> bool:
    try:
        return "python" in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode()
    except OSError:
        return False


def stack_cpu(settings: StackSettings) -> dict[str, float]:
    """CPU seconds so far of the stack's parts: the TaskManager's JVM (with the launchers of
    its Python workers), each Python worker, PostgreSQL and the broker, with every process
    they started. Take it before and after a run: ``cpu_spent(before, after)``."""
    from argus_flink.stack.broker import Broker
    from argus_flink.stack.postgres import Postgres

    table = ProcessTable()
    tree = table.tree_cpu(taskmanager_pid(settings))
    workers = {pid: cpu for pid, cpu in tree.items() if _is_python(pid)}
    parts = {"TaskManager JVM": sum(cpu for pid, cpu in tree.items() if pid not in workers)}
    parts.update({f"Python worker {pid}": cpu for pid, cpu in workers.items()})
    for service in (Postgres(settings), Broker(settings)):
        parts[service.name] = sum(sum(table.tree_cpu(pid).values()) for pid in service.pids())
    return parts


def cpu_spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """CPU seconds per part between two ``stack_cpu`` readings, largest first."""
    spent = {part: cpu - before.get(part, 0.0) for part, cpu in after.items()}
    return dict(sorted(spent.items(), key=lambda item: -item[1]))
