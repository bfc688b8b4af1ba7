"""Local-stack settings: every endpoint and path, each overridable by an ``ARGUS_*`` variable.

This is the one place that knows the local defaults. Jobs receive endpoints through their
frozen job config (built from these settings locally, from the environment in Kubernetes).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class StackSettings(BaseSettings):
    """Endpoints and state locations of the local stack."""

    model_config = SettingsConfigDict(env_prefix="ARGUS_", frozen=True, extra="ignore")

    home: Path = Field(PROJECT_ROOT / ".argus" / "stack", description="runtime state: data, logs, pids")
    tools: Path = Field(
        PROJECT_ROOT / ".argus" / "tools", description="installed binaries, jars, model files"
    )
    kafka_port: int = 19092
    postgres_port: int = 15432
    bolt_port: int = 17687
    graph_http_port: int = 12480
    flink_rest_port: int = 8081
    flink_rpc_port: int = 16123
    flink_slots: int = 8
    prometheus_ports: str = "9249-9259"
    postgres_db: str = "argus"
    postgres_user: str = "argus"
    postgres_password: str = "argus-local"
    graph_db: str = "argus"
    graph_user: str = "root"
    graph_password: str = "argus-local-graph"

    @property
    def kafka_bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def postgres_dsn(self) -> str:
        return (
            f"postgresql://{self.postgres_user}:{self.postgres_password}"
            f"@127.0.0.1:{self.postgres_port}/{self.postgres_db}"
        )

    @property
    def postgres_jdbc_url(self) -> str:
        return f"jdbc:postgresql://127.0.0.1:{self.postgres_port}/{self.postgres_db}"

    @property
    def bolt_uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"

    @property
    def flink_rest_url(self) -> str:
        return f"http://localhost:{self.flink_rest_port}"


def load_settings() -> StackSettings:
    return StackSettings()


# Private stacks (the test suite's, each benchmark's) keep away from a developer's stack on
# the defaults: these ports, each moved by the stack's own offset.
_PRIVATE_PORTS = {
    "ARGUS_KAFKA_PORT": 29092,
    "ARGUS_POSTGRES_PORT": 25432,
    "ARGUS_BOLT_PORT": 27687,
    "ARGUS_GRAPH_HTTP_PORT": 22480,
    "ARGUS_FLINK_REST_PORT": 28081,
    "ARGUS_FLINK_RPC_PORT": 26123,
}
_PRIVATE_PROMETHEUS_PORTS = (29249, 29259)


def private_stack_env(name: str, offset: int = 0) -> dict[str, str]:
    """The ARGUS_* variables of a private stack with its state in ``.argus/<name>``."""
    env = {"ARGUS_HOME": str(PROJECT_ROOT / ".argus" / name)}
    env.update({variable: str(port + offset) for variable, port in _PRIVATE_PORTS.items()})
    low, high = _PRIVATE_PROMETHEUS_PORTS
    env["ARGUS_PROMETHEUS_PORTS"] = f"{low + offset}-{high + offset}"
    return env
