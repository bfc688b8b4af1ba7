"""Savepoints on the local filesystem: the local cluster's savepoint directory.

The operations commands write each job's savepoints into ``<savepoint dir>/<job>/``. Those
taken otherwise (``flink stop`` without a target) sit at the top, named
``savepoint-<first 6 hex digits of the job id>-…``; their job comes from the cluster, when
it still knows that job id.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

from argus_flink.ops.metadata import METADATA_FILE, read_header
from argus_flink.ops.savepoint_catalog import (
    SAVEPOINT_PREFIX,
    SavepointEntry,
    job_from_parts,
    newest_first,
)


def path_of(location: str) -> Path:
    """``file:///x``, ``file:/x`` or a plain path, as a Path."""
    parsed = urlparse(location)
    if parsed.scheme not in ("", "file"):
        raise ValueError(f"not a local path: {location}")
    return Path(parsed.path if parsed.scheme else location)


def job_id_prefix(savepoint_name: str) -> str | None:
    """``savepoint-aba886-78f38fc6d321`` -> ``aba886``."""
    parts = savepoint_name.split("-")
    return parts[1] if len(parts) == 3 and parts[0] == "savepoint" else None


class LocalSavepointCatalog:
    def __init__(self, root: Path, job_names_by_id: Mapping[str, str] | None = None) -> None:
        self.root = root
        self.description = str(root)
        self._job_names_by_id = dict(job_names_by_id or {})

    def list(self, job: str | None = None) -> list[SavepointEntry]:
        if not self.root.is_dir():
            return []
        entries = []
        for metadata in self.root.rglob(METADATA_FILE):
            directory = metadata.parent
            header = read_header(directory)
            if not directory.name.startswith(SAVEPOINT_PREFIX) or header is None:
                continue  # retained checkpoints (chk-N) and unfinished savepoints
            entry = SavepointEntry(
                location=directory.resolve().as_uri(),
                job=self._job_of(directory),
                created_at=datetime.fromtimestamp(metadata.stat().st_mtime, tz=UTC),
                size_bytes=sum(f.stat().st_size for f in directory.rglob("*") if f.is_file()),
                checkpoint_id=header.checkpoint_id,
            )
            if job is None or entry.job == job:
                entries.append(entry)
        return newest_first(entries)

    def delete(self, entry: SavepointEntry) -> None:
        directory = path_of(entry.location)
        if not directory.resolve().is_relative_to(self.root.resolve()):
            raise ValueError(f"{entry.location} is outside {self.root}")
        shutil.rmtree(directory)

    def _job_of(self, directory: Path) -> str | None:
        parts = directory.relative_to(self.root).parts[:-1]
        if parts:
            return job_from_parts(parts)
        prefix = job_id_prefix(directory.name)
        matches = {name for job_id, name in self._job_names_by_id.items()
                   if prefix and job_id.startswith(prefix)}
        return matches.pop() if len(matches) == 1 else None
