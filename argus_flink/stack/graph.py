"""The Bolt graph server: ArcadeDB with its Bolt plugin locally (Neo4j or Aura in production)."""

from __future__ import annotations

from argus_flink.stack.service import Health, Service


class GraphServer(Service):
    name = "graph"

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.ports = (
            (settings.bolt_port, "ARGUS_BOLT_PORT"),
            (settings.graph_http_port, "ARGUS_GRAPH_HTTP_PORT"),
        )

    def url(self) -> str:
        return self.settings.bolt_uri

    def _start(self) -> None:
        s = self.settings
        arcade = s.tools / "arcadedb"
        self._spawn(
            [
                str(arcade / "jre" / "bin" / "java"),
                "-Xms256m", "-Xmx1g",
                f"-Darcadedb.server.rootPath={self.dir}",
                f"-Darcadedb.server.databaseDirectory={self.dir / 'databases'}",
                f"-Darcadedb.server.rootPassword={s.graph_password}",
                f"-Darcadedb.server.defaultDatabases={s.graph_db}[{s.graph_user}]",
                "-Darcadedb.server.plugins=Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
                "-Darcadedb.server.httpIncomingHost=127.0.0.1",
                f"-Darcadedb.server.httpIncomingPort={s.graph_http_port}",
                "-Darcadedb.bolt.host=127.0.0.1",
                f"-Darcadedb.bolt.port={s.bolt_port}",
                "-cp", f"{arcade / 'jars'}/*",
                "com.arcadedb.server.ArcadeDBServer",
            ]
        )

    def check(self) -> Health:
        # Imported here: the driver pulls in pandas, two seconds on every CLI start otherwise.
        from neo4j import GraphDatabase

        s = self.settings
        with GraphDatabase.driver(s.bolt_uri, auth=(s.graph_user, s.graph_password),
                                  connection_timeout=3) as driver:
            records, _, _ = driver.execute_query("RETURN 1 AS one", database_=s.graph_db)
        ok = records and records[0]["one"] == 1
        return Health(bool(ok), "RETURN 1 ok" if ok else f"unexpected answer {records!r}")
