"""Savepoints on S3-compatible object storage (R2 in production), through boto3.

A savepoint is a "directory" of keys named ``…/savepoint-*/…`` holding a ``_metadata`` key;
its time is the ``_metadata`` object's, its size the sum of its objects. Prefixes hold one
job (``s3://bucket/test-metrics/savepoints``) or several (``s3://bucket``).
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC
from typing import Any
from urllib.parse import urlparse

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from argus_flink.ops.errors import ObjectStoreError
from argus_flink.ops.metadata import METADATA_FILE, parse_header
from argus_flink.ops.s3_endpoint import S3Endpoint
from argus_flink.ops.savepoint_catalog import (
    SAVEPOINT_PREFIX,
    SavepointEntry,
    canonical_location,
    job_from_parts,
    newest_first,
)

_DELETE_BATCH = 1000  # the most keys one DeleteObjects request takes


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str  # without leading or trailing slash; "" for the whole bucket

    @classmethod
    def parse(cls, uri: str) -> S3Location:
        parsed = urlparse(uri)
        if parsed.scheme not in ("s3", "s3a", "s3p") or not parsed.netloc:
            raise ValueError(f"expected s3://bucket/prefix, got {uri!r}")
        return cls(parsed.netloc, parsed.path.strip("/"))

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")

    def key_prefix(self) -> str:
        return f"{self.prefix}/" if self.prefix else ""


def s3_client(endpoint: S3Endpoint) -> Any:
    """A boto3 client for the endpoint; credentials come from the environment, read now (a
    session of its own: boto3's default one keeps the first credentials it found)."""
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint.url,
        # R2 ignores the region but the signature needs one; "auto" is what R2 documents.
        region_name=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "auto",
        config=Config(s3={"addressing_style": "path" if endpoint.path_style else "auto"},
                      retries={"max_attempts": 5, "mode": "standard"}),
    )


class S3SavepointCatalog:
    def __init__(self, location: S3Location, client: Any) -> None:
        self.location = location
        self.description = str(location)
        self._s3 = client

    def list(self, job: str | None = None) -> list[SavepointEntry]:
        objects = self._objects(self.location.key_prefix())
        sizes: dict[str, int] = defaultdict(int)
        metadata: dict[str, dict[str, Any]] = {}
        for obj in objects:
            directory, _, name = obj["Key"].rpartition("/")
            savepoint_dir = _savepoint_dir_of(obj["Key"])
            if savepoint_dir is not None:
                sizes[savepoint_dir] += int(obj["Size"])
            if name == METADATA_FILE and directory.rsplit("/", 1)[-1].startswith(SAVEPOINT_PREFIX):
                metadata[directory] = obj
        entries = []
        for directory, meta in metadata.items():
            entry = SavepointEntry(
                location=canonical_location(f"s3://{self.location.bucket}/{directory}"),
                job=job_from_parts(directory.split("/")[:-1]),
                created_at=meta["LastModified"].astimezone(UTC),
                size_bytes=sizes[directory],
                checkpoint_id=self._checkpoint_id(meta["Key"]),
            )
            if job is None or entry.job == job:
                entries.append(entry)
        return newest_first(entries)

    def delete(self, entry: SavepointEntry) -> None:
        location = S3Location.parse(entry.location)
        if location.bucket != self.location.bucket or not location.prefix.startswith(
                self.location.prefix):
            raise ValueError(f"{entry.location} is outside {self.location}")
        keys = [obj["Key"] for obj in self._objects(location.key_prefix())]
        for start in range(0, len(keys), _DELETE_BATCH):
            batch = [{"Key": k} for k in keys[start:start + _DELETE_BATCH]]
            result = self._call("delete_objects", Bucket=location.bucket,
                                Delete={"Objects": batch, "Quiet": True})
            if result.get("Errors"):
                first = result["Errors"][0]
                raise ObjectStoreError(
                    f"could not delete {first.get('Key')} from {location.bucket}: "
                    f"{first.get('Code')} {first.get('Message')}")

    # --- boto3 calls, with errors users can act on ----------------------------------------
    def _objects(self, key_prefix: str) -> list[dict[str, Any]]:
        paginator = self._s3.get_paginator("list_objects_v2")
        try:
            return [obj for page in paginator.paginate(Bucket=self.location.bucket,
                                                       Prefix=key_prefix)
                    for obj in page.get("Contents", [])]
        except (BotoCoreError, ClientError) as exc:
            raise _explain(exc, self.location) from exc

    def _checkpoint_id(self, key: str) -> int | None:
        head = self._call("get_object", Bucket=self.location.bucket, Key=key,
                          Range="bytes=0-15")["Body"].read()
        header = parse_header(head)
        return header.checkpoint_id if header else None

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        try:
            return getattr(self._s3, operation)(**kwargs)
        except (BotoCoreError, ClientError) as exc:
            raise _explain(exc, self.location) from exc


def _savepoint_dir_of(key: str) -> str | None:
    parts = key.split("/")
    for i in range(len(parts) - 1):
        if parts[i].startswith(SAVEPOINT_PREFIX):
            return "/".join(parts[:i + 1])
    return None


def _explain(exc: Exception, location: S3Location) -> ObjectStoreError:
    if isinstance(exc, NoCredentialsError):
        return ObjectStoreError(
            f"no credentials for {location}: export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
            "(an R2 API token with Object Read & Write on the bucket)")
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return ObjectStoreError(
            f"{location}: {error.get('Code')} {error.get('Message', '')}".strip())
    return ObjectStoreError(f"{location}: {exc}")
