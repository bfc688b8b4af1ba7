"""Where a job's sources and sinks are: from the environment (Kubernetes Secrets in production),
defaulting to the local stack. Jobs take this frozen object; they never hard-code an address.
"""

from __future__ import annotations

import os

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from argus_flink.settings import StackSettings


class Endpoints(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ARGUS_", frozen=True, extra="ignore")

    kafka_bootstrap: str
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    postgres_dsn: SecretStr
    postgres_jdbc_url: str
    postgres_user: str
    postgres_password: SecretStr
    bolt_uri: str
    graph_user: str
    graph_password: SecretStr
    graph_db: str = "argus"

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings,
                                   dotenv_settings, file_secret_settings):
        # The environment wins over the local-stack defaults passed to the constructor.
        return env_settings, init_settings

    def kafka_client_properties(self) -> dict[str, str]:
        """Kafka client properties (without the ``properties.`` prefix SQL tables use)."""
        props = {"bootstrap.servers": self.kafka_bootstrap}
        if self.kafka_sasl_username and self.kafka_sasl_password:
            # Redpanda Cloud: SASL/SCRAM over TLS. The JAAS line carries the secret, so it is
            # built at run time from the environment and never written to a file.
            secret = self.kafka_sasl_password.get_secret_value()
            props.update({
                "security.protocol": "SASL_SSL",
                "sasl.mechanism": "SCRAM-SHA-256",
                "sasl.jaas.config": (
                    "org.apache.kafka.common.security.scram.ScramLoginModule required "
                    f'username="{self.kafka_sasl_username}" password="{secret}";'
                ),
            })
        return props


def load_endpoints(settings: StackSettings | None = None) -> Endpoints:
    """Endpoints from ``ARGUS_*`` variables, each defaulting to the local stack's.

    Inside Kubernetes there are no defaults: a missing variable is an error, never a silent
    fall-back to a loopback address.
    """
    if os.environ.get("KUBERNETES_SERVICE_HOST"):
        return Endpoints()
    s = settings or StackSettings()
    return Endpoints(
        kafka_bootstrap=s.kafka_bootstrap,
        postgres_dsn=s.postgres_dsn,
        postgres_jdbc_url=s.postgres_jdbc_url,
        postgres_user=s.postgres_user,
        postgres_password=s.postgres_password,
        bolt_uri=s.bolt_uri,
        graph_user=s.graph_user,
        graph_password=s.graph_password,
        graph_db=s.graph_db,
    )
