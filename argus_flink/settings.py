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
