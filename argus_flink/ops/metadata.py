"""Read the ``_metadata`` file Flink writes last into every savepoint and checkpoint.

Only its fixed header is parsed: a magic number, the format version and the checkpoint id.
A directory without a readable header is not a complete savepoint (Flink writes
``_metadata`` last, so a crash mid-savepoint leaves state files without it).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

METADATA_FILE = "_metadata"
_MAGIC = 0x4960672D  # Checkpoints.HEADER_MAGIC_NUMBER
_HEADER = struct.Struct(">iiq")  # magic, version, checkpoint id: big-endian, as Java writes
# Operator names and uids are Java modified-UTF-8 strings with a 2-byte length prefix.
_MAX_NAME_BYTES = 4096


@dataclass(frozen=True)
class MetadataHeader:
    version: int
    checkpoint_id: int


def parse_header(head: bytes) -> MetadataHeader | None:
    """The header of a ``_metadata`` file's first bytes, or None if they are not one."""
    if len(head) < _HEADER.size:
        return None
    magic, version, checkpoint_id = _HEADER.unpack_from(head)
    if magic != _MAGIC or version < 1:
        return None
    return MetadataHeader(version, checkpoint_id)


def read_header(savepoint_dir: Path) -> MetadataHeader | None:
    try:
        with (savepoint_dir / METADATA_FILE).open("rb") as f:
            return parse_header(f.read(_HEADER.size))
    except OSError:
        return None


def operator_name(metadata: bytes, operator_id: str) -> str | None:
    """The name a savepoint records for ``operator_id`` (32 hex digits), if it records one.

    Since format version 4 each operator entry is ``name, uid, id (16 bytes), …``. Rather than
    parse the whole file, find the id and step back over the uid and the name, checking each
    length prefix, so a wrong guess yields None instead of garbage.
    """
    try:
        wanted = bytes.fromhex(operator_id)
    except ValueError:
        return None
    at = metadata.find(wanted)
    if len(wanted) != 16 or at < 0:
        return None
    uid_start = _string_before(metadata, at)
    if uid_start is None:
        return None
    name_start = _string_before(metadata, uid_start)
    if name_start is None:
        return None
    name = metadata[name_start + 2:uid_start]
    text = name.decode("utf-8", errors="replace")
    return text if text.isprintable() and text else None


def _string_before(data: bytes, end: int) -> int | None:
    """Where a length-prefixed string ending at ``end`` starts, if one does."""
    for start in range(end - 2, max(-1, end - 2 - _MAX_NAME_BYTES), -1):
        (length,) = struct.unpack_from(">H", data, start)
        if start + 2 + length == end:
            return start
    return None
