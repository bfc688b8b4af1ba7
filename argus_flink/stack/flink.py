"""A Flink 2.0.2 standalone session cluster: one JobManager, one TaskManager, Web UI on REST."""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
from pathlib import Path

import httpx

from argus_flink.flinkconf import dump_flink_conf, render_flink_conf
from argus_flink.install.flink_home import PYFLINK_DIR
from argus_flink.settings import PROJECT_ROOT, StackSettings
from argus_flink.stack.process import running_pid
from argus_flink.stack.service import Health, Service

LOG4J_FILES = ("log4j-console.properties", "log4j-cli.properties", "log4j.properties",
               "logback-console.xml", "logback.xml")


def local_flink_conf(settings: StackSettings) -> dict[str, str]:
    """The local cluster's configuration, rendered from ``flink-conf/`` (base + local)."""
    return render_flink_conf("local", {
        "FLINK_REST_PORT": settings.flink_rest_port,
        "FLINK_RPC_PORT": settings.flink_rpc_port,
        "FLINK_SLOTS": settings.flink_slots,
        "STATE_DIR": settings.home / "flink" / "state",
        "PYTHON": sys.executable,
        "PROMETHEUS_PORTS": settings.prometheus_ports,
    })


def flink_env(settings: StackSettings) -> dict[str, str]:
    """Environment for Flink's scripts and clients: the project's Flink home and config."""
    flink_dir = settings.home / "flink"
    return {
        "FLINK_HOME": str(settings.tools / "flink-home"),
        "FLINK_CONF_DIR": str(flink_dir / "conf"),
        "FLINK_LOG_DIR": str(flink_dir / "log"),
        "FLINK_PID_DIR": str(flink_dir / "run"),
        "PYFLINK_PYTHON": sys.executable,
        "FLINK_IDENT_STRING": "argus",
    }


def embedded_python_env() -> dict[str, str]:
    """For thread mode, where the TaskManager embeds CPython (pemja). Started from the base
    interpreter's library, it sees neither the venv nor the project (an editable install is
    a .pth hook, which only the venv's own start-up runs), so `import pemja` fails and the
    job restarts forever (FLINK-38585). The process-wide PYTHONPATH is honoured."""
    paths = [sysconfig.get_paths()["purelib"], str(PROJECT_ROOT)]
    if os.environ.get("PYTHONPATH"):
        paths.append(os.environ["PYTHONPATH"])
    return {"PYTHONPATH": os.pathsep.join(paths)}


def write_flink_conf(settings: StackSettings) -> Path:
    conf_dir = settings.home / "flink" / "conf"
    conf_dir.mkdir(parents=True, exist_ok=True)
    # Flink creates none of these itself; a missing io.tmp.dirs stops the JobManager.
    for sub in ("checkpoints", "savepoints", "rocksdb", "tmp", "uploads"):
        (settings.home / "flink" / "state" / sub).mkdir(parents=True, exist_ok=True)
    for name in LOG4J_FILES:
        shutil.copyfile(PYFLINK_DIR / "conf" / name, conf_dir / name)
    (conf_dir / "config.yaml").write_text(dump_flink_conf(local_flink_conf(settings)))
    return conf_dir


class FlinkCluster(Service):
    name = "flink"

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.ports = (
            (settings.flink_rest_port, "ARGUS_FLINK_REST_PORT"),
            (settings.flink_rpc_port, "ARGUS_FLINK_RPC_PORT"),
        )

    def url(self) -> str:
        return self.settings.flink_rest_url

    def pid_files(self) -> list[Path]:
        return [self.pid_dir / "jobmanager.pid", self.pid_dir / "taskmanager.pid"]

    def is_running(self) -> bool:
        # A half-running cluster (one of the two died) counts as down and is restarted whole.
        return len(self.pids()) == 2

    def _start(self) -> None:
        write_flink_conf(self.settings)
        bin_dir = self.settings.tools / "flink-home" / "bin"
        self._spawn([str(bin_dir / "jobmanager.sh"), "start-foreground"],
                    env=flink_env(self.settings), pid_name="jobmanager")
        self._spawn_taskmanager()

    def _spawn_taskmanager(self) -> None:
        bin_dir = self.settings.tools / "flink-home" / "bin"
        self._spawn([str(bin_dir / "taskmanager.sh"), "start-foreground"],
                    env={**flink_env(self.settings), **embedded_python_env()},
                    pid_name="taskmanager")

    def start_taskmanager(self) -> bool:
        """Start the TaskManager alone if it died, keeping the JobManager and its jobs, which
        then restart from their last checkpoint (``start()`` would restart the cluster whole
        and lose them). Returns whether one was started; registration is not awaited."""
        if running_pid(self.pid_dir / "taskmanager.pid") is not None:
            return False
        self._spawn_taskmanager()
        return True

    def overview(self) -> dict:
        response = httpx.get(f"{self.url()}/overview", timeout=3)
        response.raise_for_status()
        return response.json()

    def check(self) -> Health:
        overview = self.overview()
        if overview.get("taskmanagers", 0) < 1:
            return Health(False, "JobManager up, waiting for the TaskManager to register")
        return Health(True, f"{overview['taskmanagers']} TaskManager, "
                            f"{overview['slots-available']}/{overview['slots-total']} slots free, "
                            f"{overview['jobs-running']} jobs running")
